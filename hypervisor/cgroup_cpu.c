#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypervisor/cgroup_cpu.h"
#include "hypervisor/text_file.h"

/* O_CREAT and O_TRUNC change nothing on cgroupfs, where the files exist
 * and take whole values, and let a plain directory stand in for it. */
static int write_file(const char *dir, const char *name, const char *fmt, ...)
{
    char path[512], buf[64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int rc = write(fd, buf, (size_t)n) == n ? 0 : -errno;
    close(fd);
    return rc;
}

static bool exists(const char *dir, const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

/* Whether the v2 root offers the cpu controller: a word "cpu" in
 * cgroup.controllers (not "cpuset"). */
static bool v2_has_cpu(const char *root)
{
    char path[512], buf[512];
    snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
    if (!text_file_read(path, buf, sizeof(buf)))
        return false;
    for (char *save, *w = strtok_r(buf, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
        if (strcmp(w, "cpu") == 0)
            return true;
    return false;
}

enum cgroup_cpu_version cgroup_cpu_detect(struct cgroup_cpu *cg, const char *root)
{
    char v1[256];
    snprintf(v1, sizeof(v1), "%s/cpu", root);
    cg->version = CGROUP_CPU_NONE;
    cg->base[0] = '\0';
    if (exists(v1, "cpu.shares")) {
        cg->version = CGROUP_CPU_V1;
        snprintf(cg->base, sizeof(cg->base), "%s", v1);
    } else if (v2_has_cpu(root)) {
        cg->version = CGROUP_CPU_V2;
        snprintf(cg->base, sizeof(cg->base), "%s", root);
    }
    return cg->version;
}

const char *cgroup_cpu_version_name(enum cgroup_cpu_version v)
{
    return v == CGROUP_CPU_V1 ? "cgroup v1" : v == CGROUP_CPU_V2 ? "cgroup v2" : "no cgroup";
}

uint32_t cgroup_cpu_v1_shares(uint32_t weight)
{
    return weight * 4; /* 256 -> 1024, v1's default */
}

uint32_t cgroup_cpu_v2_weight(uint32_t weight)
{
    /* 256 -> 100, v2's default, in proportion; v2 stops at 1..10000. */
    uint64_t w = ((uint64_t)weight * 100 + 128) / 256;
    return w < 1 ? 1 : w > 10000 ? 10000 : (uint32_t)w;
}

int64_t cgroup_cpu_quota_us(uint32_t cap)
{
    return cap ? (int64_t)cap * CGROUP_CFS_PERIOD_US / 100 : -1;
}

int cgroup_cpu_make_parent(const struct cgroup_cpu *cg, pid_t pid, char *out, size_t len)
{
    if (cg->version == CGROUP_CPU_NONE)
        return -ENOTSUP;
    snprintf(out, len, "%s/xenolith-%d", cg->base, (int)pid);
    if (mkdir(out, 0755) < 0 && errno != EEXIST)
        return -errno;
    if (cg->version == CGROUP_CPU_V1)
        return 0;
    /* The cpu controller must reach our children through the root and
     * us; the daemon itself moves in so its threads may enter the
     * threaded domain cgroups below. */
    int rc = write_file(cg->base, "cgroup.subtree_control", "+cpu");
    if (rc == 0)
        rc = write_file(out, "cgroup.procs", "%d", (int)pid);
    if (rc == 0)
        rc = write_file(out, "cgroup.subtree_control", "+cpu");
    return rc;
}

int cgroup_cpu_leave_parent(const struct cgroup_cpu *cg, pid_t pid)
{
    if (cg->version != CGROUP_CPU_V2)
        return 0;
    return write_file(cg->base, "cgroup.procs", "%d", (int)pid);
}

int cgroup_cpu_make_domain(const struct cgroup_cpu *cg, const char *parent, uint32_t domid,
                           char *out, size_t len)
{
    snprintf(out, len, "%s/dom%u", parent, domid);
    if (mkdir(out, 0755) < 0 && errno != EEXIST)
        return -errno;
    if (cg->version == CGROUP_CPU_V2)
        return write_file(out, "cgroup.type", "threaded");
    return 0;
}

int cgroup_cpu_join(const struct cgroup_cpu *cg, const char *dir, pid_t tid)
{
    return write_file(dir, cg->version == CGROUP_CPU_V2 ? "cgroup.threads" : "tasks", "%d",
                      (int)tid);
}

int cgroup_cpu_apply(const struct cgroup_cpu *cg, const char *dir, uint32_t weight, uint32_t cap)
{
    int64_t quota = cgroup_cpu_quota_us(cap);
    int rc;
    if (cg->version == CGROUP_CPU_V2) {
        rc = write_file(dir, "cpu.weight", "%u", cgroup_cpu_v2_weight(weight));
        if (rc == 0 && quota < 0)
            rc = write_file(dir, "cpu.max", "max %d", CGROUP_CFS_PERIOD_US);
        else if (rc == 0)
            rc = write_file(dir, "cpu.max", "%lld %d", (long long)quota, CGROUP_CFS_PERIOD_US);
        return rc;
    }
    if (cg->version != CGROUP_CPU_V1)
        return -ENOTSUP;
    rc = write_file(dir, "cpu.shares", "%u", cgroup_cpu_v1_shares(weight));
    if (rc == 0)
        rc = write_file(dir, "cpu.cfs_period_us", "%d", CGROUP_CFS_PERIOD_US);
    if (rc == 0)
        rc = write_file(dir, "cpu.cfs_quota_us", "%lld", (long long)quota);
    return rc;
}
