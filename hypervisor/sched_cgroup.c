#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypervisor/cgroup_cpu.h"
#include "hypervisor/domain.h"
#include "hypervisor/log.h"
#include "hypervisor/sched_cgroup.h"

/* The host's controller, found at the first domain; the root may be
 * moved for tests with XENOLITH_CGROUP_ROOT. */
static struct cgroup_cpu cg;
static bool detected;
static char parent_dir[320];

static const struct cgroup_cpu *controller(void)
{
    if (!detected) {
        const char *root = getenv("XENOLITH_CGROUP_ROOT");
        cgroup_cpu_detect(&cg, root && root[0] ? root : CGROUP_DEFAULT_ROOT);
        detected = true;
        if (cg.version != CGROUP_CPU_NONE)
            hv_log("sched-credit on the %s cpu controller at %s",
                   cgroup_cpu_version_name(cg.version), cg.base);
    }
    return &cg;
}

int sched_domain_init(struct domain *d)
{
    d->sched_dir[0] = '\0';
    d->sched_weight = SCHED_DEFAULT_WEIGHT;
    d->sched_cap = 0;
    const struct cgroup_cpu *c = controller();
    if (c->version == CGROUP_CPU_NONE)
        return -ENOTSUP;
    int rc = cgroup_cpu_make_parent(c, getpid(), parent_dir, sizeof(parent_dir));
    if (rc == 0)
        rc = cgroup_cpu_make_domain(c, parent_dir, d->domid, d->sched_dir, sizeof(d->sched_dir));
    if (rc)
        d->sched_dir[0] = '\0';
    return rc;
}

/* Joining a cgroup costs milliseconds (the kernel waits out an RCU grace
 * period), and at the default weight and no cap the cgroup changes
 * nothing: a new domain's vCPU threads join only once sched-credit has
 * given it settings, so creating a domain never waits for it. A thread
 * starting while sched_set moves the others publishes its tid first and
 * then checks the flag, and sched_set sets the flag before it reads the
 * tids, so each thread is moved at least once. */
void sched_join(struct domain *d)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (d->sched_dir[0] && __atomic_load_n(&d->sched_joined, __ATOMIC_ACQUIRE))
        cgroup_cpu_join(controller(), d->sched_dir, gettid());
}

static int join_vcpu_threads(struct domain *d)
{
    __atomic_store_n(&d->sched_joined, true, __ATOMIC_SEQ_CST);
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        pid_t tid = __atomic_load_n(&d->vcpus[i].tid, __ATOMIC_ACQUIRE);
        int rc = tid > 0 ? cgroup_cpu_join(controller(), d->sched_dir, tid) : 0;
        if (rc && rc != -ESRCH)
            return rc;
    }
    return 0;
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
    if (!parent_dir[0])
        return;
    const char *parent = parent_dir;
    DIR *dir = opendir(parent);
    if (!dir)
        return;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (strncmp(e->d_name, "dom", 3) != 0)
            continue;
        char path[640];
        snprintf(path, sizeof(path), "%s/%s", parent, e->d_name);
        for (int i = 0; i < 2000 && rmdir(path) < 0 && errno == EBUSY; i++)
            usleep(1000);
    }
    closedir(dir);
    cgroup_cpu_leave_parent(controller(), getpid());
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
        snprintf(err, errlen, "this host has no usable cgroup cpu controller (v1 at %s/cpu or "
                 "v2 at %s)", CGROUP_DEFAULT_ROOT, CGROUP_DEFAULT_ROOT);
        return -ENOTSUP;
    }
    int rc = cgroup_cpu_apply(controller(), d->sched_dir, weight, cap);
    if (rc == 0 && !d->sched_joined)
        rc = join_vcpu_threads(d);
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
