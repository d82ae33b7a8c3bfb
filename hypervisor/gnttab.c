#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/gnttab.h"
#include "hypervisor/hv.h"

int gnttab_place_frame(struct domain *d, uint64_t idx, uint64_t gpfn)
{
    if (idx >= GNTTAB_MAX_FRAMES || gpfn > (UINT64_MAX >> 12))
        return -EINVAL;
    uint64_t gpa = gpfn * GUEST_PAGE_SIZE;
    if (!guest_ram_contains(&d->ram, gpa, GUEST_PAGE_SIZE))
        return -EINVAL;
    pthread_mutex_lock(&hv.gnttab_lock);
    int rc = 0;
    if (idx > d->gnt_nr_frames) {
        rc = -EINVAL; /* frames come in order */
    } else {
        if (!d->gnt_ro_maps) {
            d->gnt_ro_maps = calloc(GNTTAB_MAX_ENTRIES, sizeof(uint16_t));
            d->gnt_rw_maps = calloc(GNTTAB_MAX_ENTRIES, sizeof(uint16_t));
            if (!d->gnt_ro_maps || !d->gnt_rw_maps)
                rc = -ENOMEM;
        }
        if (rc == 0) {
            d->gnt_frame_gpa[idx] = gpa;
            if (idx == d->gnt_nr_frames)
                d->gnt_nr_frames++;
        }
    }
    pthread_mutex_unlock(&hv.gnttab_lock);
    return rc;
}

void gnttab_domain_teardown(struct domain *d)
{
    pthread_mutex_lock(&hv.gnttab_lock);
    free(d->gnt_ro_maps);
    free(d->gnt_rw_maps);
    d->gnt_ro_maps = d->gnt_rw_maps = NULL;
    d->gnt_nr_frames = 0;
    pthread_mutex_unlock(&hv.gnttab_lock);
}

static grant_entry_v1_t *entry_of(struct domain *d, uint32_t ref)
{
    if (ref >= d->gnt_nr_frames * GNTTAB_ENTRIES_PER_FRAME)
        return NULL;
    uint8_t *frame = guest_ram_ptr(&d->ram, d->gnt_frame_gpa[ref / GNTTAB_ENTRIES_PER_FRAME],
                                   GUEST_PAGE_SIZE);
    return frame ? (grant_entry_v1_t *)frame + ref % GNTTAB_ENTRIES_PER_FRAME : NULL;
}

bool gnttab_frame_mapped(struct domain *d, uint64_t gfn)
{
    if (!d->gnt_ro_maps || !d->gnt_rw_maps)
        return false;
    uint32_t n = d->gnt_nr_frames * GNTTAB_ENTRIES_PER_FRAME;
    for (uint32_t ref = 0; ref < n; ref++) {
        if (!d->gnt_ro_maps[ref] && !d->gnt_rw_maps[ref])
            continue;
        grant_entry_v1_t *e = entry_of(d, ref);
        if (e && __atomic_load_n(&e->frame, __ATOMIC_SEQ_CST) == gfn)
            return true;
    }
    return false;
}

/* Reads an entry once (the guest may change it under us) and checks it
 * grants `to` the access asked for. */
static int16_t check_entry(struct domain *d, grant_entry_v1_t *e, uint32_t to, bool readonly,
                           uint64_t *gpa)
{
    uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_SEQ_CST);
    uint16_t domid = __atomic_load_n(&e->domid, __ATOMIC_SEQ_CST);
    uint32_t frame = __atomic_load_n(&e->frame, __ATOMIC_SEQ_CST);
    if ((flags & GTF_type_mask) != GTF_permit_access || domid != to)
        return GNTST_permission_denied;
    if (!readonly && (flags & GTF_readonly))
        return GNTST_permission_denied;
    uint64_t addr = (uint64_t)frame * GUEST_PAGE_SIZE;
    if (!guest_ram_contains(&d->ram, addr, GUEST_PAGE_SIZE))
        return GNTST_bad_page;
    *gpa = addr;
    return GNTST_okay;
}

/* The mapped flags follow the counts: set while any mapping exists. */
static void update_flags(grant_entry_v1_t *e, uint16_t ro, uint16_t rw)
{
    uint16_t want = (ro || rw ? GTF_reading : 0) | (rw ? GTF_writing : 0);
    uint16_t old = __atomic_load_n(&e->flags, __ATOMIC_SEQ_CST);
    uint16_t new;
    do {
        new = (uint16_t)((old & ~(GTF_reading | GTF_writing)) | want);
    } while (!__atomic_compare_exchange_n(&e->flags, &old, new, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
}

int16_t gnttab_map(struct domain *d, uint32_t ref, uint32_t to, bool readonly, uint64_t *gpa)
{
    pthread_mutex_lock(&hv.gnttab_lock);
    int16_t st;
    grant_entry_v1_t *e = entry_of(d, ref);
    if (!e) {
        st = GNTST_bad_gntref;
    } else if ((st = check_entry(d, e, to, readonly, gpa)) == GNTST_okay) {
        uint16_t *count = readonly ? &d->gnt_ro_maps[ref] : &d->gnt_rw_maps[ref];
        if (*count == UINT16_MAX) {
            st = GNTST_no_space;
        } else {
            (*count)++;
            update_flags(e, d->gnt_ro_maps[ref], d->gnt_rw_maps[ref]);
            /* The guest may have revoked the entry between our check and
             * the flags going up; Xen re-checks the same way. */
            uint64_t again;
            if (check_entry(d, e, to, readonly, &again) != GNTST_okay || again != *gpa) {
                (*count)--;
                update_flags(e, d->gnt_ro_maps[ref], d->gnt_rw_maps[ref]);
                st = GNTST_permission_denied;
            }
        }
    }
    pthread_mutex_unlock(&hv.gnttab_lock);
    return st;
}

int16_t gnttab_unmap(struct domain *d, uint32_t ref, bool readonly)
{
    pthread_mutex_lock(&hv.gnttab_lock);
    int16_t st = GNTST_bad_handle;
    grant_entry_v1_t *e = entry_of(d, ref);
    uint16_t *count = e ? (readonly ? &d->gnt_ro_maps[ref] : &d->gnt_rw_maps[ref]) : NULL;
    if (count && *count) {
        (*count)--;
        update_flags(e, d->gnt_ro_maps[ref], d->gnt_rw_maps[ref]);
        st = GNTST_okay;
    }
    pthread_mutex_unlock(&hv.gnttab_lock);
    return st;
}

/* Host pointer for one side of a copy, checked; takes the lock held. */
static int16_t side_ptr(struct domain *caller_dom, uint32_t caller, const struct gnttab_side *s,
                        bool write, uint16_t len, uint8_t **p)
{
    if ((uint32_t)s->offset + len > GUEST_PAGE_SIZE)
        return GNTST_bad_copy_arg;
    if (!s->is_ref) {
        if (!caller_dom)
            return GNTST_general_error;
        uint8_t *page = s->ref_or_gpfn > (UINT64_MAX >> 12)
            ? NULL : guest_ram_ptr(&caller_dom->ram, s->ref_or_gpfn * GUEST_PAGE_SIZE, GUEST_PAGE_SIZE);
        if (!page)
            return GNTST_bad_page;
        *p = page + s->offset;
        return GNTST_okay;
    }
    struct domain *owner = s->domid == DOMID_SELF && caller_dom ? caller_dom : hv_domain_find(s->domid);
    if (!owner || owner->dying)
        return GNTST_bad_domain;
    grant_entry_v1_t *e = entry_of(owner, (uint32_t)s->ref_or_gpfn);
    if (!e || s->ref_or_gpfn > UINT32_MAX)
        return GNTST_bad_gntref;
    uint64_t gpa;
    int16_t st = check_entry(owner, e, caller, !write, &gpa);
    if (st != GNTST_okay)
        return st;
    *p = (uint8_t *)guest_ram_ptr(&owner->ram, gpa, GUEST_PAGE_SIZE) + s->offset;
    return GNTST_okay;
}

int16_t gnttab_copy(struct domain *caller_dom, uint32_t caller, const struct gnttab_side *src,
                    const struct gnttab_side *dst, uint16_t len, const void *src_buf,
                    void *dst_buf)
{
    pthread_mutex_lock(&hv.gnttab_lock);
    uint8_t *from = (uint8_t *)src_buf, *to = dst_buf;
    int16_t st = GNTST_okay;
    if (!from)
        st = side_ptr(caller_dom, caller, src, false, len, &from);
    if (st == GNTST_okay && !to)
        st = side_ptr(caller_dom, caller, dst, true, len, &to);
    if (st == GNTST_okay)
        memmove(to, from, len);
    pthread_mutex_unlock(&hv.gnttab_lock);
    return st;
}
