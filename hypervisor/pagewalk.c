#include "config.h"

#include <errno.h>

#include "hypervisor/pagewalk.h"

#define CR0_PG (1ull << 31)
#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)

/* One walk: what it is for, and how the entries are reached. With `ptr`
 * the entries are read in place and their accessed and dirty bits set,
 * as the CPU does; with `read` alone the walk only looks. */
struct walk {
    const struct paging_mode *m;
    unsigned access; /* PAGEWALK_* */
    phys_read_fn read;
    phys_ptr_fn ptr;
    void *ctx;
    uint32_t pf_error;
};

static int walk_fail(struct walk *w, uint32_t why)
{
    w->pf_error = why | (w->access & (PAGEWALK_WRITE | PAGEWALK_USER | PAGEWALK_FETCH));
    return -EFAULT;
}

static int entry_get(struct walk *w, uint64_t gpa, unsigned size, uint64_t *e)
{
    *e = 0;
    if (w->ptr) {
        void *p = w->ptr(w->ctx, gpa, size);
        if (!p)
            return -EFAULT;
        *e = size == 8 ? __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE)
                       : __atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE);
        return 0;
    }
    return w->read(w->ctx, gpa, e, size);
}

/* Accessed on every level used, dirty on the last one of a write. A
 * locked OR, as the CPU's own update is: another vCPU may be changing the
 * same entry. */
static void entry_mark(struct walk *w, uint64_t gpa, unsigned size, uint64_t e, bool leaf)
{
    uint64_t bits = PTE_A;
    if (leaf && (w->access & PAGEWALK_WRITE))
        bits |= PTE_D;
    if (!w->ptr || (e & bits) == bits)
        return;
    void *p = w->ptr(w->ctx, gpa, size);
    if (size == 8)
        __atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_SEQ_CST);
}

/* The permission checks every level applies; 0 or the walk's failure. */
static int entry_allows(struct walk *w, uint64_t e)
{
    bool wp = w->m->cr0 & CR0_WP;
    if (!(e & PTE_P))
        return walk_fail(w, 0);
    bool user = w->access & PAGEWALK_USER;
    if ((w->access & PAGEWALK_WRITE) && !(e & PTE_RW) && (wp || user))
        return walk_fail(w, PAGEWALK_PRESENT);
    if (user && !(e & PTE_US))
        return walk_fail(w, PAGEWALK_PRESENT);
    return 0;
}

static bool canonical(uint64_t gva, unsigned bits)
{
    int64_t s = (int64_t)(gva << (64 - bits)) >> (64 - bits);
    return (uint64_t)s == gva;
}

/* Long mode (4 or 5 levels) and 32-bit PAE share the entry format; only
 * the number of levels and the top table differ. */
static int walk_pae(struct walk *w, uint64_t gva, uint64_t *gpa)
{
    const struct paging_mode *m = w->m;
    unsigned levels;
    uint64_t table;
    if (m->efer & EFER_LMA) {
        levels = (m->cr4 & CR4_LA57) ? 5 : 4;
        if (!canonical(gva, levels == 5 ? 57 : 48))
            return -ERANGE;
        table = m->cr3 & PTE_ADDR;
    } else {
        /* PAE: CR3 points at four 8-byte PDPTEs, 32-byte aligned. They
         * are loaded with CR3, have no A/D bits and no permissions. */
        gva &= 0xffffffffull;
        uint64_t pdpte;
        if (entry_get(w, (m->cr3 & 0xffffffe0ull) + ((gva >> 30) & 3) * 8, 8, &pdpte))
            return walk_fail(w, 0);
        if (!(pdpte & PTE_P))
            return walk_fail(w, 0);
        levels = 2;
        table = pdpte & PTE_ADDR;
    }
    for (unsigned lvl = levels; lvl >= 1; lvl--) {
        unsigned shift = 12 + 9 * (lvl - 1);
        uint64_t at = table + ((gva >> shift) & 0x1ff) * 8ull, e;
        if (entry_get(w, at, 8, &e))
            return walk_fail(w, 0);
        int rc = entry_allows(w, e);
        if (rc)
            return rc;
        if (lvl > 3 && (e & PTE_PS))
            return walk_fail(w, PAGEWALK_PRESENT | PAGEWALK_RSVD); /* reserved at PML4/PML5 */
        /* A large page at the 1 GiB or 2 MiB level ends the walk. */
        bool leaf = lvl == 1 || ((lvl == 2 || lvl == 3) && (e & PTE_PS));
        entry_mark(w, at, 8, e, leaf);
        if (leaf) {
            uint64_t mask = (1ull << shift) - 1;
            *gpa = ((e & PTE_ADDR) & ~mask) | (gva & mask);
            return 0;
        }
        table = e & PTE_ADDR;
    }
    return walk_fail(w, 0);
}

/* Legacy 32-bit paging: two levels of 4-byte entries, 4 MiB pages with PSE. */
static int walk_32(struct walk *w, uint64_t gva, uint64_t *gpa)
{
    uint32_t va = (uint32_t)gva;
    uint64_t pde, pte;
    uint64_t pde_at = (w->m->cr3 & 0xfffff000ull) + (va >> 22) * 4ull;
    if (entry_get(w, pde_at, 4, &pde))
        return walk_fail(w, 0);
    int rc = entry_allows(w, pde);
    if (rc)
        return rc;
    if ((pde & PTE_PS) && (w->m->cr4 & CR4_PSE)) {
        entry_mark(w, pde_at, 4, pde, true);
        *gpa = (pde & 0xffc00000u) | (va & 0x3fffffu);
        return 0;
    }
    entry_mark(w, pde_at, 4, pde, false);
    uint64_t pte_at = (pde & 0xfffff000u) + ((va >> 12) & 0x3ff) * 4ull;
    if (entry_get(w, pte_at, 4, &pte))
        return walk_fail(w, 0);
    rc = entry_allows(w, pte);
    if (rc)
        return rc;
    entry_mark(w, pte_at, 4, pte, true);
    *gpa = (pte & 0xfffff000u) | (va & 0xfffu);
    return 0;
}

static int walk(struct walk *w, uint64_t gva, uint64_t *gpa)
{
    const struct paging_mode *m = w->m;
    if (!(m->cr0 & CR0_PG)) {
        /* Paging off: linear is physical, and only 32 bits of it exist
         * outside long mode (which needs paging anyway). */
        if (gva > 0xffffffffull)
            return walk_fail(w, 0);
        *gpa = gva;
        return 0;
    }
    if ((m->efer & EFER_LMA) || (m->cr4 & CR4_PAE))
        return walk_pae(w, gva, gpa);
    return walk_32(w, gva, gpa);
}

int pagewalk(const struct paging_mode *m, uint64_t gva, bool write,
             phys_read_fn read, void *ctx, uint64_t *gpa)
{
    struct walk w = {.m = m, .access = write ? PAGEWALK_WRITE : 0, .read = read, .ctx = ctx};
    int rc = walk(&w, gva, gpa);
    return rc ? -EFAULT : 0;
}

int pagewalk_access(const struct paging_mode *m, uint64_t gva, unsigned access,
                    phys_ptr_fn ptr, void *ctx, uint64_t *gpa, uint32_t *pf_error)
{
    struct walk w = {.m = m, .access = access, .ptr = ptr, .ctx = ctx};
    int rc = walk(&w, gva, gpa);
    *pf_error = rc == -EFAULT ? w.pf_error : 0;
    return rc;
}
