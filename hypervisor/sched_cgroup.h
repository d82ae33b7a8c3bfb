/*
 * The credit scheduler's weight and cap (xl sched-credit) on the host's
 * cgroup cpu controller: each domain's vCPU threads live in a cgroup of
 * their own, under one per daemon. Weight 256 is the host's default
 * share; cap is a percentage of one CPU for the whole domain, 0 = none.
 */
#ifndef XENOLITH_SCHED_CGROUP_H
#define XENOLITH_SCHED_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#define SCHED_DEFAULT_WEIGHT 256
#define SCHED_MAX_WEIGHT 65535

struct domain;

/* Makes the domain's cgroup (before its vCPU threads start). 0, or -errno
 * when the host has no usable cpu controller (the domain runs without). */
int sched_domain_init(struct domain *d);
/* Called by each vCPU thread as it starts: moves itself in. */
void sched_join(struct domain *d);
void sched_domain_teardown(struct domain *d);
/* At daemon exit: removes every cgroup this daemon made. */
void sched_cleanup(void);
/* 0 or -errno with a message. */
int sched_set(struct domain *d, uint32_t weight, uint32_t cap, char *err, size_t errlen);
/* Where the domain's cgroup is ("" when it has none). */
const char *sched_path(struct domain *d);

#endif
