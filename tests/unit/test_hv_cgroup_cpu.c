/* Unit tests of the cgroup cpu controller layer (hypervisor/cgroup_cpu):
 * which version a host has, the weight and cap mappings, and the files
 * written, on fake cgroup roots made of plain directories. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypervisor/cgroup_cpu.h"

static char root[64];

static void make_root(void)
{
    snprintf(root, sizeof(root), "/tmp/xenolith-cgtest.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
}

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static const char *get(const char *dir, const char *name)
{
    static char buf[128];
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return "(missing)";
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void remove_root(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(mappings)
{
    ck_assert_uint_eq(cgroup_cpu_v1_shares(256), 1024);
    ck_assert_uint_eq(cgroup_cpu_v1_shares(1), 4);
    ck_assert_uint_eq(cgroup_cpu_v2_weight(256), 100);
    ck_assert_uint_eq(cgroup_cpu_v2_weight(512), 200);
    ck_assert_uint_eq(cgroup_cpu_v2_weight(1), 1);       /* never 0 */
    ck_assert_uint_eq(cgroup_cpu_v2_weight(65535), 10000); /* v2's ceiling */
    ck_assert_int_eq(cgroup_cpu_quota_us(0), -1);
    ck_assert_int_eq(cgroup_cpu_quota_us(50), 50000);
    ck_assert_int_eq(cgroup_cpu_quota_us(200), 200000);
}
END_TEST

START_TEST(detect_none)
{
    make_root();
    struct cgroup_cpu cg;
    ck_assert_int_eq(cgroup_cpu_detect(&cg, root), CGROUP_CPU_NONE);
    char parent[320];
    ck_assert_int_eq(cgroup_cpu_make_parent(&cg, 42, parent, sizeof(parent)), -ENOTSUP);
    /* v2 without the cpu controller (cpuset is not cpu). */
    put("cgroup.controllers", "cpuset io memory pids\n");
    ck_assert_int_eq(cgroup_cpu_detect(&cg, root), CGROUP_CPU_NONE);
    remove_root();
}
END_TEST

START_TEST(v1_files)
{
    make_root();
    char path[512];
    snprintf(path, sizeof(path), "%s/cpu", root);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    put("cpu/cpu.shares", "1024\n");
    /* A host with both mounts uses v1, where the cpu controller is. */
    put("cgroup.controllers", "cpu io\n");
    struct cgroup_cpu cg;
    ck_assert_int_eq(cgroup_cpu_detect(&cg, root), CGROUP_CPU_V1);
    ck_assert_str_eq(cg.base, path);
    char parent[320], dom[160];
    ck_assert_int_eq(cgroup_cpu_make_parent(&cg, 42, parent, sizeof(parent)), 0);
    snprintf(path, sizeof(path), "%s/cpu/xenolith-42", root);
    ck_assert_str_eq(parent, path);
    ck_assert_int_eq(cgroup_cpu_make_domain(&cg, parent, 7, dom, sizeof(dom)), 0);
    ck_assert_int_eq(cgroup_cpu_join(&cg, dom, 1234), 0);
    ck_assert_str_eq(get(dom, "tasks"), "1234");
    ck_assert_int_eq(cgroup_cpu_apply(&cg, dom, 512, 50), 0);
    ck_assert_str_eq(get(dom, "cpu.shares"), "2048");
    ck_assert_str_eq(get(dom, "cpu.cfs_period_us"), "100000");
    ck_assert_str_eq(get(dom, "cpu.cfs_quota_us"), "50000");
    ck_assert_int_eq(cgroup_cpu_apply(&cg, dom, 256, 0), 0);
    ck_assert_str_eq(get(dom, "cpu.cfs_quota_us"), "-1");
    ck_assert_str_eq(get(dom, "cgroup.type"), "(missing)");
    remove_root();
}
END_TEST

START_TEST(v2_files)
{
    make_root();
    put("cgroup.controllers", "cpuset cpu io memory pids\n");
    struct cgroup_cpu cg;
    ck_assert_int_eq(cgroup_cpu_detect(&cg, root), CGROUP_CPU_V2);
    ck_assert_str_eq(cg.base, root);
    char parent[320], dom[160];
    ck_assert_int_eq(cgroup_cpu_make_parent(&cg, 42, parent, sizeof(parent)), 0);
    ck_assert_str_eq(get(root, "cgroup.subtree_control"), "+cpu");
    ck_assert_str_eq(get(parent, "cgroup.procs"), "42");
    ck_assert_str_eq(get(parent, "cgroup.subtree_control"), "+cpu");
    ck_assert_int_eq(cgroup_cpu_make_domain(&cg, parent, 7, dom, sizeof(dom)), 0);
    ck_assert_str_eq(get(dom, "cgroup.type"), "threaded");
    ck_assert_int_eq(cgroup_cpu_join(&cg, dom, 1234), 0);
    ck_assert_str_eq(get(dom, "cgroup.threads"), "1234");
    ck_assert_int_eq(cgroup_cpu_apply(&cg, dom, 512, 150), 0);
    ck_assert_str_eq(get(dom, "cpu.weight"), "200");
    ck_assert_str_eq(get(dom, "cpu.max"), "150000 100000");
    ck_assert_int_eq(cgroup_cpu_apply(&cg, dom, 256, 0), 0);
    ck_assert_str_eq(get(dom, "cpu.weight"), "100");
    ck_assert_str_eq(get(dom, "cpu.max"), "max 100000");
    ck_assert_str_eq(get(dom, "cpu.shares"), "(missing)");
    ck_assert_int_eq(cgroup_cpu_leave_parent(&cg, 42), 0);
    ck_assert_str_eq(get(root, "cgroup.procs"), "42");
    remove_root();
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cgroup_cpu");
    TCase *t = tcase_create("cgroup");
    tcase_add_test(t, mappings);
    tcase_add_test(t, detect_none);
    tcase_add_test(t, v1_files);
    tcase_add_test(t, v2_files);
    suite_add_tcase(s, t);
    return s;
}

#include "tests/unit/check_main.h"
