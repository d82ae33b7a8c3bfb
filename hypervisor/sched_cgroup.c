#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypervisor/domain.h"
#include "hypervisor/log.h"
#include "hypervisor/sched_cgroup.h"

/* cgroup v1's cpu hierarchy, where this host keeps it. A v2-only host
 * would need threaded cgroups for per-thread placement: not yet. */
#define CPU_V1_ROOT "/sys/fs/cgroup/cpu"
#define CFS_PERIOD_US 100000

static int write_file(const char *dir, const char *name, const char *fmt, ...)
{
    char path[512], buf[64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = write(fd, buf, (size_t)n) == n ? 0 : -errno;
    close(fd);
    return rc;
}

int sched_domain_init(struct domain *d)
{
    d->sched_dir[0] = '\0';
    d->sched_weight = SCHED_DEFAULT_WEIGHT;
    d->sched_cap = 0;
    struct stat st;
    if (stat(CPU_V1_ROOT "/cpu.shares", &st) < 0)
        return -ENOTSUP;
    char parent[128];
    snprintf(parent, sizeof(parent), CPU_V1_ROOT "/xenolith-%d", (int)getpid());
    if (mkdir(parent, 0755) < 0 && errno != EEXIST)
        return -errno;
    snprintf(d->sched_dir, sizeof(d->sched_dir), "%s/dom%u", parent, d->domid);
    if (mkdir(d->sched_dir, 0755) < 0 && errno != EEXIST) {
        int e = -errno;
        d->sched_dir[0] = '\0';
        return e;
    }
    return 0;
}

void sched_join(struct domain *d)
{
    if (d->sched_dir[0])
        write_file(d->sched_dir, "tasks", "%d", (int)gettid());
}

void sched_domain_teardown(struct domain *d)
{
    if (!d->sched_dir[0])
        return;
    /* Its threads have been joined, but the kernel wakes a joiner before
     * the exiting thread has left its cgroup, and the cgroup stays busy a
     * while after. A cgroup still busy here is reused by the next domain
     * with this id, and removed when the daemon stops. */
    for (int i = 0; i < 10 && rmdir(d->sched_dir) < 0 && errno == EBUSY; i++)
        usleep(1000);
    d->sched_dir[0] = '\0';
}

void sched_cleanup(void)
{
    char parent[128];
    snprintf(parent, sizeof(parent), CPU_V1_ROOT "/xenolith-%d", (int)getpid());
    DIR *dir = opendir(parent);
    if (!dir)
        return;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (strncmp(e->d_name, "dom", 3) != 0)
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", parent, e->d_name);
        for (int i = 0; i < 2000 && rmdir(path) < 0 && errno == EBUSY; i++)
            usleep(1000);
    }
    closedir(dir);
    if (rmdir(parent) < 0 && errno != ENOENT)
        hv_log("cannot remove the cgroup %s: %s", parent, strerror(errno));
}

int sched_set(struct domain *d, uint32_t weight, uint32_t cap, char *err, size_t errlen)
{
    if (weight < 1 || weight > SCHED_MAX_WEIGHT) {
        snprintf(err, errlen, "weight %u is out of range (1 to %d)", weight, SCHED_MAX_WEIGHT);
        return -EINVAL;
    }
    if (cap > 100u * d->nr_vcpus) {
        snprintf(err, errlen, "cap %u%% is more than domain %u's %u vCPUs can use (%u%%)", cap,
                 d->domid, d->nr_vcpus, 100u * d->nr_vcpus);
        return -EINVAL;
    }
    if (!d->sched_dir[0]) {
        snprintf(err, errlen, "this host has no cgroup v1 cpu controller at %s", CPU_V1_ROOT);
        return -ENOTSUP;
    }
    /* 256 is the default weight and 1024 the default share. */
    int rc = write_file(d->sched_dir, "cpu.shares", "%u", weight * 4);
    if (rc == 0)
        rc = write_file(d->sched_dir, "cpu.cfs_period_us", "%d", CFS_PERIOD_US);
    if (rc == 0)
        rc = write_file(d->sched_dir, "cpu.cfs_quota_us", "%lld",
                        cap ? (long long)cap * CFS_PERIOD_US / 100 : -1LL);
    if (rc) {
        snprintf(err, errlen, "cannot set the cgroup of domain %u: %s", d->domid, strerror(-rc));
        return rc;
    }
    d->sched_weight = weight;
    d->sched_cap = cap;
    return 0;
}

const char *sched_path(struct domain *d)
{
    return d->sched_dir;
}
