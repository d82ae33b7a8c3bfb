/*
 * Event channels (2-level): guests' ports, Dom0's ports (held by Dom0
 * programs over the privcmd socket), binding, closing and delivery.
 * Every table is guarded by hv.evtchn_lock; functions named _locked want
 * it held, the rest take it.
 */
#ifndef XENOLITH_EVTCHN_H
#define XENOLITH_EVTCHN_H

#include <stdint.h>

#include "hypervisor/domain.h"
#include "include/privcmd_abi.h" /* DOM0_EVTCHN_PORTS */

/* Setting up and tearing down a domain's ports and evtchn_ctl. */
int evtchn_domain_init(struct domain *d);
void evtchn_domain_teardown(struct domain *d);
/* Rewrites where shared_info and every vcpu_info are, for Dom0 programs. */
void evtchn_publish_locations_locked(struct domain *d);
void evtchn_ctl_begin(struct domain *d);
void evtchn_ctl_end(struct domain *d);
/* Puts the doorbell bitmap into a freshly written hypercall page. */
void evtchn_hypercall_page_placed_locked(struct domain *d, uint64_t gpa);

/* Guest operations, returning 0 or a negative Xen errno. */
int evtchn_alloc_unbound(struct domain *d, uint32_t remote_dom, uint32_t *port);
int evtchn_bind_interdomain(struct domain *d, uint32_t remote_dom, uint32_t remote_port,
                            uint32_t *port);
int evtchn_bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu, uint32_t *port);
int evtchn_bind_ipi(struct domain *d, uint32_t vcpu, uint32_t *port);
int evtchn_close(struct domain *d, uint32_t port);
int evtchn_send(struct domain *d, uint32_t port);
int evtchn_status(struct domain *d, evtchn_status_t *st);
int evtchn_bind_vcpu(struct domain *d, uint32_t port, uint32_t vcpu);
int evtchn_unmask(struct domain *d, uint32_t port);
int evtchn_reset(struct domain *d);
/* true when the port is pending (SCHEDOP_poll). */
bool evtchn_is_pending(struct domain *d, uint32_t port);

/* Raises a per-vCPU VIRQ (VIRQ_TIMER) if the guest bound it. */
void evtchn_raise_virq(struct vcpu *v, uint32_t virq);
/* Raises a Dom0 VIRQ (VIRQ_DOM_EXC) on every Dom0 port bound to it. */
void evtchn_raise_dom0_virq(uint32_t virq);

/* Dom0 operations for the privcmd server. owner is the connection the
 * port belongs to; *efd receives the eventfd Dom0 reads for guest sends
 * (the caller passes it on and closes its copy). */
int dom0_evtchn_bind_interdomain(void *owner, uint32_t dom, uint32_t remote_port,
                                 uint32_t *port, int *efd);
int dom0_evtchn_bind_unbound(void *owner, uint32_t dom, uint32_t *port, int *efd);
int dom0_evtchn_bind_virq(void *owner, uint32_t virq, uint32_t *port, int *efd);
int dom0_evtchn_unbind(void *owner, uint32_t port);
/* Dom0 -> guest through xenolithd (the library's own path skips this). */
int dom0_evtchn_notify(void *owner, uint32_t port);
/* What a Dom0 port leads to: the guest and its port (0 when unbound). */
int dom0_evtchn_peer(void *owner, uint32_t port, uint32_t *dom, uint32_t *guest_port);
void dom0_evtchn_release_owner(void *owner);

#endif
