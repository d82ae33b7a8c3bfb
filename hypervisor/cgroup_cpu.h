/*
 * The host's cgroup cpu controller, v1 or v2, whichever the host mounts:
 * where it is, how the credit scheduler's weight and cap map onto it, and
 * the files that place threads and set their share. Kept apart from the
 * daemon so that a fake cgroup root (a plain directory) can test it.
 *
 * v1: <root>/cpu/xenolith-<pid>/dom<N>, cpu.shares (1024 = default)
 *     and cpu.cfs_quota_us/cpu.cfs_period_us; threads go to "tasks".
 * v2: <root>/xenolith-<pid>/dom<N>, the daemon moved into the parent and
 *     each domain a threaded cgroup (threads of one process are placed
 *     one by one only in a threaded subtree); cpu.weight (100 = default,
 *     1 to 10000) and cpu.max "<quota> <period>"; threads go to
 *     "cgroup.threads".
 */
#ifndef XENOLITH_CGROUP_CPU_H
#define XENOLITH_CGROUP_CPU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_DEFAULT_ROOT "/sys/fs/cgroup"
#define CGROUP_CFS_PERIOD_US 100000

enum cgroup_cpu_version {
    CGROUP_CPU_NONE,
    CGROUP_CPU_V1,
    CGROUP_CPU_V2,
};

struct cgroup_cpu {
    enum cgroup_cpu_version version;
    char base[256]; /* v1: the cpu hierarchy; v2: the unified root */
};

/* Looks at what is mounted under root: v1's cpu hierarchy
 * (root/cpu/cpu.shares) first, as the host uses it when it has both, else
 * v2's root with the cpu controller available (root/cgroup.controllers).
 * Returns the version found. */
enum cgroup_cpu_version cgroup_cpu_detect(struct cgroup_cpu *cg, const char *root);
const char *cgroup_cpu_version_name(enum cgroup_cpu_version v);

/* Weight (1-65535, 256 default) as v1 shares and v2 cpu.weight. */
uint32_t cgroup_cpu_v1_shares(uint32_t weight);
uint32_t cgroup_cpu_v2_weight(uint32_t weight);
/* Cap (% of one CPU, 0 = none) as a CFS quota per period; -1 = none. */
int64_t cgroup_cpu_quota_us(uint32_t cap);

/* The daemon's own cgroup (v2: the daemon moves in, the cpu controller
 * enabled for its children). Its path in out. 0 or -errno. */
int cgroup_cpu_make_parent(const struct cgroup_cpu *cg, pid_t pid, char *out, size_t len);
/* v2: moves the daemon back to the root so its cgroup can go. */
int cgroup_cpu_leave_parent(const struct cgroup_cpu *cg, pid_t pid);
/* A domain's cgroup under parent (v2: threaded). 0 or -errno. */
int cgroup_cpu_make_domain(const struct cgroup_cpu *cg, const char *parent, uint32_t domid,
                           char *out, size_t len);
/* Moves one thread into dir. 0 or -errno. */
int cgroup_cpu_join(const struct cgroup_cpu *cg, const char *dir, pid_t tid);
/* Writes weight and cap into dir. 0 or -errno. */
int cgroup_cpu_apply(const struct cgroup_cpu *cg, const char *dir, uint32_t weight, uint32_t cap);

#endif
