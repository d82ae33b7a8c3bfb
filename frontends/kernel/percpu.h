/*
 * Per-vCPU state. Each vCPU's GS base points at its own struct percpu,
 * whose first field points back at it, so `mov %gs:0` finds it in one
 * instruction from any context, interrupt handlers included. The kernel
 * never enters ring 3 with a user GS, so no swapgs is needed.
 */
#ifndef FRONTENDS_KERNEL_PERCPU_H
#define FRONTENDS_KERNEL_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "include/xen_public.h"

/* The most vCPUs the kernel drives; each has a vcpu_info in shared_info
 * (XEN_LEGACY_MAX_VCPUS of them), so none needs registering. */
#define MAX_VCPUS 8
_Static_assert(MAX_VCPUS <= XEN_LEGACY_MAX_VCPUS,
	       "every vCPU's vcpu_info lives in shared_info");

struct percpu {
	struct percpu *self;	/* at %gs:0 */
	unsigned id;
	struct vcpu_info *vi;
	volatile bool online;
	/* No upcall vector of its own: events come on the domain's
	 * HVM_PARAM_CALLBACK_IRQ vector (smp.c picks the last vCPU). */
	bool global_callback;

	/* Event channels the kernel keeps bound for this vCPU. */
	evtchn_port_t timer_port;	/* VIRQ_TIMER */
	evtchn_port_t call_port;	/* IPI: work for this vCPU, or a wake-up */

	/* Counters the tests read; written only by this vCPU. */
	volatile uint64_t upcalls;		/* upcall vectors taken */
	volatile uint64_t callback_upcalls;	/* of those, the global one */
	volatile uint64_t timer_events;		/* VIRQ_TIMER handled */
	volatile uint64_t last_timer_ns;	/* pvclock when it was */
	volatile uint64_t stray_events;		/* ports without a handler */
	volatile uint64_t call_events;
	volatile uint64_t boots;		/* times ap_main started */
	volatile long upcall_vector_rc;		/* its HVMOP on this vCPU */

	/* One piece of work at a time, posted by another vCPU (smp.c). */
	void (*volatile work_fn)(void *arg);
	void *volatile work_arg;
	volatile uint32_t work_seq;	/* bumped by the poster */
	volatile uint32_t done_seq;	/* set to work_seq when it ran */
	volatile unsigned work_from;	/* who to wake when done */
};

extern struct percpu percpu[MAX_VCPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline unsigned this_cpu_id(void)
{
	return this_cpu()->id;
}

/* Point this vCPU's GS base at percpu[id]. */
void percpu_init(unsigned id);

#endif
