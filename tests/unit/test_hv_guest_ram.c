/* Unit tests of the guest RAM layout around the 4 GiB hole (hypervisor/guest_ram). */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/guest_ram.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define FOUR_GIB (4 * GiB)

/* Only address arithmetic is under test, so hva is a small buffer even for
 * RAM sizes of gigabytes: nothing here dereferences what guest_ram_ptr
 * returns beyond the buffer. */
static uint8_t backing[4096];

static struct guest_ram ram_of(uint64_t size)
{
    struct guest_ram r = {.hva = backing};
    guest_ram_layout(&r, size);
    return r;
}

/* Offset into RAM of what guest_ram_ptr returned; -1 for NULL. */
static int64_t offset_of(const struct guest_ram *r, uint64_t gpa, uint64_t len)
{
    void *p = guest_ram_ptr(r, gpa, len);
    ck_assert_int_eq(p != NULL, guest_ram_contains(r, gpa, len));
    if (!p)
        return -1;
    return (int64_t)((uintptr_t)p - (uintptr_t)r->hva);
}

/* ---- layout ---- */

START_TEST(layout_small)
{
    struct guest_ram r = ram_of(16 * MiB);
    ck_assert_ptr_eq(r.hva, backing);
    ck_assert_uint_eq(r.size, 16 * MiB);
    ck_assert_uint_eq(r.low_size, 16 * MiB);
}
END_TEST

START_TEST(layout_exactly_below_the_hole)
{
    struct guest_ram r = ram_of(HVM_BELOW_4G_RAM_END);
    ck_assert_uint_eq(r.low_size, HVM_BELOW_4G_RAM_END);
    ck_assert_uint_eq(r.size, HVM_BELOW_4G_RAM_END);
}
END_TEST

START_TEST(layout_split_by_the_hole)
{
    struct guest_ram r = ram_of(FOUR_GIB);
    ck_assert_uint_eq(r.low_size, HVM_BELOW_4G_RAM_END);
    ck_assert_uint_eq(r.size - r.low_size, FOUR_GIB - HVM_BELOW_4G_RAM_END);
    r = ram_of(HVM_BELOW_4G_RAM_END + 4096);
    ck_assert_uint_eq(r.low_size, HVM_BELOW_4G_RAM_END);
    ck_assert_uint_eq(r.size, HVM_BELOW_4G_RAM_END + 4096);
}
END_TEST

START_TEST(layout_leaves_hva_alone)
{
    uint8_t *sentinel = backing + 8;
    struct guest_ram r = {.hva = sentinel};
    guest_ram_layout(&r, 8 * GiB);
    ck_assert_ptr_eq(r.hva, sentinel);
}
END_TEST

/* ---- guest_ram_ptr ---- */

START_TEST(ptr_inside_small_ram)
{
    struct guest_ram r = ram_of(16 * MiB);
    ck_assert_int_eq(offset_of(&r, 0, 1), 0);
    ck_assert_int_eq(offset_of(&r, 0, 16 * MiB), 0);
    ck_assert_int_eq(offset_of(&r, 0x1234, 100), 0x1234);
    ck_assert_int_eq(offset_of(&r, 16 * MiB - 16, 16), (int64_t)(16 * MiB - 16));
    ck_assert_int_eq(offset_of(&r, 16 * MiB - 1, 1), (int64_t)(16 * MiB - 1));
}
END_TEST

START_TEST(ptr_straddling_the_end)
{
    struct guest_ram r = ram_of(16 * MiB);
    ck_assert_int_eq(offset_of(&r, 16 * MiB - 1, 2), -1);
    ck_assert_int_eq(offset_of(&r, 16 * MiB, 1), -1);
    ck_assert_int_eq(offset_of(&r, 0, 16 * MiB + 1), -1);
    /* No RAM above 4 GiB in a small domain. */
    ck_assert_int_eq(offset_of(&r, FOUR_GIB, 1), -1);
}
END_TEST

START_TEST(ptr_zero_length)
{
    struct guest_ram r = ram_of(16 * MiB);
    ck_assert_int_eq(offset_of(&r, 0, 0), -1);
    ck_assert_int_eq(offset_of(&r, 0x1000, 0), -1);
}
END_TEST

START_TEST(ptr_overflow)
{
    struct guest_ram r = ram_of(8 * GiB);
    ck_assert_int_eq(offset_of(&r, UINT64_MAX, 1), -1);
    ck_assert_int_eq(offset_of(&r, UINT64_MAX, 2), -1);
    ck_assert_int_eq(offset_of(&r, 1, UINT64_MAX), -1);
    ck_assert_int_eq(offset_of(&r, 0x1000, UINT64_MAX - 0xfff), -1);
    ck_assert_int_eq(offset_of(&r, FOUR_GIB, UINT64_MAX - FOUR_GIB), -1);
    ck_assert_int_eq(offset_of(&r, FOUR_GIB + 0x1000, UINT64_MAX - FOUR_GIB), -1);
}
END_TEST

START_TEST(ptr_around_the_hole)
{
    struct guest_ram r = ram_of(8 * GiB);
    uint64_t low = HVM_BELOW_4G_RAM_END, high = 8 * GiB - HVM_BELOW_4G_RAM_END;
    ck_assert_int_eq(offset_of(&r, low - 1, 1), (int64_t)(low - 1));
    ck_assert_int_eq(offset_of(&r, low - 4096, 4096), (int64_t)(low - 4096));
    /* Straddling the start of the hole, inside it, straddling its end. */
    ck_assert_int_eq(offset_of(&r, low - 1, 2), -1);
    ck_assert_int_eq(offset_of(&r, low, 1), -1);
    ck_assert_int_eq(offset_of(&r, FOUR_GIB - 1, 1), -1);
    ck_assert_int_eq(offset_of(&r, FOUR_GIB - 1, 2), -1);
    ck_assert_int_eq(offset_of(&r, low - 8, FOUR_GIB - low + 16), -1);
    /* High RAM follows low RAM in the mapping. */
    ck_assert_int_eq(offset_of(&r, FOUR_GIB, 1), (int64_t)low);
    ck_assert_int_eq(offset_of(&r, FOUR_GIB + 0x5000, 8), (int64_t)(low + 0x5000));
    ck_assert_int_eq(offset_of(&r, FOUR_GIB + high - 1, 1), (int64_t)(low + high - 1));
    ck_assert_int_eq(offset_of(&r, FOUR_GIB, high), (int64_t)low);
    ck_assert_int_eq(offset_of(&r, FOUR_GIB + high - 1, 2), -1);
    ck_assert_int_eq(offset_of(&r, FOUR_GIB + high, 1), -1);
    ck_assert_int_eq(offset_of(&r, FOUR_GIB, high + 1), -1);
}
END_TEST

START_TEST(ptr_exactly_below_the_hole)
{
    /* All RAM fits below the hole: nothing exists at 4 GiB. */
    struct guest_ram r = ram_of(HVM_BELOW_4G_RAM_END);
    ck_assert_int_eq(offset_of(&r, HVM_BELOW_4G_RAM_END - 1, 1),
                     (int64_t)HVM_BELOW_4G_RAM_END - 1);
    ck_assert_int_eq(offset_of(&r, FOUR_GIB, 1), -1);
}
END_TEST

/* ---- the memory map ---- */

START_TEST(memmap_small)
{
    struct guest_ram r = ram_of(16 * MiB);
    struct hvm_memmap_table_entry map[GUEST_RAM_MAX_REGIONS];
    memset(map, 0xa5, sizeof(map));
    ck_assert_uint_eq(guest_ram_memmap(&r, map), 1);
    ck_assert_uint_eq(map[0].addr, 0);
    ck_assert_uint_eq(map[0].size, 16 * MiB);
    ck_assert_uint_eq(map[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
    ck_assert_uint_eq(map[0].reserved, 0);
}
END_TEST

START_TEST(memmap_below_the_hole)
{
    struct guest_ram r = ram_of(HVM_BELOW_4G_RAM_END);
    struct hvm_memmap_table_entry map[GUEST_RAM_MAX_REGIONS];
    ck_assert_uint_eq(guest_ram_memmap(&r, map), 1);
    ck_assert_uint_eq(map[0].size, HVM_BELOW_4G_RAM_END);
}
END_TEST

START_TEST(memmap_split)
{
    struct guest_ram r = ram_of(6 * GiB);
    struct hvm_memmap_table_entry map[GUEST_RAM_MAX_REGIONS];
    memset(map, 0xa5, sizeof(map));
    ck_assert_uint_eq(guest_ram_memmap(&r, map), 2);
    ck_assert_uint_eq(map[0].addr, 0);
    ck_assert_uint_eq(map[0].size, HVM_BELOW_4G_RAM_END);
    ck_assert_uint_eq(map[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
    ck_assert_uint_eq(map[0].reserved, 0);
    ck_assert_uint_eq(map[1].addr, FOUR_GIB);
    ck_assert_uint_eq(map[1].size, 6 * GiB - HVM_BELOW_4G_RAM_END);
    ck_assert_uint_eq(map[1].type, XEN_HVM_MEMMAP_TYPE_RAM);
    ck_assert_uint_eq(map[1].reserved, 0);
    /* Together the entries hold exactly the RAM, none of it in the hole. */
    ck_assert_uint_eq(map[0].size + map[1].size, r.size);
    ck_assert_uint_le(map[0].addr + map[0].size, HVM_BELOW_4G_RAM_END);
}
END_TEST

START_TEST(special_pages_map_and_are_reserved)
{
    static uint8_t ram[64 * 4096], special[GUEST_SPECIAL_PAGES * 4096];
    struct guest_ram r = {.hva = ram, .special = special};
    guest_ram_layout(&r, sizeof(ram));
    ck_assert_ptr_eq(guest_ram_ptr(&r, GUEST_SPECIAL_GPA, 4096), special);
    ck_assert_ptr_eq(guest_ram_ptr(&r, GUEST_SPECIAL_GPA + 15 * 4096 + 8, 8), special + 15 * 4096 + 8);
    ck_assert_ptr_null(guest_ram_ptr(&r, GUEST_SPECIAL_GPA + 15 * 4096 + 8, 4096));
    ck_assert_ptr_null(guest_ram_ptr(&r, GUEST_SPECIAL_GPA - 1, 2));
    struct hvm_memmap_table_entry map[GUEST_RAM_MAX_REGIONS];
    ck_assert_uint_eq(guest_ram_memmap(&r, map), 2);
    ck_assert_uint_eq(map[1].addr, GUEST_SPECIAL_GPA);
    ck_assert_uint_eq(map[1].size, GUEST_SPECIAL_PAGES * 4096);
    ck_assert_uint_eq(map[1].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
    /* Without them nothing answers there. */
    r.special = NULL;
    ck_assert_ptr_null(guest_ram_ptr(&r, GUEST_SPECIAL_GPA, 4096));
}
END_TEST

/* Grant maps hand Dom0 a file offset: low RAM, high RAM and the special
 * pages (which follow RAM and three Xen pages in the file, as hv.c lays
 * them out) must each land on their own bytes. */
START_TEST(file_offsets_of_every_region)
{
    static uint8_t file[64 * 4096];
    struct guest_ram r = {.hva = file};
    guest_ram_layout(&r, 16 * 4096);
    r.special = file + r.size + 3 * 4096;
    uint64_t off;
    ck_assert(guest_ram_file_offset(&r, 5 * 4096, &off));
    ck_assert_uint_eq(off, 5 * 4096);
    ck_assert(guest_ram_file_offset(&r, GUEST_SPECIAL_GPA + 2 * 4096, &off));
    ck_assert_uint_eq(off, r.size + (3 + 2) * 4096);
    ck_assert(!guest_ram_file_offset(&r, GUEST_SPECIAL_GPA + GUEST_SPECIAL_PAGES * 4096, &off));
    ck_assert(!guest_ram_file_offset(&r, 16 * 4096, &off));
    ck_assert(!guest_ram_file_offset(&r, FOUR_GIB, &off));
    /* Split by the hole: the high part follows the low one in the file. */
    struct guest_ram big = {.hva = backing};
    guest_ram_layout(&big, 4 * GiB);
    ck_assert(guest_ram_file_offset(&big, FOUR_GIB + 4096, &off));
    ck_assert_uint_eq(off, big.low_size + 4096);
}
END_TEST

/* Pages the guest does not have give no host pointer, nor does a range
 * that includes one. */
START_TEST(absent_pages_give_no_pointer)
{
    static uint8_t mem[1 << 20];
    uint64_t absent[4] = {0};
    struct guest_ram r = {.hva = mem, .absent = absent};
    guest_ram_layout(&r, sizeof(mem));
    absent[0] = 1ull << 5;
    ck_assert_ptr_null(guest_ram_ptr(&r, 5 * 4096, 8));
    ck_assert_ptr_null(guest_ram_ptr(&r, 4 * 4096, 2 * 4096));
    ck_assert_ptr_eq(guest_ram_ptr(&r, 4 * 4096, 4096), mem + 4 * 4096);
    ck_assert_ptr_eq(guest_ram_ptr(&r, 6 * 4096 + 100, 8), mem + 6 * 4096 + 100);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("guest_ram");
    TCase *l = tcase_create("layout");
    tcase_add_test(l, layout_small);
    tcase_add_test(l, layout_exactly_below_the_hole);
    tcase_add_test(l, layout_split_by_the_hole);
    tcase_add_test(l, layout_leaves_hva_alone);
    suite_add_tcase(s, l);

    TCase *p = tcase_create("ptr");
    tcase_add_test(p, ptr_inside_small_ram);
    tcase_add_test(p, ptr_straddling_the_end);
    tcase_add_test(p, ptr_zero_length);
    tcase_add_test(p, ptr_overflow);
    tcase_add_test(p, ptr_around_the_hole);
    tcase_add_test(p, ptr_exactly_below_the_hole);
    tcase_add_test(p, special_pages_map_and_are_reserved);
    tcase_add_test(p, file_offsets_of_every_region);
    tcase_add_test(p, absent_pages_give_no_pointer);
    suite_add_tcase(s, p);

    TCase *m = tcase_create("memmap");
    tcase_add_test(m, memmap_small);
    tcase_add_test(m, memmap_below_the_hole);
    tcase_add_test(m, memmap_split);
    suite_add_tcase(s, m);
    return s;
}

#include "tests/unit/check_main.h"
