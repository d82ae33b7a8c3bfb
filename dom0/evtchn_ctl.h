/*
 * Where a guest's event-channel state lives, published by xenolithd for
 * the Dom0 programs that deliver events to the guest themselves (without
 * a trip through xenolithd: they set the pending bits and signal the
 * vCPU's irqfd). It sits in the domain's memory file after the guest's
 * RAM, with a private shared_info page that stands in until the guest
 * maps its own:
 *
 *   [ guest RAM | private shared_info page | evtchn_ctl (2 pages) |
 *     special pages (16: the guest's ring pages, at GPA 0xfeff0000) ]
 *
 * Readers follow the sequence count: odd means an update is under way;
 * a reader that saw it change delivers again (setting bits is idempotent).
 */
#ifndef XENOLITH_EVTCHN_CTL_H
#define XENOLITH_EVTCHN_CTL_H

#include <stdint.h>

#include "dom0/evtchn_2l.h"

#define EVTCHN_CTL_MAX_VCPUS 128
#define EVTCHN_CTL_NONE UINT64_MAX
#define XEN_AREA_SPECIAL_PAGE 3 /* the first special page, in pages after RAM */
#define XEN_AREA_PAGES (XEN_AREA_SPECIAL_PAGE + 16)

struct evtchn_ctl_vcpu {
    uint64_t vcpu_info_off; /* offset in the memory file, or EVTCHN_CTL_NONE */
    uint32_t vector;        /* upcall vector, 0 until the guest set one */
    uint32_t pad;
};

struct evtchn_ctl {
    uint32_t seq;
    uint32_t nr_vcpus;
    uint64_t shared_info_off; /* always valid: private page or the guest's */
    struct evtchn_ctl_vcpu vcpu[EVTCHN_CTL_MAX_VCPUS];
    uint8_t notify_vcpu[EVTCHN_2L_PORTS]; /* vCPU ids are below EVTCHN_CTL_MAX_VCPUS */
};

_Static_assert(sizeof(struct evtchn_ctl) <= 2 * 4096, "evtchn_ctl fits its two pages");

#endif
