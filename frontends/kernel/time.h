/*
 * Xen PV time: each vcpu_info carries a vcpu_time_info that turns the
 * TSC into nanoseconds of system time (since the domain was created),
 * and shared_info carries the wallclock at system time 0. Timers are the
 * hypervisor's: a singleshot deadline per vCPU that raises VIRQ_TIMER,
 * which the kernel keeps bound on every vCPU.
 */
#ifndef FRONTENDS_KERNEL_TIME_H
#define FRONTENDS_KERNEL_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "include/xen_public.h"

#define NS_PER_MS 1000000ull
#define NS_PER_SEC 1000000000ull

/* One consistent reading of a vcpu_time_info, and what it was made of. */
struct pvclock_sample {
	uint64_t ns;
	uint64_t tsc;
	uint64_t tsc_timestamp;
	uint32_t version;	/* even: the one the fields were read under */
	uint32_t retries;	/* odd or changed versions seen first */
};

/* Read t the seqlock way: version (even), TSC and fields, version again. */
void pvclock_sample(const struct vcpu_time_info *t, struct pvclock_sample *s);
uint64_t pvclock_read(const struct vcpu_time_info *t);

/* System time in ns by the calling vCPU's own vcpu_time_info. */
uint64_t time_now(void);

/* The wallclock of system time 0 (shared_info), read consistently. */
void wallclock_read(uint64_t *sec, uint32_t *nsec, uint32_t *version);

/* Bind VIRQ_TIMER for vcpu (from any vCPU) to the kernel's handler,
 * which counts it in that vCPU's percpu. */
long time_bind_virq_timer(unsigned vcpu);

/* VCPUOP_set_singleshot_timer / stop on the calling vCPU. */
long timer_set_singleshot(uint64_t deadline_ns, uint32_t flags);
long timer_stop_singleshot(void);

/* Arm the singleshot timer at deadline and block once: returns after
 * the first interrupt, whatever it was (the timer, or an event). */
void block_until(uint64_t deadline_ns);

/* Sleep at least ns, blocking (the vCPU is idle meanwhile). */
void sleep_ns(uint64_t ns);

/* Block until cond(arg) holds or timeout_ns passes; true if it held.
 * Uses this vCPU's singleshot timer. */
bool wait_for(bool (*cond)(void *arg), void *arg, uint64_t timeout_ns);

#endif
