/*
 * Xen's per-vCPU timers (singleshot and periodic) as timerfds, served by
 * one thread per domain that raises VIRQ_TIMER when they expire. Deadlines
 * are in the domain's system time.
 */
#ifndef XENOLITH_TIMERS_H
#define XENOLITH_TIMERS_H

#include <stdint.h>

#include "hypervisor/domain.h"

int timers_start(struct domain *d);
void timers_stop(struct domain *d);

/* 0, or -ETIME when `future` is asked for and the deadline has passed. */
int timer_set_singleshot(struct vcpu *v, uint64_t deadline_ns, bool future);
void timer_stop_singleshot(struct vcpu *v);
/* 0, or -EINVAL for a period under 1 ms. */
int timer_set_periodic(struct vcpu *v, uint64_t period_ns);
void timer_stop_periodic(struct vcpu *v);

#endif
