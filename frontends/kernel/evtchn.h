/*
 * Event channels, the 2-level ABI: pending and mask bitmaps in
 * shared_info, a selector word and the upcall flag in each vcpu_info,
 * and an upcall vector per vCPU through its local APIC.
 *
 * The kernel runs with interrupts off; upcalls come in while a vCPU
 * waits in evtchn_block() (the hypercall stub's `sti; hlt`), or in an
 * irq_window(). Port handlers run in the upcall, on the vCPU the port
 * is bound to, with interrupts off; they must not block or print.
 */
#ifndef FRONTENDS_KERNEL_EVTCHN_H
#define FRONTENDS_KERNEL_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include "include/xen_public.h"

/* The per-vCPU vector (HVMOP_set_evtchn_upcall_vector) and the one the
 * tests try through HVM_PARAM_CALLBACK_IRQ; both run the same upcall. */
#define EVTCHN_UPCALL_VECTOR 0xe0
#define EVTCHN_CALLBACK_VECTOR 0xe1

#define EVTCHN_NR_PORTS EVTCHN_2L_NR_CHANNELS

/* Handlers are kept for the low ports only: enough for every channel a
 * kernel of this size binds, and the table stays small to clear at
 * boot. An event on a port without a handler is counted and dropped. */
#define EVTCHN_HANDLED_PORTS 1024

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);

/* On the calling vCPU: take the upcall vectors' interrupts and, with
 * own_vector, ask for this vCPU's own (without it the vCPU relies on the
 * domain's HVM_PARAM_CALLBACK_IRQ). Returns the hypercall's result. */
long evtchn_init_cpu(bool own_vector);

/* HVM_PARAM_CALLBACK_IRQ = vector type, EVTCHN_CALLBACK_VECTOR. */
long evtchn_set_callback_param(void);

/* The operations of event_channel_op; each returns the hypercall's
 * result and, on success, records which vCPU the new port notifies so
 * that only that vCPU's upcall handles it. */
long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
			     evtchn_port_t *port);
long evtchn_bind_virq(uint32_t virq, unsigned vcpu, evtchn_port_t *port);
long evtchn_bind_ipi(unsigned vcpu, evtchn_port_t *port);
long evtchn_bind_vcpu(evtchn_port_t port, unsigned vcpu);
long evtchn_close(evtchn_port_t port);
/* A port the toolstack allocated in this domain before it booted (the
 * XenStore and console ports of HVM_PARAM_*_EVTCHN): no hypercall, only
 * the kernel's bookkeeping. Such a port notifies vCPU 0, as every
 * interdomain port does until evtchn_bind_vcpu moves it. */
void evtchn_adopt(evtchn_port_t port);
long evtchn_send(evtchn_port_t port);
long evtchn_status(evtchn_port_t port, struct evtchn_status *st);
/* Closes every port; the kernel's own bindings are gone afterwards
 * until smp_restore_kernel_ports(). */
long evtchn_reset(void);

/* The guest-side halves of masking: mask is a bit in shared_info (no
 * hypercall exists); unmask asks the hypervisor, which re-delivers a
 * pending port. */
void evtchn_mask(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);
bool evtchn_is_masked(evtchn_port_t port);
bool evtchn_is_pending(evtchn_port_t port);
void evtchn_clear_pending(evtchn_port_t port);

/* Route events on port to fn(port, arg); false past
 * EVTCHN_HANDLED_PORTS. NULL removes the handler. */
bool evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn, void *arg);

/* Which vCPU's upcall handles the port (as far as this kernel bound it). */
unsigned evtchn_port_vcpu(evtchn_port_t port);

/* Wait on this vCPU for an interrupt: SCHEDOP_block through its stub,
 * then interrupts off again. Returns the hypercall's result. Without an
 * event or a timer on the way this waits for good. */
long evtchn_block(void);

/* The upcall itself, for the vectors that deliver events. */
void evtchn_upcall(unsigned vector);

/* Set vcpu's upcall vector (HVMOP_set_evtchn_upcall_vector). */
long evtchn_set_upcall_vector(unsigned vcpu, uint8_t vector);

/* Forget every port's handler and owner: after EVTCHNOP_reset. */
void evtchn_forget_all(void);

#endif
