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
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

static int entry64(phys_read_fn read, void *ctx, uint64_t table, unsigned idx,
                   uint64_t *e)
{
    return read(ctx, table + idx * 8ull, e, 8);
}

static bool canonical(uint64_t gva, unsigned bits)
{
    int64_t s = (int64_t)(gva << (64 - bits)) >> (64 - bits);
    return (uint64_t)s == gva;
}

/* Long mode (4 or 5 levels) and 32-bit PAE share the entry format; only
 * the number of levels and the top table differ. */
static int walk_pae(const struct paging_mode *m, uint64_t gva, bool write,
                    phys_read_fn read, void *ctx, uint64_t *gpa)
{
    bool wp = m->cr0 & CR0_WP;
    unsigned levels;
    uint64_t table;
    if (m->efer & EFER_LMA) {
        levels = (m->cr4 & CR4_LA57) ? 5 : 4;
        if (!canonical(gva, levels == 5 ? 57 : 48))
            return -EFAULT;
        table = m->cr3 & PTE_ADDR;
    } else {
        /* PAE: CR3 points at four 8-byte PDPTEs, 32-byte aligned. */
        gva &= 0xffffffffull;
        uint64_t pdpte;
        if (read(ctx, (m->cr3 & 0xffffffe0ull) + ((gva >> 30) & 3) * 8, &pdpte, 8))
            return -EFAULT;
        if (!(pdpte & PTE_P))
            return -EFAULT;
        levels = 2;
        table = pdpte & PTE_ADDR;
    }
    for (unsigned lvl = levels; lvl >= 1; lvl--) {
        unsigned shift = 12 + 9 * (lvl - 1);
        uint64_t e;
        if (entry64(read, ctx, table, (gva >> shift) & 0x1ff, &e))
            return -EFAULT;
        if (!(e & PTE_P))
            return -EFAULT;
        if (write && wp && !(e & PTE_RW))
            return -EFAULT;
        /* A large page at the 1 GiB or 2 MiB level ends the walk. */
        if (lvl == 1 || ((lvl == 2 || lvl == 3) && (e & PTE_PS))) {
            uint64_t mask = (1ull << shift) - 1;
            *gpa = ((e & PTE_ADDR) & ~mask) | (gva & mask);
            return 0;
        }
        if (lvl > 3 && (e & PTE_PS))
            return -EFAULT; /* reserved bit at PML4/PML5 */
        table = e & PTE_ADDR;
    }
    return -EFAULT;
}

/* Legacy 32-bit paging: two levels of 4-byte entries, 4 MiB pages with PSE. */
static int walk_32(const struct paging_mode *m, uint64_t gva, bool write,
                   phys_read_fn read, void *ctx, uint64_t *gpa)
{
    bool wp = m->cr0 & CR0_WP;
    uint32_t va = (uint32_t)gva, pde, pte;
    if (read(ctx, (m->cr3 & 0xfffff000ull) + (va >> 22) * 4ull, &pde, 4))
        return -EFAULT;
    if (!(pde & PTE_P) || (write && wp && !(pde & PTE_RW)))
        return -EFAULT;
    if ((pde & PTE_PS) && (m->cr4 & CR4_PSE)) {
        *gpa = (pde & 0xffc00000u) | (va & 0x3fffffu);
        return 0;
    }
    if (read(ctx, (pde & 0xfffff000u) + ((va >> 12) & 0x3ff) * 4ull, &pte, 4))
        return -EFAULT;
    if (!(pte & PTE_P) || (write && wp && !(pte & PTE_RW)))
        return -EFAULT;
    *gpa = (pte & 0xfffff000u) | (va & 0xfffu);
    return 0;
}

int pagewalk(const struct paging_mode *m, uint64_t gva, bool write,
             phys_read_fn read, void *ctx, uint64_t *gpa)
{
    if (!(m->cr0 & CR0_PG)) {
        /* Paging off: linear is physical, and only 32 bits of it exist
         * outside long mode (which needs paging anyway). */
        if (gva > 0xffffffffull)
            return -EFAULT;
        *gpa = gva;
        return 0;
    }
    if ((m->efer & EFER_LMA) || (m->cr4 & CR4_PAE))
        return walk_pae(m, gva, write, read, ctx, gpa);
    return walk_32(m, gva, write, read, ctx, gpa);
}
