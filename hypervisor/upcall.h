/*
 * Event upcalls: each vCPU has an eventfd that KVM turns into an MSI for
 * that vCPU's upcall vector (an irqfd), so xenolithd's threads and Dom0
 * programs alike raise an upcall with one write and no trip through a
 * vCPU thread. A vCPU's GSI is routed only once KVM delivers its vector
 * as the guest expects (auto_eoi.h); until then upcalls wait in the
 * guest's memory and are raised when the route is set.
 */
#ifndef XENOLITH_UPCALL_H
#define XENOLITH_UPCALL_H

#include <stdint.h>

#include "hypervisor/domain.h"

/* GSIs 0-23 keep KVM's IOAPIC/PIC routes; vCPU n's upcall is GSI 24+n. */
#define UPCALL_GSI_BASE 24
/* The benchmark floor's irqfd (privcmd RAW_DOORBELL), past every vCPU's. */
#define RAW_DOORBELL_GSI (UPCALL_GSI_BASE + 128)

int upcall_init(struct domain *d);
/* The vector the vCPU's upcalls use now, 0 when none is set. */
uint8_t upcall_vector_of(struct vcpu *v);
/* Re-routes every vCPU after a vector changed and publishes the vectors
 * in evtchn_ctl; raises upcalls that were waiting for a vector. Caller
 * holds hv.evtchn_lock. 0 or -errno. */
int upcall_update_routes(struct domain *d);
/* On the vCPU's own thread, outside KVM_RUN, when v->auto_eoi_stale:
 * has KVM deliver the vCPU's vector the way the guest expects (without
 * EOI for the global one, auto_eoi.h) and routes it. Takes
 * hv.evtchn_lock; crashes the domain if KVM refuses. */
void upcall_apply_auto_eoi(struct vcpu *v);
/* Injects the upcall (when a vector is set) and wakes a vCPU waiting in
 * xenolithd (SCHEDOP_poll). */
void upcall_raise(struct vcpu *v);

#endif
