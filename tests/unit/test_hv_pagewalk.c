/* Unit tests of the software guest page-table walker (hypervisor/pagewalk). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/pagewalk.h"

/* Architectural bits, spelled out here rather than taken from pagewalk.c
 * so that a wrong constant there shows up as a failing walk. */
#define CR0_PG (1ull << 31)
#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define P (1ull << 0)
#define RW (1ull << 1)
#define US (1ull << 2)
#define PS (1ull << 7)

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* Guest RAM is small; the pages the walks end in may lie far beyond it,
 * which is fine because the walker reads only the tables. */
#define RAM_SIZE (4 * MiB)
#define TABLES_BASE (1 * MiB)
#define OUTSIDE_RAM 0x7ff00000000ull

struct gmem {
    uint8_t *buf;
    uint64_t next_table;
    unsigned reads;
};

static struct gmem g;

static void gmem_setup(void)
{
    g.buf = calloc(1, RAM_SIZE);
    ck_assert_ptr_nonnull(g.buf);
    g.next_table = TABLES_BASE;
    g.reads = 0;
}

static void gmem_teardown(void)
{
    free(g.buf);
    g.buf = NULL;
}

static int ram_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    struct gmem *m = ctx;
    m->reads++;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return -EFAULT;
    memcpy(buf, m->buf + gpa, len);
    return 0;
}

static uint64_t new_table(void)
{
    uint64_t t = g.next_table;
    g.next_table += 4 * KiB;
    ck_assert_uint_le(g.next_table, RAM_SIZE);
    return t;
}

static uint64_t get64(uint64_t gpa)
{
    uint64_t v;
    memcpy(&v, g.buf + gpa, 8);
    return v;
}

static void put64(uint64_t gpa, uint64_t v)
{
    memcpy(g.buf + gpa, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
    memcpy(g.buf + gpa, &v, 4);
}

/* Where the level-`level` entry for gva sits in a 64-bit-entry tree with
 * `levels` levels under root (level 1 = PTE), creating missing tables. */
static uint64_t entry_gpa(uint64_t root, unsigned levels, uint64_t gva, unsigned level)
{
    uint64_t table = root;
    for (unsigned l = levels; ; l--) {
        uint64_t e = table + ((gva >> (12 + 9 * (l - 1))) & 0x1ff) * 8;
        if (l == level)
            return e;
        if (!(get64(e) & P))
            put64(e, new_table() | P | RW | US);
        table = get64(e) & 0x000ffffffffff000ull;
    }
}

/* Maps gva to gpa with a leaf at `level` (1: 4 KiB, 2: 2 MiB, 3: 1 GiB). */
static void map(uint64_t root, unsigned levels, uint64_t gva, uint64_t gpa, unsigned level,
                uint64_t flags)
{
    put64(entry_gpa(root, levels, gva, level), gpa | flags | (level > 1 ? PS : 0));
}

static const struct paging_mode long4 = {
    .cr0 = CR0_PG | CR0_WP | 1, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA,
};

static int walk(struct paging_mode m, uint64_t cr3, uint64_t gva, bool write, uint64_t *gpa)
{
    m.cr3 = cr3;
    return pagewalk(&m, gva, write, ram_read, &g, gpa);
}

/* Translates and insists it succeeds. */
static uint64_t xlate(struct paging_mode m, uint64_t cr3, uint64_t gva, bool write)
{
    uint64_t gpa = 0;
    int rc = walk(m, cr3, gva, write, &gpa);
    ck_assert_msg(rc == 0, "walk of 0x%llx failed: %d", (unsigned long long)gva, rc);
    return gpa;
}

static int xlate_rc(struct paging_mode m, uint64_t cr3, uint64_t gva, bool write)
{
    uint64_t gpa = 0;
    return walk(m, cr3, gva, write, &gpa);
}

/* ---- paging off ---- */

START_TEST(paging_off_is_identity)
{
    struct paging_mode m = {.cr0 = 1};
    uint64_t gpa = 0;
    ck_assert_int_eq(pagewalk(&m, 0x12345, false, ram_read, &g, &gpa), 0);
    ck_assert_uint_eq(gpa, 0x12345);
    ck_assert_int_eq(pagewalk(&m, 0xffffffffull, true, ram_read, &g, &gpa), 0);
    ck_assert_uint_eq(gpa, 0xffffffffull);
    /* With paging off there are no tables to read at all. */
    ck_assert_uint_eq(g.reads, 0);
}
END_TEST

START_TEST(paging_off_above_4g_faults)
{
    struct paging_mode m = {.cr0 = 1};
    uint64_t gpa = 0x55;
    ck_assert_int_eq(pagewalk(&m, 0x100000000ull, false, ram_read, &g, &gpa), -EFAULT);
    ck_assert_int_eq(pagewalk(&m, UINT64_MAX, false, ram_read, &g, &gpa), -EFAULT);
}
END_TEST

START_TEST(paging_off_ignores_pae_bits)
{
    /* CR4.PAE set while CR0.PG is clear is the state just before a kernel
     * enables paging: still flat. */
    struct paging_mode m = {.cr0 = 1, .cr4 = CR4_PAE | CR4_PSE};
    uint64_t gpa = 0;
    ck_assert_int_eq(pagewalk(&m, 0xabcdef, false, ram_read, &g, &gpa), 0);
    ck_assert_uint_eq(gpa, 0xabcdef);
}
END_TEST

/* ---- 4-level long mode ---- */

START_TEST(long4_4k_page)
{
    uint64_t cr3 = new_table();
    uint64_t gva = 0x00007f1234567000ull;
    map(cr3, 4, gva, 0x345000, 1, P | RW);
    ck_assert_uint_eq(xlate(long4, cr3, gva, false), 0x345000);
    ck_assert_uint_eq(xlate(long4, cr3, gva + 0xabc, true), 0x345abc);
    ck_assert_uint_eq(xlate(long4, cr3, gva + 0xfff, false), 0x345fff);
    /* The next page is not mapped. */
    ck_assert_int_eq(xlate_rc(long4, cr3, gva + 0x1000, false), -EFAULT);
}
END_TEST

START_TEST(long4_higher_half_4k_page)
{
    uint64_t cr3 = new_table();
    uint64_t gva = 0xffffffff81234000ull;
    map(cr3, 4, gva, 0x1234000, 1, P | RW);
    ck_assert_uint_eq(xlate(long4, cr3, gva + 0x10, false), 0x1234010);
}
END_TEST

START_TEST(long4_2m_page)
{
    uint64_t cr3 = new_table();
    uint64_t gva = 0x40200000ull;
    map(cr3, 4, gva, 0x1600000, 2, P | RW);
    ck_assert_uint_eq(xlate(long4, cr3, gva, false), 0x1600000);
    ck_assert_uint_eq(xlate(long4, cr3, gva + 0x1fabcd, true), 0x17fabcd);
}
END_TEST

START_TEST(long4_2m_page_ignores_pat_bit)
{
    /* Bit 12 of a large-page entry is PAT, not an address bit. */
    uint64_t cr3 = new_table();
    uint64_t gva = 0x40200000ull;
    map(cr3, 4, gva, 0x1600000 | (1ull << 12), 2, P | RW);
    ck_assert_uint_eq(xlate(long4, cr3, gva + 0x10, false), 0x1600010);
}
END_TEST

START_TEST(long4_1g_page)
{
    uint64_t cr3 = new_table();
    uint64_t gva = 0xffff800040000000ull;
    map(cr3, 4, gva, 0x80000000ull, 3, P | RW);
    ck_assert_uint_eq(xlate(long4, cr3, gva, false), 0x80000000ull);
    ck_assert_uint_eq(xlate(long4, cr3, gva + 0x3ffffff7ull, false), 0xbffffff7ull);
}
END_TEST

START_TEST(long4_cr3_low_bits_ignored)
{
    /* PCID or PWT/PCD in CR3's low bits are not part of the table address. */
    uint64_t cr3 = new_table();
    map(cr3, 4, 0x5000, 0x9000, 1, P | RW);
    ck_assert_uint_eq(xlate(long4, cr3 | 0x18, 0x5123, false), 0x9123);
}
END_TEST

START_TEST(long4_non_canonical)
{
    uint64_t cr3 = new_table();
    /* Map the aliases an address would hit if bits 63:48 were ignored. */
    map(cr3, 4, 0x0000800000000000ull, 0x1000, 1, P | RW);
    map(cr3, 4, 0xffff7ffffffff000ull, 0x2000, 1, P | RW);
    ck_assert_int_eq(xlate_rc(long4, cr3, 0x0000800000000000ull, false), -EFAULT);
    ck_assert_int_eq(xlate_rc(long4, cr3, 0xffff7ffffffff000ull, false), -EFAULT);
    ck_assert_int_eq(xlate_rc(long4, cr3, 0x8000000000000000ull, false), -EFAULT);
    ck_assert_int_eq(xlate_rc(long4, cr3, 0x0100000000001000ull, false), -EFAULT);
}
END_TEST

/* Clears P at one level of a complete 4 KiB mapping (loop index: level). */
START_TEST(long4_not_present_at_each_level)
{
    unsigned level = (unsigned)_i;
    uint64_t cr3 = new_table();
    uint64_t gva = 0x00007f0000123000ull;
    map(cr3, 4, gva, 0x200000, 1, P | RW);
    ck_assert_uint_eq(xlate(long4, cr3, gva, false), 0x200000);
    uint64_t e = entry_gpa(cr3, 4, gva, level);
    put64(e, get64(e) & ~P);
    ck_assert_int_eq(xlate_rc(long4, cr3, gva, false), -EFAULT);
}
END_TEST

START_TEST(long4_large_page_not_present)
{
    uint64_t cr3 = new_table();
    map(cr3, 4, 0x40000000ull, 0x80000000ull, 3, RW); /* PS without P */
    map(cr3, 4, 0x80200000ull, 0x600000, 2, RW);
    ck_assert_int_eq(xlate_rc(long4, cr3, 0x40000000ull, false), -EFAULT);
    ck_assert_int_eq(xlate_rc(long4, cr3, 0x80200000ull, false), -EFAULT);
}
END_TEST

START_TEST(long4_table_outside_ram)
{
    uint64_t cr3 = new_table();
    uint64_t gva = 0x7000;
    map(cr3, 4, gva, 0x3000, 1, P | RW);
    /* The page directory pointer now names a table beyond RAM. */
    put64(entry_gpa(cr3, 4, gva, 3), OUTSIDE_RAM | P | RW);
    ck_assert_int_eq(xlate_rc(long4, cr3, gva, false), -EFAULT);
}
END_TEST

START_TEST(long4_cr3_outside_ram)
{
    ck_assert_int_eq(xlate_rc(long4, OUTSIDE_RAM, 0x1000, false), -EFAULT);
}
END_TEST

START_TEST(long4_write_to_read_only_page)
{
    uint64_t cr3 = new_table();
    uint64_t gva = 0x00400000ull;
    map(cr3, 4, gva, 0x800000, 1, P);
    struct paging_mode no_wp = long4;
    no_wp.cr0 &= ~CR0_WP;
    ck_assert_int_eq(xlate_rc(long4, cr3, gva + 8, true), -EFAULT);
    ck_assert_uint_eq(xlate(long4, cr3, gva + 8, false), 0x800008);
    /* Without CR0.WP a supervisor write ignores R/W. */
    ck_assert_uint_eq(xlate(no_wp, cr3, gva + 8, true), 0x800008);
}
END_TEST

START_TEST(long4_read_only_directory)
{
    /* R/W clear at a non-leaf level write-protects everything below it. */
    uint64_t cr3 = new_table();
    uint64_t gva = 0x00400000ull;
    map(cr3, 4, gva, 0x800000, 1, P | RW);
    uint64_t pde = entry_gpa(cr3, 4, gva, 2);
    put64(pde, get64(pde) & ~RW);
    struct paging_mode no_wp = long4;
    no_wp.cr0 &= ~CR0_WP;
    ck_assert_int_eq(xlate_rc(long4, cr3, gva, true), -EFAULT);
    ck_assert_uint_eq(xlate(long4, cr3, gva, false), 0x800000);
    ck_assert_uint_eq(xlate(no_wp, cr3, gva, true), 0x800000);
}
END_TEST

START_TEST(long4_read_only_large_pages)
{
    uint64_t cr3 = new_table();
    map(cr3, 4, 0x40000000ull, 0x80000000ull, 3, P);
    map(cr3, 4, 0x80200000ull, 0x600000, 2, P);
    ck_assert_int_eq(xlate_rc(long4, cr3, 0x40000010ull, true), -EFAULT);
    ck_assert_int_eq(xlate_rc(long4, cr3, 0x80200010ull, true), -EFAULT);
    ck_assert_uint_eq(xlate(long4, cr3, 0x80200010ull, false), 0x600010);
}
END_TEST

/* ---- 5-level long mode ---- */

static const struct paging_mode long5 = {
    .cr0 = CR0_PG | CR0_WP | 1, .cr4 = CR4_PAE | CR4_LA57, .efer = EFER_LME | EFER_LMA,
};

START_TEST(long5_4k_page)
{
    uint64_t cr3 = new_table();
    /* Bit 48 set: beyond what 4 levels can name, canonical with 5. */
    uint64_t gva = 0x0001234567890000ull;
    map(cr3, 5, gva, 0xabc000, 1, P | RW);
    ck_assert_uint_eq(xlate(long5, cr3, gva + 0x321, true), 0xabc321);
    /* The same address under 4-level paging is non-canonical. */
    ck_assert_int_eq(xlate_rc(long4, cr3, gva, false), -EFAULT);
}
END_TEST

START_TEST(long5_higher_half_and_large_pages)
{
    uint64_t cr3 = new_table();
    uint64_t k = 0xffff000040000000ull; /* non-canonical with 4 levels */
    map(cr3, 5, k, 0xc0000000ull, 3, P | RW);
    map(cr3, 5, 0x00fe000000200000ull, 0x400000, 2, P | RW);
    ck_assert_uint_eq(xlate(long5, cr3, k + 0x1234567, false), 0xc1234567ull);
    ck_assert_uint_eq(xlate(long5, cr3, 0x00fe000000212345ull, false), 0x412345);
}
END_TEST

START_TEST(long5_non_canonical)
{
    uint64_t cr3 = new_table();
    ck_assert_int_eq(xlate_rc(long5, cr3, 0x0100000000000000ull, false), -EFAULT);
    ck_assert_int_eq(xlate_rc(long5, cr3, 0xfeff000000000000ull, false), -EFAULT);
    ck_assert_int_eq(xlate_rc(long5, cr3, 0x8000000000000000ull, false), -EFAULT);
}
END_TEST

START_TEST(long5_not_present_at_each_level)
{
    unsigned level = (unsigned)_i;
    uint64_t cr3 = new_table();
    uint64_t gva = 0x00ab000000123000ull;
    map(cr3, 5, gva, 0x200000, 1, P | RW);
    ck_assert_uint_eq(xlate(long5, cr3, gva, false), 0x200000);
    uint64_t e = entry_gpa(cr3, 5, gva, level);
    put64(e, get64(e) & ~P);
    ck_assert_int_eq(xlate_rc(long5, cr3, gva, false), -EFAULT);
}
END_TEST

/* ---- 32-bit PAE ---- */

static const struct paging_mode pae = {.cr0 = CR0_PG | CR0_WP | 1, .cr4 = CR4_PAE};

/* The PDPT is 32-byte aligned, not page aligned: put it mid-page so a walker
 * that masks CR3 to a page boundary reads the wrong entries. */
static uint64_t pae_pdpt(void)
{
    return new_table() + 0x60;
}

static void pae_map(uint64_t pdpt, uint32_t gva, uint64_t gpa, bool large, uint64_t flags)
{
    uint64_t pdpte = pdpt + (gva >> 30) * 8;
    if (!(get64(pdpte) & P))
        put64(pdpte, new_table() | P);
    uint64_t pd = get64(pdpte) & 0x000ffffffffff000ull;
    uint64_t pde = pd + ((gva >> 21) & 0x1ff) * 8;
    if (large) {
        put64(pde, gpa | flags | PS);
        return;
    }
    if (!(get64(pde) & P))
        put64(pde, new_table() | P | RW);
    uint64_t pt = get64(pde) & 0x000ffffffffff000ull;
    put64(pt + ((gva >> 12) & 0x1ff) * 8, gpa | flags);
}

START_TEST(pae_4k_page)
{
    uint64_t pdpt = pae_pdpt();
    pae_map(pdpt, 0xc0101000u, 0x1234000, false, P | RW);
    ck_assert_uint_eq(xlate(pae, pdpt, 0xc0101abcu, true), 0x1234abc);
}
END_TEST

START_TEST(pae_4k_page_above_4g)
{
    /* PAE reaches physical memory beyond 4 GiB. */
    uint64_t pdpt = pae_pdpt();
    pae_map(pdpt, 0x00005000u, 0x123456000ull, false, P | RW);
    ck_assert_uint_eq(xlate(pae, pdpt, 0x00005abcu, false), 0x123456abcull);
}
END_TEST

START_TEST(pae_2m_page)
{
    uint64_t pdpt = pae_pdpt();
    pae_map(pdpt, 0x80400000u, 0x00e00000, true, P | RW);
    ck_assert_uint_eq(xlate(pae, pdpt, 0x80400000u, false), 0x00e00000);
    ck_assert_uint_eq(xlate(pae, pdpt, 0x805fffffu, false), 0x00ffffff);
}
END_TEST

START_TEST(pae_not_present)
{
    uint64_t pdpt = pae_pdpt();
    pae_map(pdpt, 0x40003000u, 0x7000, false, P | RW);
    ck_assert_uint_eq(xlate(pae, pdpt, 0x40003000u, false), 0x7000);
    /* Another quarter of the address space: its PDPTE is empty. */
    ck_assert_int_eq(xlate_rc(pae, pdpt, 0x00003000u, false), -EFAULT);
    /* Same PDPTE, a PDE never filled. */
    ck_assert_int_eq(xlate_rc(pae, pdpt, 0x40203000u, false), -EFAULT);
    /* Same page table, a PTE never filled. */
    ck_assert_int_eq(xlate_rc(pae, pdpt, 0x40004000u, false), -EFAULT);
    uint64_t pdpte = pdpt + 8;
    put64(pdpte, get64(pdpte) & ~P);
    ck_assert_int_eq(xlate_rc(pae, pdpt, 0x40003000u, false), -EFAULT);
}
END_TEST

START_TEST(pae_read_only)
{
    uint64_t pdpt = pae_pdpt();
    pae_map(pdpt, 0x00402000u, 0x9000, false, P);
    struct paging_mode no_wp = pae;
    no_wp.cr0 &= ~CR0_WP;
    ck_assert_int_eq(xlate_rc(pae, pdpt, 0x00402000u, true), -EFAULT);
    ck_assert_uint_eq(xlate(no_wp, pdpt, 0x00402004u, true), 0x9004);
}
END_TEST

START_TEST(pae_pdpt_outside_ram)
{
    ck_assert_int_eq(xlate_rc(pae, 0xfffff000u, 0x1000, false), -EFAULT);
}
END_TEST

/* ---- legacy 32-bit paging ---- */

static const struct paging_mode legacy = {.cr0 = CR0_PG | CR0_WP | 1};

static void legacy_map(uint64_t pd, uint32_t gva, uint32_t gpa, bool large, uint32_t flags)
{
    uint64_t pde = pd + (gva >> 22) * 4;
    uint32_t v;
    if (large) {
        put32(pde, gpa | flags | (uint32_t)PS);
        return;
    }
    memcpy(&v, g.buf + pde, 4);
    if (!(v & P)) {
        v = (uint32_t)new_table() | P | RW;
        put32(pde, v);
    }
    put32((v & 0xfffff000u) + ((gva >> 12) & 0x3ff) * 4, gpa | flags);
}

START_TEST(legacy_4k_page)
{
    uint64_t pd = new_table();
    legacy_map(pd, 0xc0001000u, 0x00abc000u, false, P | RW);
    ck_assert_uint_eq(xlate(legacy, pd, 0xc0001234u, true), 0x00abc234u);
    ck_assert_int_eq(xlate_rc(legacy, pd, 0xc0002000u, false), -EFAULT);
    ck_assert_int_eq(xlate_rc(legacy, pd, 0x00001000u, false), -EFAULT);
}
END_TEST

START_TEST(legacy_4m_page)
{
    struct paging_mode pse = legacy;
    pse.cr4 |= CR4_PSE;
    uint64_t pd = new_table();
    legacy_map(pd, 0x00800000u, 0x01c00000u, true, P | RW);
    ck_assert_uint_eq(xlate(pse, pd, 0x00812345u, false), 0x01c12345u);
    ck_assert_uint_eq(xlate(pse, pd, 0x00bfffffu, true), 0x01ffffffu);
}
END_TEST

START_TEST(legacy_ps_without_cr4_pse)
{
    /* Without CR4.PSE the PS bit is ignored and the entry names a page
     * table, here one outside RAM. */
    uint64_t pd = new_table();
    legacy_map(pd, 0x00800000u, 0x01c00000u, true, P | RW);
    ck_assert_int_eq(xlate_rc(legacy, pd, 0x00812345u, false), -EFAULT);
}
END_TEST

START_TEST(legacy_read_only)
{
    struct paging_mode pse = legacy;
    pse.cr4 |= CR4_PSE;
    struct paging_mode no_wp = pse;
    no_wp.cr0 &= ~CR0_WP;
    uint64_t pd = new_table();
    legacy_map(pd, 0x00001000u, 0x5000u, false, P);
    legacy_map(pd, 0x00800000u, 0x01c00000u, true, P);
    ck_assert_int_eq(xlate_rc(pse, pd, 0x00001000u, true), -EFAULT);
    ck_assert_int_eq(xlate_rc(pse, pd, 0x00800000u, true), -EFAULT);
    ck_assert_uint_eq(xlate(pse, pd, 0x00001004u, false), 0x5004u);
    ck_assert_uint_eq(xlate(no_wp, pd, 0x00001004u, true), 0x5004u);
    ck_assert_uint_eq(xlate(no_wp, pd, 0x00800004u, true), 0x01c00004u);
}
END_TEST

START_TEST(legacy_table_outside_ram)
{
    uint64_t pd = new_table();
    put32(pd + (0x00400000u >> 22) * 4, 0xfff00000u | P | RW);
    ck_assert_int_eq(xlate_rc(legacy, pd, 0x00400000u, false), -EFAULT);
    ck_assert_int_eq(xlate_rc(legacy, 0xfffff000u, 0x1000, false), -EFAULT);
}
END_TEST

/* ---- accesses made for the guest (pagewalk_access) ---- */

#define A (1ull << 5)
#define D (1ull << 6)
#define PF_P (1u << 0)
#define PF_W (1u << 1)
#define PF_U (1u << 2)
#define PF_RSVD (1u << 3)

static void *ram_ptr(void *ctx, uint64_t gpa, unsigned len)
{
    struct gmem *m = ctx;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return NULL;
    return m->buf + gpa;
}

static int access_rc(struct paging_mode m, uint64_t cr3, uint64_t gva, unsigned access,
                     uint64_t *gpa, uint32_t *err)
{
    m.cr3 = cr3;
    *err = 0xdead;
    return pagewalk_access(&m, gva, access, ram_ptr, &g, gpa, err);
}

START_TEST(access_sets_accessed_and_dirty)
{
    uint64_t cr3 = new_table();
    uint64_t gva = 0x00007f0000001000ull, gpa;
    uint32_t err;
    map(cr3, 4, gva, 0x345000, 1, P | RW);
    uint64_t pte = entry_gpa(cr3, 4, gva, 1), pde = entry_gpa(cr3, 4, gva, 2);
    uint64_t pml4e = entry_gpa(cr3, 4, gva, 4);
    /* Looking does not mark. */
    ck_assert_uint_eq(xlate(long4, cr3, gva, true), 0x345000);
    ck_assert_uint_eq(get64(pte) & (A | D), 0);
    /* A read marks every level accessed, nothing dirty. */
    ck_assert_int_eq(access_rc(long4, cr3, gva + 8, 0, &gpa, &err), 0);
    ck_assert_uint_eq(gpa, 0x345008);
    ck_assert_uint_eq(err, 0);
    ck_assert_uint_eq(get64(pte) & (A | D), A);
    ck_assert_uint_eq(get64(pde) & (A | D), A);
    ck_assert_uint_eq(get64(pml4e) & (A | D), A);
    /* A write marks the leaf dirty, only the leaf. */
    ck_assert_int_eq(access_rc(long4, cr3, gva, PAGEWALK_WRITE, &gpa, &err), 0);
    ck_assert_uint_eq(get64(pte) & (A | D), A | D);
    ck_assert_uint_eq(get64(pde) & D, 0);
    ck_assert_uint_eq(get64(pte) & ~(A | D), 0x345000 | P | RW);
}
END_TEST

START_TEST(access_dirty_on_large_and_legacy_pages)
{
    uint64_t cr3 = new_table(), gpa;
    uint32_t err;
    map(cr3, 4, 0x80200000ull, 0x600000, 2, P | RW);
    ck_assert_int_eq(access_rc(long4, cr3, 0x80200010ull, PAGEWALK_WRITE, &gpa, &err), 0);
    ck_assert_uint_eq(get64(entry_gpa(cr3, 4, 0x80200000ull, 2)) & (A | D), A | D);
    uint64_t pd = new_table(), pt = new_table();
    put32(pd + (0x00400000u >> 22) * 4, (uint32_t)pt | P | RW);
    put32(pt + ((0x00401000u >> 12) & 0x3ff) * 4, 0x00789000u | P | RW);
    ck_assert_int_eq(access_rc(legacy, pd, 0x00401004u, PAGEWALK_WRITE, &gpa, &err), 0);
    ck_assert_uint_eq(gpa, 0x789004);
    uint32_t pde32, pte32;
    memcpy(&pde32, g.buf + pd + (0x00400000u >> 22) * 4, 4);
    memcpy(&pte32, g.buf + pt + ((0x00401000u >> 12) & 0x3ff) * 4, 4);
    ck_assert_uint_eq(pde32 & (A | D), A);
    ck_assert_uint_eq(pte32 & (A | D), A | D);
}
END_TEST

START_TEST(access_error_codes)
{
    uint64_t cr3 = new_table(), gpa;
    uint32_t err;
    map(cr3, 4, 0x00400000ull, 0x800000, 1, P); /* read-only, supervisor */
    /* Not present: P clear, W as asked. */
    ck_assert_int_eq(access_rc(long4, cr3, 0x00500000ull, PAGEWALK_WRITE, &gpa, &err), -EFAULT);
    ck_assert_uint_eq(err, PF_W);
    ck_assert_int_eq(access_rc(long4, cr3, 0x00500000ull, 0, &gpa, &err), -EFAULT);
    ck_assert_uint_eq(err, 0);
    /* Present but read-only: a protection fault. */
    ck_assert_int_eq(access_rc(long4, cr3, 0x00400000ull, PAGEWALK_WRITE, &gpa, &err), -EFAULT);
    ck_assert_uint_eq(err, PF_P | PF_W);
    /* User access to a supervisor page, and a user write ignores CR0.WP. */
    ck_assert_int_eq(access_rc(long4, cr3, 0x00400000ull, PAGEWALK_USER, &gpa, &err), -EFAULT);
    ck_assert_uint_eq(err, PF_P | PF_U);
    map(cr3, 4, 0x00401000ull, 0x801000, 1, P | US);
    ck_assert_int_eq(access_rc(long4, cr3, 0x00401000ull, PAGEWALK_USER, &gpa, &err), 0);
    struct paging_mode no_wp = long4;
    no_wp.cr0 &= ~CR0_WP;
    ck_assert_int_eq(access_rc(no_wp, cr3, 0x00401000ull, PAGEWALK_USER | PAGEWALK_WRITE, &gpa,
                               &err),
                     -EFAULT);
    ck_assert_uint_eq(err, PF_P | PF_W | PF_U);
    /* A fault marks nothing. */
    ck_assert_uint_eq(get64(entry_gpa(cr3, 4, 0x00400000ull, 1)) & D, 0);
    /* Non-canonical is not a page fault at all. */
    ck_assert_int_eq(access_rc(long4, cr3, 0x0000800000000000ull, 0, &gpa, &err), -ERANGE);
    /* PS at the PML4 is a reserved bit. */
    uint64_t gva = 0x0000008000000000ull;
    put64(entry_gpa(cr3, 4, gva, 4), new_table() | P | RW | PS);
    ck_assert_int_eq(access_rc(long4, cr3, gva, 0, &gpa, &err), -EFAULT);
    ck_assert_uint_eq(err, PF_P | PF_RSVD);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pagewalk");

    TCase *off = tcase_create("paging off");
    tcase_add_checked_fixture(off, gmem_setup, gmem_teardown);
    tcase_add_test(off, paging_off_is_identity);
    tcase_add_test(off, paging_off_above_4g_faults);
    tcase_add_test(off, paging_off_ignores_pae_bits);
    suite_add_tcase(s, off);

    TCase *l4 = tcase_create("4-level");
    tcase_add_checked_fixture(l4, gmem_setup, gmem_teardown);
    tcase_add_test(l4, long4_4k_page);
    tcase_add_test(l4, long4_higher_half_4k_page);
    tcase_add_test(l4, long4_2m_page);
    tcase_add_test(l4, long4_2m_page_ignores_pat_bit);
    tcase_add_test(l4, long4_1g_page);
    tcase_add_test(l4, long4_cr3_low_bits_ignored);
    tcase_add_test(l4, long4_non_canonical);
    tcase_add_loop_test(l4, long4_not_present_at_each_level, 1, 5);
    tcase_add_test(l4, long4_large_page_not_present);
    tcase_add_test(l4, long4_table_outside_ram);
    tcase_add_test(l4, long4_cr3_outside_ram);
    tcase_add_test(l4, long4_write_to_read_only_page);
    tcase_add_test(l4, long4_read_only_directory);
    tcase_add_test(l4, long4_read_only_large_pages);
    suite_add_tcase(s, l4);

    TCase *l5 = tcase_create("5-level");
    tcase_add_checked_fixture(l5, gmem_setup, gmem_teardown);
    tcase_add_test(l5, long5_4k_page);
    tcase_add_test(l5, long5_higher_half_and_large_pages);
    tcase_add_test(l5, long5_non_canonical);
    tcase_add_loop_test(l5, long5_not_present_at_each_level, 1, 6);
    suite_add_tcase(s, l5);

    TCase *p = tcase_create("PAE");
    tcase_add_checked_fixture(p, gmem_setup, gmem_teardown);
    tcase_add_test(p, pae_4k_page);
    tcase_add_test(p, pae_4k_page_above_4g);
    tcase_add_test(p, pae_2m_page);
    tcase_add_test(p, pae_not_present);
    tcase_add_test(p, pae_read_only);
    tcase_add_test(p, pae_pdpt_outside_ram);
    suite_add_tcase(s, p);

    TCase *l = tcase_create("legacy 32-bit");
    tcase_add_checked_fixture(l, gmem_setup, gmem_teardown);
    tcase_add_test(l, legacy_4k_page);
    tcase_add_test(l, legacy_4m_page);
    tcase_add_test(l, legacy_ps_without_cr4_pse);
    tcase_add_test(l, legacy_read_only);
    tcase_add_test(l, legacy_table_outside_ram);
    suite_add_tcase(s, l);

    TCase *a = tcase_create("accesses for the guest");
    tcase_add_checked_fixture(a, gmem_setup, gmem_teardown);
    tcase_add_test(a, access_sets_accessed_and_dirty);
    tcase_add_test(a, access_dirty_on_large_and_legacy_pages);
    tcase_add_test(a, access_error_codes);
    suite_add_tcase(s, a);
    return s;
}

#include "tests/unit/check_main.h"
