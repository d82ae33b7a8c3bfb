/* Unit tests of the console log's line buffering and limits (hypervisor/console_log). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/console_log.h"

#define SEC 1000000000ull

#define ck_assert_contains(hay, needle)                                                  \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" does not contain \"%s\"", (hay), \
                  (needle))

/* Generous enough that only the limit a test is about ever bites. */
static const struct console_limits unlimited = {
    .rate_bytes_per_s = 1ull << 40,
    .burst_bytes = 1ull << 40,
    .max_file_bytes = 1ull << 40,
};

static char path[64];
static struct console_log con;

static void make_path(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/test_hv_console_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

static void remove_path(void)
{
    unlink(path);
}

static void open_log(const struct console_limits *lim, uint64_t now)
{
    ck_assert_int_eq(console_log_open(&con, path, lim, now), 0);
}

static void put(const char *s, uint64_t now)
{
    console_log_put(&con, s, strlen(s), now);
}

/* The whole file as a string; the caller frees it. */
static char *contents(void)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    ck_assert_ptr_nonnull(buf);
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
        ck_assert_ptr_nonnull(buf);
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static void assert_file(const char *want)
{
    char *got = contents();
    ck_assert_str_eq(got, want);
    free(got);
}

static unsigned count(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* ---- lines ---- */

START_TEST(whole_lines_only)
{
    open_log(&unlimited, 0);
    put("hello\nwor", 0);
    assert_file("hello\n");
    put("ld", 0);
    assert_file("hello\n");
    put("\nagain\n", 0);
    assert_file("hello\nworld\nagain\n");
    console_log_close(&con, 0);
    assert_file("hello\nworld\nagain\n");
}
END_TEST

START_TEST(byte_at_a_time)
{
    open_log(&unlimited, 0);
    const char *s = "one\ntwo\n";
    for (size_t i = 0; i < strlen(s); i++) {
        console_log_put(&con, s + i, 1, 0);
        if (i == 2)
            assert_file("");
    }
    assert_file("one\ntwo\n");
    console_log_close(&con, 0);
}
END_TEST

START_TEST(partial_line_flushed_at_close)
{
    open_log(&unlimited, 0);
    put("done\nno newline yet", 0);
    assert_file("done\n");
    console_log_close(&con, 0);
    assert_file("done\nno newline yet\n");
}
END_TEST

START_TEST(close_with_nothing_pending)
{
    open_log(&unlimited, 0);
    put("x\n", 0);
    console_log_close(&con, 0);
    assert_file("x\n");
}
END_TEST

START_TEST(appends_to_existing_file)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("previous boot\n", f);
    fclose(f);
    open_log(&unlimited, 0);
    put("this boot\n", 0);
    console_log_close(&con, 0);
    assert_file("previous boot\nthis boot\n");
}
END_TEST

START_TEST(open_failure)
{
    struct console_log c;
    ck_assert_int_eq(console_log_open(&c, "/nonexistent-dir/console.log", &unlimited, 0),
                     -ENOENT);
    /* Closing what failed to open must be harmless. */
    console_log_close(&c, 0);
}
END_TEST

START_TEST(long_line_split)
{
    size_t n = 2500;
    char *line = malloc(n + 2);
    ck_assert_ptr_nonnull(line);
    memset(line, 'x', n);
    line[n] = '\n';
    line[n + 1] = '\0';
    open_log(&unlimited, 0);
    put(line, 0);
    console_log_close(&con, 0);

    /* Pieces of CONSOLE_LINE_MAX-1 characters, each with its own newline,
     * then the rest: no byte lost, none added but the newlines. */
    char *got = contents();
    size_t piece = CONSOLE_LINE_MAX - 1;
    size_t pos = 0, left = n;
    while (left) {
        size_t want = left < piece ? left : piece;
        for (size_t i = 0; i < want; i++)
            ck_assert_msg(got[pos + i] == 'x', "byte %zu is 0x%02x", pos + i,
                          (unsigned char)got[pos + i]);
        ck_assert_msg(got[pos + want] == '\n', "no newline at %zu", pos + want);
        pos += want + 1;
        left -= want;
    }
    ck_assert_uint_eq(strlen(got), pos);
    ck_assert_uint_eq(count(got, "\n"), 3);
    free(got);
    free(line);
}
END_TEST

START_TEST(long_partial_line_split_without_newline)
{
    /* A guest that never ends its line still gets it logged in pieces. */
    char buf[CONSOLE_LINE_MAX + 10];
    memset(buf, 'y', sizeof(buf));
    open_log(&unlimited, 0);
    console_log_put(&con, buf, sizeof(buf), 0);
    char *got = contents();
    ck_assert_uint_eq(strlen(got), CONSOLE_LINE_MAX);
    ck_assert_uint_eq(got[CONSOLE_LINE_MAX - 1], '\n');
    free(got);
    console_log_close(&con, 0);
    got = contents();
    ck_assert_uint_eq(strlen(got), sizeof(buf) + 2);
    ck_assert_uint_eq(count(got, "\n"), 2);
    free(got);
}
END_TEST

/* ---- rate limit ---- */

/* 10 bytes per second, 30 at once: three 10-byte lines per burst. */
static const struct console_limits slow = {
    .rate_bytes_per_s = 10,
    .burst_bytes = 30,
    .max_file_bytes = 1 << 20,
};

START_TEST(rate_limit_drops_and_reports)
{
    uint64_t t = 1000 * SEC;
    open_log(&slow, t);
    put("line-0001\nline-0002\nline-0003\n", t);
    put("line-0004\nline-0005\n", t);
    assert_file("line-0001\nline-0002\nline-0003\n");

    /* One second buys one line, preceded by the count of what was lost. */
    t += SEC;
    put("line-0006\n", t);
    assert_file("line-0001\nline-0002\nline-0003\n"
                "[xenolith: 20 bytes of console output dropped by the rate limit]\n"
                "line-0006\n");

    /* Reported once: the next line that passes carries no note. */
    t += SEC;
    put("line-0007\n", t);
    char *got = contents();
    ck_assert_uint_eq(count(got, "dropped by the rate limit"), 1);
    ck_assert_contains(got, "line-0006\nline-0007\n");
    free(got);
    console_log_close(&con, t);
}
END_TEST

START_TEST(rate_limit_counts_every_dropped_byte)
{
    uint64_t t = 5 * SEC;
    open_log(&slow, t);
    put("line-0001\nline-0002\nline-0003\n", t);
    /* 7 + 4 + 24 bytes dropped over half a second (5 bytes of tokens). */
    put("short!\n", t);
    put("abc\n", t + SEC / 4);
    put("twenty-four characters!\n", t + SEC / 2);
    put("ok\n", t + SEC / 2 + SEC / 2);
    assert_file("line-0001\nline-0002\nline-0003\n"
                "[xenolith: 35 bytes of console output dropped by the rate limit]\n"
                "ok\n");
    console_log_close(&con, t + 2 * SEC);
}
END_TEST

START_TEST(rate_limit_burst_is_capped)
{
    /* A long quiet spell does not buy more than one burst. */
    uint64_t t = 0;
    open_log(&slow, t);
    t += 3600 * SEC;
    put("line-0001\nline-0002\nline-0003\nline-0004\n", t);
    char *got = contents();
    ck_assert_str_eq(got, "line-0001\nline-0002\nline-0003\n");
    free(got);
    console_log_close(&con, t);
}
END_TEST

START_TEST(rate_limit_time_going_backwards)
{
    /* A clock that steps back must not mint tokens. */
    uint64_t t = 100 * SEC;
    open_log(&slow, t);
    put("line-0001\nline-0002\nline-0003\n", t);
    put("line-0004\n", t - 50 * SEC);
    put("line-0005\n", t - 50 * SEC);
    assert_file("line-0001\nline-0002\nline-0003\n");
    console_log_close(&con, t - 50 * SEC);
}
END_TEST

/* ---- file cap ---- */

START_TEST(file_cap_writes_note_once)
{
    struct console_limits lim = unlimited;
    lim.max_file_bytes = 25;
    open_log(&lim, 0);
    put("0123456789\n", 0);
    put("abcdefghij\n", 0);
    /* 22 bytes so far; the next line would pass 25. */
    put("klmnopqrst\n", 0);
    put("more\n", 0);
    put("and more\n", 0);
    put("unterminated", 0);
    console_log_close(&con, 0);
    char *got = contents();
    ck_assert_uint_eq(count(got, "reached its limit"), 1);
    ck_assert_contains(got, "0123456789\nabcdefghij\n[xenolith: console log reached its limit");
    ck_assert_contains(got, "25 bytes");
    ck_assert_ptr_null(strstr(got, "klmn"));
    ck_assert_ptr_null(strstr(got, "more"));
    ck_assert_ptr_null(strstr(got, "unterminated"));
    /* The note is the last thing in the file. */
    const char *note = strstr(got, "[xenolith: console log");
    ck_assert_ptr_nonnull(note);
    ck_assert_ptr_eq(strchr(note, '\n') + 1, got + strlen(got));
    free(got);
}
END_TEST

START_TEST(file_cap_exact_fit)
{
    /* A line that ends exactly at the cap is still written. */
    struct console_limits lim = unlimited;
    lim.max_file_bytes = 22;
    open_log(&lim, 0);
    put("0123456789\nabcdefghij\n", 0);
    assert_file("0123456789\nabcdefghij\n");
    put("x\n", 0);
    char *got = contents();
    ck_assert_uint_eq(count(got, "reached its limit"), 1);
    free(got);
    console_log_close(&con, 0);
}
END_TEST

START_TEST(line_that_exactly_fits_gets_no_blank_line)
{
    /* CONSOLE_LINE_MAX-1 characters and their newline fill the buffer
     * exactly; the guest printed one line, so the log must hold one. */
    static const struct console_limits lim = {1ull << 40, 1ull << 40, 1ull << 40};
    char line[CONSOLE_LINE_MAX];
    memset(line, 'z', CONSOLE_LINE_MAX - 1);
    line[CONSOLE_LINE_MAX - 1] = '\n';
    ck_assert_int_eq(console_log_open(&con, path, &lim, 0), 0);
    console_log_put(&con, line, sizeof(line), 0);
    console_log_put(&con, "next\n", 5, 0);
    console_log_close(&con, 0);
    char *got = contents();
    ck_assert_uint_eq(strlen(got), CONSOLE_LINE_MAX + 5);
    ck_assert_ptr_null(strstr(got, "\n\n"));
    free(got);
}
END_TEST

START_TEST(drops_pending_at_close_are_reported)
{
    /* A guest that floods the console and then dies: the log must still
     * say that output was lost at the end. */
    static const struct console_limits lim = {10, 30, 1 << 20};
    ck_assert_int_eq(console_log_open(&con, path, &lim, 0), 0);
    const char *s = "line-0001\nline-0002\nline-0003\nline-0004\nline-0005\n";
    console_log_put(&con, s, strlen(s), 0);
    console_log_close(&con, 0);
    char *got = contents();
    ck_assert_msg(strstr(got, "20 bytes of console output dropped") != NULL,
                  "the log ends without saying 20 bytes were dropped:\n%s", got);
    free(got);
}
END_TEST

/* The log lives in a directory others may once have written to: a link
 * put where the log goes must not make xenolithd (root) append to the
 * file it points at. */
START_TEST(open_refuses_a_symlink)
{
    char target[80], link[80];
    snprintf(target, sizeof(target), "%s.target", path);
    snprintf(link, sizeof(link), "%s.link", path);
    FILE *f = fopen(target, "w");
    ck_assert_ptr_nonnull(f);
    fputs("precious\n", f);
    fclose(f);
    ck_assert_int_eq(symlink(target, link), 0);
    struct console_log c2;
    int rc = console_log_open(&c2, link, &unlimited, 0);
    if (rc == 0) {
        console_log_put(&c2, "guest text\n", 11, 0);
        console_log_close(&c2, 0);
    }
    char buf[64] = "";
    f = fopen(target, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    unlink(link);
    unlink(target);
    ck_assert_int_eq(rc, -ELOOP);
    ck_assert_str_eq(buf, "precious\n");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("console_log");

    TCase *l = tcase_create("lines");
    tcase_add_checked_fixture(l, make_path, remove_path);
    tcase_add_test(l, whole_lines_only);
    tcase_add_test(l, byte_at_a_time);
    tcase_add_test(l, partial_line_flushed_at_close);
    tcase_add_test(l, close_with_nothing_pending);
    tcase_add_test(l, appends_to_existing_file);
    tcase_add_test(l, open_failure);
    tcase_add_test(l, open_refuses_a_symlink);
    tcase_add_test(l, long_line_split);
    tcase_add_test(l, long_partial_line_split_without_newline);
    tcase_add_test(l, line_that_exactly_fits_gets_no_blank_line);
    suite_add_tcase(s, l);

    TCase *r = tcase_create("rate limit");
    tcase_add_checked_fixture(r, make_path, remove_path);
    tcase_add_test(r, rate_limit_drops_and_reports);
    tcase_add_test(r, rate_limit_counts_every_dropped_byte);
    tcase_add_test(r, rate_limit_burst_is_capped);
    tcase_add_test(r, rate_limit_time_going_backwards);
    tcase_add_test(r, drops_pending_at_close_are_reported);
    suite_add_tcase(s, r);

    TCase *c = tcase_create("file cap");
    tcase_add_checked_fixture(c, make_path, remove_path);
    tcase_add_test(c, file_cap_writes_note_once);
    tcase_add_test(c, file_cap_exact_fit);
    suite_add_tcase(s, c);
    return s;
}

#include "tests/unit/check_main.h"
