/* Unit tests of the balloon bookkeeping (hypervisor/balloon): which
 * extents a guest may hand back or ask for again, and the page count. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>

#include "hypervisor/balloon.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define HIGH_GFN (GUEST_RAM_HIGH_BASE / GUEST_PAGE_SIZE)

static struct guest_ram ram_of(uint64_t size)
{
    struct guest_ram r = {0};
    guest_ram_layout(&r, size);
    return r;
}

START_TEST(index_low_and_high)
{
    struct guest_ram r = ram_of(4 * GiB); /* split around the hole */
    uint64_t low = r.low_size / GUEST_PAGE_SIZE, i;
    ck_assert(balloon_gfn_index(&r, 0, &i));
    ck_assert_uint_eq(i, 0);
    ck_assert(balloon_gfn_index(&r, low - 1, &i));
    ck_assert_uint_eq(i, low - 1);
    ck_assert(!balloon_gfn_index(&r, low, &i));             /* the hole */
    ck_assert(!balloon_gfn_index(&r, 0xfeff0, &i));         /* special pages */
    ck_assert(balloon_gfn_index(&r, HIGH_GFN, &i));
    ck_assert_uint_eq(i, low);
    uint64_t pages = r.size / GUEST_PAGE_SIZE;
    ck_assert(balloon_gfn_index(&r, HIGH_GFN + (pages - low) - 1, &i));
    ck_assert_uint_eq(i, pages - 1);
    ck_assert(!balloon_gfn_index(&r, HIGH_GFN + (pages - low), &i)); /* past the end */
}
END_TEST

START_TEST(release_and_populate_count)
{
    struct guest_ram r = ram_of(64 * MiB);
    struct balloon b;
    ck_assert_int_eq(balloon_init(&b, r.size / GUEST_PAGE_SIZE), 0);
    ck_assert_uint_eq(balloon_current(&b), 16384);
    ck_assert_int_eq(balloon_check_release(&b, &r, 100, 0, NULL, 0), 0);
    balloon_mark(&b, &r, 100, 0, true);
    ck_assert_uint_eq(balloon_current(&b), 16383);
    ck_assert(balloon_is_out(&b, 100));
    /* Twice is refused, and marking twice does not count twice. */
    ck_assert_int_eq(balloon_check_release(&b, &r, 100, 0, NULL, 0), -EBUSY);
    balloon_mark(&b, &r, 100, 0, true);
    ck_assert_uint_eq(balloon_current(&b), 16383);
    /* A superpage. */
    ck_assert_int_eq(balloon_check_release(&b, &r, 512, 9, NULL, 0), 0);
    balloon_mark(&b, &r, 512, 9, true);
    ck_assert_uint_eq(balloon_current(&b), 16383 - 512);
    /* Populate only what is out, within the maximum. */
    ck_assert_int_eq(balloon_check_populate(&b, &r, 101, 0, 16384), -EINVAL);
    ck_assert_int_eq(balloon_check_populate(&b, &r, 100, 0, 16383 - 512), -ENOMEM);
    ck_assert_int_eq(balloon_check_populate(&b, &r, 100, 0, 16384), 0);
    balloon_mark(&b, &r, 100, 0, false);
    ck_assert_uint_eq(balloon_current(&b), 16384 - 512);
    ck_assert(!balloon_is_out(&b, 100));
    /* Part of a superpage back in is refused as a whole extent. */
    balloon_mark(&b, &r, 512, 0, false);
    ck_assert_int_eq(balloon_check_populate(&b, &r, 512, 9, 16384), -EINVAL);
    ck_assert_int_eq(balloon_check_populate(&b, &r, 513, 0, 16384), 0);
    balloon_free(&b);
}
END_TEST

START_TEST(release_refusals)
{
    struct guest_ram r = ram_of(64 * MiB);
    struct balloon b;
    ck_assert_int_eq(balloon_init(&b, r.size / GUEST_PAGE_SIZE), 0);
    uint64_t reserved[] = {200, 1024 + 7};
    /* Pages the hypervisor writes to: shared_info, grant frames, ... */
    ck_assert_int_eq(balloon_check_release(&b, &r, 200, 0, reserved, 2), -EBUSY);
    ck_assert_int_eq(balloon_check_release(&b, &r, 1024, 9, reserved, 2), -EBUSY);
    ck_assert_int_eq(balloon_check_release(&b, &r, 201, 0, reserved, 2), 0);
    /* Misaligned, too large an order, not RAM, past the end. */
    ck_assert_int_eq(balloon_check_release(&b, &r, 1, 9, NULL, 0), -EINVAL);
    ck_assert_int_eq(balloon_check_release(&b, &r, 0, BALLOON_MAX_ORDER + 1, NULL, 0), -EINVAL);
    ck_assert_int_eq(balloon_check_release(&b, &r, 0xfeff0, 0, NULL, 0), -EINVAL);
    ck_assert_int_eq(balloon_check_release(&b, &r, 16384, 0, NULL, 0), -EINVAL);
    ck_assert_int_eq(balloon_check_release(&b, &r, 16384 - 256, 9, NULL, 0), -EINVAL);
    ck_assert_int_eq(balloon_check_release(&b, &r, UINT64_MAX, 0, NULL, 0), -EINVAL);
    ck_assert_int_eq(balloon_check_populate(&b, &r, 0xfeff0, 0, 1u << 20), -EINVAL);
    ck_assert_uint_eq(balloon_current(&b), 16384);
    balloon_free(&b);
}
END_TEST

/* memory= 32 MiB of a 64 MiB maxmem: the rest starts out, and may be
 * populated up to the maximum. */
START_TEST(ram_beyond_memory_starts_out)
{
    struct guest_ram r = ram_of(64 * MiB);
    struct balloon b;
    ck_assert_int_eq(balloon_init(&b, r.size / GUEST_PAGE_SIZE), 0);
    balloon_start_out(&b, 8192);
    ck_assert_uint_eq(balloon_current(&b), 8192);
    ck_assert(!balloon_is_out(&b, 8191));
    ck_assert(balloon_is_out(&b, 8192));
    ck_assert_int_eq(balloon_check_populate(&b, &r, 8192, 9, 16384), 0);
    ck_assert_int_eq(balloon_check_populate(&b, &r, 8192, 9, 8192 + 511), -ENOMEM);
    ck_assert_int_eq(balloon_check_populate(&b, &r, 100, 0, 16384), -EINVAL);
    ck_assert_int_eq(balloon_check_release(&b, &r, 9000, 0, NULL, 0), -EBUSY);
    balloon_mark(&b, &r, 8192, 9, false);
    ck_assert_uint_eq(balloon_current(&b), 8192 + 512);
    balloon_free(&b);
}
END_TEST

/* Runs of pages out are counted as they form, grow, join and split,
 * and a release that would start one too many is refused. */
START_TEST(runs_are_counted_and_bounded)
{
    struct guest_ram r = ram_of(256 * MiB);
    struct balloon b;
    ck_assert_int_eq(balloon_init(&b, r.size / GUEST_PAGE_SIZE), 0);
    balloon_mark(&b, &r, 10, 0, true);
    balloon_mark(&b, &r, 12, 0, true);
    ck_assert_uint_eq(b.runs, 2);
    balloon_mark(&b, &r, 11, 0, true); /* joins them */
    ck_assert_uint_eq(b.runs, 1);
    balloon_mark(&b, &r, 11, 0, false); /* splits them */
    ck_assert_uint_eq(b.runs, 2);
    balloon_mark(&b, &r, 10, 0, false);
    balloon_mark(&b, &r, 12, 0, false);
    ck_assert_uint_eq(b.runs, 0);
    for (uint64_t i = 0; i < BALLOON_MAX_RUNS; i++)
        balloon_mark(&b, &r, 2 * i, 0, true);
    ck_assert_uint_eq(b.runs, BALLOON_MAX_RUNS);
    ck_assert_int_eq(balloon_check_release(&b, &r, 2 * BALLOON_MAX_RUNS + 1, 0, NULL, 0), -ENOSPC);
    /* Growing a run or joining two starts none: allowed. */
    ck_assert_int_eq(balloon_check_release(&b, &r, 2 * BALLOON_MAX_RUNS - 1, 0, NULL, 0), 0);
    ck_assert_int_eq(balloon_check_release(&b, &r, 1, 0, NULL, 0), 0);
    balloon_free(&b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("balloon");
    TCase *t = tcase_create("extents");
    tcase_add_test(t, index_low_and_high);
    tcase_add_test(t, release_and_populate_count);
    tcase_add_test(t, release_refusals);
    tcase_add_test(t, ram_beyond_memory_starts_out);
    tcase_add_test(t, runs_are_counted_and_bounded);
    suite_add_tcase(s, t);
    return s;
}

#include "tests/unit/check_main.h"
