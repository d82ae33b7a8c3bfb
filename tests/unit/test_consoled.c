/* Unit tests of xenolith-consoled's ring index checks and log cap
 * (backends/consoled/ring.c, logfile.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/consoled/logfile.h"
#include "backends/consoled/ring.h"

static struct xencons_interface page;
static struct cons_ring ring;

static void guest_puts(const char *s)
{
    for (; *s; s++)
        page.out[MASK_XENCONS_IDX(page.out_prod++, page.out)] = *s;
}

START_TEST(read_copies_and_hands_back)
{
    memset(&page, 0, sizeof(page));
    cons_ring_attach(&ring, &page);
    guest_puts("hello\n");
    char buf[64];
    ck_assert_int_eq(cons_ring_read(&ring, buf, sizeof(buf)), 6);
    ck_assert_mem_eq(buf, "hello\n", 6);
    ck_assert_uint_eq(page.out_cons, 6);
    ck_assert_int_eq(cons_ring_read(&ring, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(read_wraps_around_the_ring)
{
    memset(&page, 0, sizeof(page));
    page.out_prod = page.out_cons = (XENCONS_RING_IDX)(sizeof(page.out) - 3);
    cons_ring_attach(&ring, &page);
    guest_puts("abcdef");
    char buf[8];
    ck_assert_int_eq(cons_ring_read(&ring, buf, 4), 4);
    ck_assert_mem_eq(buf, "abcd", 4);
    ck_assert_int_eq(cons_ring_read(&ring, buf, sizeof(buf)), 2);
    ck_assert_mem_eq(buf, "ef", 2);
}
END_TEST

START_TEST(read_across_index_overflow)
{
    memset(&page, 0, sizeof(page));
    page.out_prod = page.out_cons = 0xfffffffeu;
    cons_ring_attach(&ring, &page);
    guest_puts("xyz");
    char buf[8];
    ck_assert_int_eq(cons_ring_read(&ring, buf, sizeof(buf)), 3);
    ck_assert_mem_eq(buf, "xyz", 3);
    ck_assert_uint_eq(page.out_cons, 1);
}
END_TEST

START_TEST(a_full_ring_is_fine)
{
    memset(&page, 0, sizeof(page));
    cons_ring_attach(&ring, &page);
    page.out_prod = sizeof(page.out);
    static char buf[sizeof(page.out)];
    ck_assert_int_eq(cons_ring_read(&ring, buf, sizeof(buf)), (int)sizeof(page.out));
}
END_TEST

START_TEST(producer_past_a_ring_is_refused)
{
    memset(&page, 0, sizeof(page));
    cons_ring_attach(&ring, &page);
    page.out_prod = sizeof(page.out) * 3;
    char buf[64];
    ck_assert_int_eq(cons_ring_read(&ring, buf, sizeof(buf)), -1);
    ck_assert_ptr_nonnull(strstr(ring.why, "ahead of out_cons"));
    ck_assert_uint_eq(page.out_cons, 0);
    /* Moved back: also more than a ring ahead, as unsigned. */
    page.out_prod = (XENCONS_RING_IDX)-5;
    ck_assert_int_eq(cons_ring_read(&ring, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(our_out_cons_is_not_the_guests)
{
    memset(&page, 0, sizeof(page));
    cons_ring_attach(&ring, &page);
    guest_puts("ab");
    /* The guest moving our index does not make us skip or repeat. */
    page.out_cons = 1000;
    char buf[8];
    ck_assert_int_eq(cons_ring_read(&ring, buf, sizeof(buf)), 2);
    ck_assert_mem_eq(buf, "ab", 2);
}
END_TEST

START_TEST(write_fills_in_up_to_room)
{
    memset(&page, 0, sizeof(page));
    cons_ring_attach(&ring, &page);
    static char big[sizeof(page.in) + 100];
    memset(big, 'k', sizeof(big));
    ck_assert_int_eq(cons_ring_write(&ring, big, sizeof(big)), (int)sizeof(page.in));
    ck_assert_uint_eq(page.in_prod, sizeof(page.in));
    ck_assert_int_eq(cons_ring_write(&ring, "x", 1), 0);
    page.in_cons = 10; /* the guest took ten */
    ck_assert_int_eq(cons_ring_write(&ring, "0123456789abc", 13), 10);
    ck_assert_int_eq(page.in[0], '0');
    ck_assert_int_eq(page.in[9], '9');
}
END_TEST

START_TEST(write_refuses_impossible_in_cons)
{
    memset(&page, 0, sizeof(page));
    cons_ring_attach(&ring, &page);
    ck_assert_int_eq(cons_ring_write(&ring, "abc", 3), 3);
    page.in_cons = 7; /* past what we produced */
    ck_assert_int_eq(cons_ring_write(&ring, "d", 1), -1);
    ck_assert_ptr_nonnull(strstr(ring.why, "in_cons"));
    ck_assert_uint_eq(page.in_prod, 3);
}
END_TEST

static char dir[64], logpath[128], oldpath[140];

static void make_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/test_consoled_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(logpath, sizeof(logpath), "%s/guest-x.log", dir);
    snprintf(oldpath, sizeof(oldpath), "%s.1", logpath);
}

static void remove_dir(void)
{
    unlink(logpath);
    unlink(oldpath);
    rmdir(dir);
}

static long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void file_text(const char *p, char *buf, size_t len)
{
    FILE *f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

START_TEST(log_rotates_at_the_cap)
{
    struct cons_log l;
    ck_assert_int_eq(cons_log_open(&l, logpath, 10), 0);
    ck_assert_int_eq(cons_log_write(&l, "aaaa\n", 5), 0);
    ck_assert_int_eq(cons_log_write(&l, "bbbb\n", 5), 0);
    ck_assert_int_eq(file_size(logpath), 10);
    ck_assert_int_eq(file_size(oldpath), -1);
    ck_assert_int_eq(cons_log_write(&l, "cccc\n", 5), 0);
    ck_assert_int_eq(file_size(logpath), 5);
    ck_assert_int_eq(file_size(oldpath), 10);
    ck_assert_int_eq(cons_log_write(&l, "dddddddd\n", 9), 0);
    char buf[32];
    file_text(logpath, buf, sizeof(buf));
    ck_assert_str_eq(buf, "dddddddd\n");
    file_text(oldpath, buf, sizeof(buf));
    ck_assert_str_eq(buf, "cccc\n");
    ck_assert_uint_eq(l.rotations, 2);
    cons_log_close(&l);
}
END_TEST

START_TEST(log_keeps_the_tail_of_a_huge_write)
{
    struct cons_log l;
    ck_assert_int_eq(cons_log_open(&l, logpath, 4), 0);
    ck_assert_int_eq(cons_log_write(&l, "0123456789", 10), 0);
    char buf[32];
    file_text(logpath, buf, sizeof(buf));
    ck_assert_str_eq(buf, "6789");
    cons_log_close(&l);
}
END_TEST

START_TEST(log_reopened_counts_what_is_there)
{
    struct cons_log l;
    ck_assert_int_eq(cons_log_open(&l, logpath, 8), 0);
    ck_assert_int_eq(cons_log_write(&l, "123456", 6), 0);
    cons_log_close(&l);
    ck_assert_int_eq(cons_log_open(&l, logpath, 8), 0);
    ck_assert_int_eq(cons_log_write(&l, "789", 3), 0);
    ck_assert_int_eq(file_size(logpath), 3);
    ck_assert_int_eq(file_size(oldpath), 6);
    cons_log_close(&l);
}
END_TEST

START_TEST(log_cap_zero_writes_nothing)
{
    struct cons_log l;
    ck_assert_int_eq(cons_log_open(&l, logpath, 0), 0);
    ck_assert_int_eq(cons_log_write(&l, "abc", 3), 0);
    ck_assert_int_eq(file_size(logpath), -1);
    cons_log_close(&l);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("consoled");
    TCase *r = tcase_create("ring");
    tcase_add_test(r, read_copies_and_hands_back);
    tcase_add_test(r, read_wraps_around_the_ring);
    tcase_add_test(r, read_across_index_overflow);
    tcase_add_test(r, a_full_ring_is_fine);
    tcase_add_test(r, producer_past_a_ring_is_refused);
    tcase_add_test(r, our_out_cons_is_not_the_guests);
    tcase_add_test(r, write_fills_in_up_to_room);
    tcase_add_test(r, write_refuses_impossible_in_cons);
    suite_add_tcase(s, r);
    TCase *l = tcase_create("log");
    tcase_add_checked_fixture(l, make_dir, remove_dir);
    tcase_add_test(l, log_rotates_at_the_cap);
    tcase_add_test(l, log_keeps_the_tail_of_a_huge_write);
    tcase_add_test(l, log_reopened_counts_what_is_there);
    tcase_add_test(l, log_cap_zero_writes_nothing);
    suite_add_tcase(s, l);
    return s;
}

#include "check_main.h"
