/*
 * Hypercall dispatch. A handler gets the calling vCPU and the five
 * argument registers and returns what goes into the guest's rax.
 * doc/hypercalls.md is the contract each handler keeps.
 */
#ifndef XENOLITH_HYPERCALL_H
#define XENOLITH_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/domain.h"

typedef int64_t (*hypercall_fn)(struct vcpu *v, const uint64_t a[5]);

/* Reads the arguments from the synced registers, runs the handler and
 * writes the result back. */
void hypercall_dispatch(struct vcpu *v, uint32_t nr);

/*
 * Has the guest make hypercall nr again with arguments a (Xen's
 * continuation): a handler that did part of a long job calls it and
 * returns, the vCPU goes back into the guest, where an interrupt may be
 * taken and a pause or destroy may stop it, and the stub's trap comes
 * back for the rest. The trap exit leaves rip on the stub's `out`, after
 * `mov $nr,%eax`; rip goes back to the mov. False, and nothing changed,
 * when the call did not come from a hypercall-page stub.
 */
bool hypercall_continue(struct vcpu *v, uint32_t nr, const uint64_t a[5]);

/* Guest virtual memory of the calling vCPU: 0 or -EFAULT. */
int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);

int64_t hc_xen_version(struct vcpu *v, const uint64_t a[5]);
int64_t hc_console_io(struct vcpu *v, const uint64_t a[5]);
int64_t hc_sched_op(struct vcpu *v, const uint64_t a[5]);
int64_t hc_memory_op(struct vcpu *v, const uint64_t a[5]);
int64_t hc_hvm_op(struct vcpu *v, const uint64_t a[5]);
int64_t hc_vcpu_op(struct vcpu *v, const uint64_t a[5]);
int64_t hc_event_channel_op(struct vcpu *v, const uint64_t a[5]);
int64_t hc_grant_table_op(struct vcpu *v, const uint64_t a[5]);
int64_t hc_set_timer_op(struct vcpu *v, const uint64_t a[5]);

/* A domid argument naming the caller itself. */
static inline int is_self(const struct vcpu *v, uint32_t domid)
{
    return domid == DOMID_SELF || domid == v->d->domid;
}

#endif
