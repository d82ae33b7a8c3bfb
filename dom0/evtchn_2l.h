/*
 * The 2-level event-channel delivery, on a guest's shared_info and
 * vcpu_info wherever they are mapped. xenolithd and Dom0 programs both
 * deliver into the same guest memory, so both use these, with atomics.
 */
#ifndef XENOLITH_EVTCHN_2L_H
#define XENOLITH_EVTCHN_2L_H

#include <stdbool.h>

#include "include/xen_public.h"

#define EVTCHN_2L_PORTS EVTCHN_2L_NR_CHANNELS
#define EVTCHN_2L_WORD_BITS (sizeof(xen_ulong_t) * 8)

/* Marks port pending and, unless it is masked, flags the vCPU (vi may be
 * NULL when the vCPU has no vcpu_info yet). Returns true when
 * evtchn_upcall_pending went from 0 to 1: the caller injects the upcall. */
bool evtchn_2l_set_pending(struct shared_info *si, struct vcpu_info *vi, unsigned port);

/* Clears the mask; returns true when a pending port must be re-delivered
 * (the caller then calls evtchn_2l_redeliver). */
bool evtchn_2l_unmask(struct shared_info *si, unsigned port);
/* Flags an already pending, unmasked port on the vCPU; same return. */
bool evtchn_2l_redeliver(struct vcpu_info *vi, unsigned port);

bool evtchn_2l_is_pending(const struct shared_info *si, unsigned port);
bool evtchn_2l_is_masked(const struct shared_info *si, unsigned port);
void evtchn_2l_clear_pending(struct shared_info *si, unsigned port);

#endif
