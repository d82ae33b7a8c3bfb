/* Unit tests of dom0/hotplug: finding scripts, Xen's arguments and
 * environment, exit statuses, and the timeout that kills the script's
 * whole process group. (hotplug-status is read from XenStore, which the
 * integration tests cover; remove/offline decide by exit status, so no
 * store is needed here.) */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dom0/hotplug.h"

static char dir[64];
static char err[512];

static void script(const char *name, const char *body, mode_t mode)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(p, mode);
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/xn-hotplug.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("XENOLITH_SCRIPTS", dir, 1);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *name)
{
    static char buf[4096];
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(resolve)
{
    char p[256];
    script("block", "exit 0", 0755);
    script("noexec", "exit 0", 0644);
    ck_assert_str_eq(hotplug_scripts_dir(), dir);
    ck_assert_int_eq(hotplug_resolve("block", p, sizeof(p), err, sizeof(err)), 0);
    ck_assert(strstr(p, "/block") && !strncmp(p, dir, strlen(dir)));
    char abs[128];
    snprintf(abs, sizeof(abs), "%s/block", dir);
    ck_assert_int_eq(hotplug_resolve(abs, p, sizeof(p), err, sizeof(err)), 0);
    ck_assert_str_eq(p, abs);
    ck_assert_int_lt(hotplug_resolve("noexec", p, sizeof(p), err, sizeof(err)), 0);
    ck_assert_ptr_nonnull(strstr(err, "not an executable"));
    ck_assert_int_lt(hotplug_resolve("missing", p, sizeof(p), err, sizeof(err)), 0);
    ck_assert_int_lt(hotplug_resolve("../block", p, sizeof(p), err, sizeof(err)), 0);
    ck_assert_ptr_nonnull(strstr(err, "a name or an absolute path"));
    ck_assert_int_lt(hotplug_resolve("", p, sizeof(p), err, sizeof(err)), 0);
}
END_TEST

START_TEST(arguments_and_environment)
{
    char body[512];
    snprintf(body, sizeof(body),
             "echo \"$1|$XENBUS_TYPE|$XENBUS_PATH|$XENBUS_BASE_PATH|$vif|$XENOLITH_RUNDIR|"
             "${XENSTORED_PATH:+store}\" > %s/out",
             dir);
    script("vif-test", body, 0755);
    setenv("XENOLITH_RUNDIR", "/run/xn-test", 1);
    const char *env[] = {"vif=vif3.0", NULL};
    struct hotplug_req r = {.script = "vif-test", .action = "offline", .type = "vif",
                            .backend_path = "/local/domain/0/backend/vif/3/0", .env = env};
    ck_assert_msg(hotplug_run(NULL, &r, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(slurp("out"), "offline|vif|/local/domain/0/backend/vif/3/0|"
                                   "/local/domain/0/backend/vif/3|vif3.0|/run/xn-test|store\n");
}
END_TEST

START_TEST(exit_status)
{
    script("fails", "exit 3", 0755);
    struct hotplug_req r = {.script = "fails", .action = "remove", .type = "vbd",
                            .backend_path = "/local/domain/0/backend/vbd/1/51712"};
    ck_assert_int_lt(hotplug_run(NULL, &r, err, sizeof(err)), 0);
    ck_assert_msg(strstr(err, "exit status 3") != NULL, "%s", err);
    script("ok", "exit 0", 0755);
    r.script = "ok";
    ck_assert_int_eq(hotplug_run(NULL, &r, err, sizeof(err)), 0);
}
END_TEST

START_TEST(timeout_kills_the_group)
{
    char body[256];
    /* A child of the script that would outlive it if only the script
     * were killed. */
    snprintf(body, sizeof(body), "sleep 30 & echo $! > %s/child\nwait", dir);
    script("hangs", body, 0755);
    struct hotplug_req r = {.script = "hangs", .action = "remove", .type = "vbd",
                            .backend_path = "/local/domain/0/backend/vbd/1/51712",
                            .timeout_ms = 300};
    ck_assert_int_lt(hotplug_run(NULL, &r, err, sizeof(err)), 0);
    ck_assert_msg(strstr(err, "timed out") != NULL, "%s", err);
    char *c = slurp("child");
    ck_assert_ptr_nonnull(c);
    pid_t child = (pid_t)atoi(c);
    ck_assert_int_gt(child, 1);
    /* Killed, it lingers as a zombie until init reaps it: dead either way. */
    int alive = 1;
    for (int i = 0; i < 50 && alive; i++) {
        char p[64], st[256] = "";
        snprintf(p, sizeof(p), "/proc/%d/stat", (int)child);
        FILE *f = fopen(p, "r");
        if (f) {
            if (!fgets(st, sizeof(st), f))
                st[0] = '\0';
            fclose(f);
        }
        const char *rp = strrchr(st, ')');
        alive = f && rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
        if (alive)
            usleep(20000);
    }
    ck_assert_msg(!alive, "the script's child %d survived the timeout", (int)child);
}
END_TEST

/* Without XENOLITH_SCRIPTS: this test, run from the build tree, finds
 * the source tree's scripts (the real block script among them); the
 * same program installed elsewhere finds the installed directory. */
START_TEST(build_tree_finds_its_sources_scripts)
{
    unsetenv("XENOLITH_SCRIPTS");
    ck_assert_str_eq(hotplug_scripts_dir(), XENOLITH_SOURCE_SCRIPTS_DIR);
    char p[512];
    ck_assert_msg(hotplug_resolve("block", p, sizeof(p), err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(p, XENOLITH_SOURCE_SCRIPTS_DIR "/block");
    ck_assert_int_eq(hotplug_resolve("vif-bridge", p, sizeof(p), err, sizeof(err)), 0);

    char inside[PATH_MAX + 16];
    ck_assert_ptr_nonnull(realpath(XENOLITH_BUILD_DIR, inside));
    strcat(inside, "/toolstack/xl");
    ck_assert_str_eq(hotplug_scripts_dir_of(inside), XENOLITH_SOURCE_SCRIPTS_DIR);
    ck_assert_str_eq(hotplug_scripts_dir_of("/usr/local/sbin/xl"), XENOLITH_SCRIPTS_DIR);
    /* A directory beside the build tree whose name starts the same. */
    ck_assert_ptr_nonnull(realpath(XENOLITH_BUILD_DIR, inside));
    strcat(inside, "-other/xl");
    ck_assert_str_eq(hotplug_scripts_dir_of(inside), XENOLITH_SCRIPTS_DIR);
    /* The variable still wins over both. */
    setenv("XENOLITH_SCRIPTS", dir, 1);
    ck_assert_str_eq(hotplug_scripts_dir(), dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hotplug");
    TCase *c = tcase_create("scripts");
    tcase_add_checked_fixture(c, setup, teardown);
    tcase_add_test(c, resolve);
    tcase_add_test(c, build_tree_finds_its_sources_scripts);
    tcase_add_test(c, arguments_and_environment);
    tcase_add_test(c, exit_status);
    tcase_add_test(c, timeout_kills_the_group);
    tcase_set_timeout(c, 20);
    suite_add_tcase(s, c);
    return s;
}

#include "tests/unit/check_main.h"
