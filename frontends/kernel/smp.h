/*
 * Secondary vCPUs. They are brought up on demand (by the tests that want
 * them), not at boot, so a one-vCPU test run pays nothing. Each runs
 * ap_main: its own LAPIC, upcall vector, timer and call port, then a
 * loop that runs work posted to it by another vCPU and otherwise blocks.
 */
#ifndef FRONTENDS_KERNEL_SMP_H
#define FRONTENDS_KERNEL_SMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/xen_public.h"
#include <xen/hvm/hvm_vcpu.h>

#include "kernel/percpu.h"

/* vCPUs the domain has: VCPUOP_is_up until -ENOENT (counted once). */
unsigned smp_vcpu_count(void);

/* How many of them this kernel drives (at most MAX_VCPUS). */
unsigned smp_usable_vcpus(void);

/* The context a secondary starts from: 64-bit mode, the kernel's page
 * tables and control registers, its own stack, RDI = its percpu. */
void smp_fill_context(unsigned cpu, struct vcpu_hvm_context *ctx);

/* Bring every usable secondary up (those already up stay); returns the
 * number of vCPUs online, vCPU 0 included. On a failure it says why in
 * why[] and stops there. */
unsigned smp_start(char *why, size_t len);

/* vCPU hotplug (from vCPU 0): bring one secondary up, first time or
 * again, or have it take itself down. False with the reason in why[]. */
bool smp_cpu_up(unsigned cpu, char *why, size_t len);
bool smp_cpu_down(unsigned cpu, char *why, size_t len);

/* Bind cpu's VIRQ_TIMER and call port (from any vCPU). */
long smp_bind_kernel_ports(unsigned cpu);

/* After EVTCHNOP_reset or garbage hypercalls: every online vCPU gets its
 * upcall vector and kernel ports again. Returns the first error. */
long smp_restore_kernel_ports(void);

/* Wake cpu: an event on its call port. */
long smp_kick(unsigned cpu);

/* Run fn(arg) on cpu (which must be online and not the caller); post
 * and wait may be split to run something on both at once. */
bool smp_call_post(unsigned cpu, void (*fn)(void *arg), void *arg);
bool smp_call_wait(unsigned cpu, uint64_t timeout_ns);
bool smp_call(unsigned cpu, void (*fn)(void *arg), void *arg,
	      uint64_t timeout_ns);

/* The C entry of a secondary (from arch/ap_boot.S). */
__attribute__((noreturn)) void ap_main(struct percpu *c);

#endif
