/*
 * The run directory's trust check (dom0/rundir.h): the daemons, root,
 * keep sockets, pid files, journals and logs there, so a directory that
 * someone else owns or may write to is refused, by name.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dom0/rundir.h"

static char dir[64], sub[96], link_path[96];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/xn-rundir.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/run", dir);
    snprintf(link_path, sizeof(link_path), "%s/link", dir);
}

static void teardown(void)
{
    unlink(link_path);
    rmdir(sub);
    rmdir(dir);
}

static void expect_refused(const char *path, const char *fault)
{
    char why[512] = "";
    ck_assert_int_lt(rundir_check(path, why, sizeof(why)), 0);
    ck_assert_msg(strstr(why, path) != NULL, "the message does not name %s: %s", path, why);
    ck_assert_msg(strstr(why, fault) != NULL, "expected '%s' in: %s", fault, why);
}

START_TEST(own_private_directory_is_trusted)
{
    char why[512] = "";
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_msg(rundir_check(sub, why, sizeof(why)) == 0, "%s", why);
    ck_assert_int_eq(chmod(sub, 0700), 0);
    ck_assert_msg(rundir_check(sub, why, sizeof(why)) == 0, "%s", why);
}
END_TEST

START_TEST(writable_by_others_is_refused)
{
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    ck_assert_int_eq(chmod(sub, 0777), 0);
    expect_refused(sub, "writable by group or others");
    ck_assert_int_eq(chmod(sub, 0770), 0);
    expect_refused(sub, "writable by group or others");
}
END_TEST

START_TEST(someone_elses_is_refused)
{
    if (geteuid() != 0) {
        /* Without root no directory can be given away to test with; a
         * silent skip would pass, so the run says why it fails. */
        ck_abort_msg("needs root to chown a directory (run as root, as CI does)");
    }
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(chown(sub, 12345, 12345), 0);
    expect_refused(sub, "owned by uid 12345");
}
END_TEST

START_TEST(symlink_is_refused)
{
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(symlink(sub, link_path), 0);
    expect_refused(link_path, "not a directory");
}
END_TEST

/* rundir_mkdirs checks what it finds as well as what it makes. */
START_TEST(mkdirs_refuses_an_untrusted_existing_directory)
{
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    ck_assert_int_eq(chmod(sub, 0777), 0);
    char log[128];
    snprintf(log, sizeof(log), "%s/log", sub);
    ck_assert_int_lt(rundir_mkdirs(log, 0755), 0);
    ck_assert_int_ne(access(log, F_OK), 0);
    /* Root's sticky /tmp may hold a run directory; the run directory
     * itself may not be sticky and writable by all. */
    ck_assert_int_eq(chmod(sub, 01777), 0);
    char why[512] = "";
    ck_assert_int_lt(rundir_prepare(log, 0755, why, sizeof(why)), 0);
    ck_assert_msg(strstr(why, sub) != NULL, "%s", why);
    ck_assert_int_eq(chmod(sub, 0755), 0);
    ck_assert_msg(rundir_prepare(log, 0755, why, sizeof(why)) == 0, "%s", why);
    rmdir(log);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dom0_rundir");
    TCase *t = tcase_create("trust");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, own_private_directory_is_trusted);
    tcase_add_test(t, writable_by_others_is_refused);
    tcase_add_test(t, someone_elses_is_refused);
    tcase_add_test(t, symlink_is_refused);
    tcase_add_test(t, mkdirs_refuses_an_untrusted_existing_directory);
    suite_add_tcase(s, t);
    return s;
}

#include "check_main.h"
