/*
 * Grant tables, v1. The table is in the frames the guest placed with
 * XENMAPSPACE_grant_table: pages of its RAM, or pages of xenolithd's
 * shown outside RAM; xenolithd checks entries, keeps
 * count of Dom0's mappings of each, and sets GTF_reading/GTF_writing
 * while any exist, so the guest cannot end access under a mapping.
 * All state is guarded by hv.gnttab_lock.
 */
#ifndef XENOLITH_GNTTAB_H
#define XENOLITH_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "hypervisor/domain.h"

enum gnttab_frame_where {
    GNT_FRAME_NOWHERE,     /* not placed yet: its own page, which only we see */
    GNT_FRAME_RAM,         /* a page of the guest's RAM is the frame */
    GNT_FRAME_OUTSIDE_RAM, /* its own page, shown at a frame outside RAM */
};

/* XENMAPSPACE_grant_table: frame idx appears at gpfn, and the table grows
 * to idx + 1 frames if it had fewer (as in Xen, frames need not come in
 * order). In RAM the page becomes the frame, its contents kept. Outside
 * RAM the frame is a page of xenolithd's (zeroes at first, and kept while
 * the frame moves from one place outside RAM to another), mapped there
 * through a KVM slot (physmap_slot.h); the frame must then lie within the
 * guest's physical address width, not on the platform's pages at
 * 0xfec00000-4 GiB, not on another frame. 0, -EINVAL, or -ENOMEM. */
int gnttab_place_frame(struct domain *d, uint64_t idx, uint64_t gpfn);
/* Where frame idx is placed; false while it is not. gnttab_lock held. */
bool gnttab_frame_gpfn(struct domain *d, unsigned idx, uint64_t *gpfn);
/* The same, for a frame placed in RAM only. gnttab_lock held. */
bool gnttab_frame_in_ram(struct domain *d, unsigned idx, uint64_t *gpfn);
void gnttab_domain_teardown(struct domain *d);

/* Checks that entry ref of d grants `to` the access asked for and takes a
 * mapping of it: *gpa is the page. A GNTST_* status. */
int16_t gnttab_map(struct domain *d, uint32_t ref, uint32_t to, bool readonly, uint64_t *gpa);
/* Drops one mapping taken by gnttab_map. GNTST_okay or GNTST_bad_handle. */
int16_t gnttab_unmap(struct domain *d, uint32_t ref, bool readonly);

/* Whether Dom0 has a mapping of page gfn through some entry (the
 * balloon must not take such a page): one look-up in the index by frame,
 * which holds the frame each entry's mappings are of since its first
 * (gnttab_map refuses a second one once the guest has pointed the entry
 * elsewhere). Caller holds hv.gnttab_lock. */
bool gnttab_frame_mapped(struct domain *d, uint64_t gfn);

/* One side of a copy: a page of the caller's own, or a granted ref. */
struct gnttab_side {
    bool is_ref;
    uint32_t domid;     /* owner of the ref */
    uint64_t ref_or_gpfn;
    uint16_t offset;
};
/* Copies len bytes between two sides on behalf of domain `caller`
 * (0 = Dom0; then a non-ref side is invalid and the caller passes host
 * buffers instead). A GNTST_* status. */
int16_t gnttab_copy(struct domain *caller_dom, uint32_t caller, const struct gnttab_side *src,
                    const struct gnttab_side *dst, uint16_t len, const void *src_buf,
                    void *dst_buf);

#endif
