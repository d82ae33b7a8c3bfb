#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hypervisor/gnttab.h"
#include "hypervisor/hv.h"
#include "hypervisor/physmap_slot.h"

/* Below 4 GiB from here up: the I/O APIC, the local APIC, the special
 * pages, KVM's own TSS and identity-map pages. No grant frame goes there. */
#define PLATFORM_PAGES_GPA 0xfec00000ull

static int alloc_tables(struct domain *d)
{
    if (!d->gnt_ro_maps)
        d->gnt_ro_maps = calloc(GNTTAB_MAX_ENTRIES, sizeof(uint16_t));
    if (!d->gnt_rw_maps)
        d->gnt_rw_maps = calloc(GNTTAB_MAX_ENTRIES, sizeof(uint16_t));
    if (!d->gnt_pinned)
        d->gnt_pinned = calloc(GNTTAB_MAX_ENTRIES, sizeof(uint32_t));
    if (!d->gnt_frame_refs)
        d->gnt_frame_refs = calloc(d->ram.size / GUEST_PAGE_SIZE + 1, sizeof(uint16_t));
    if (!d->gnt_own) {
        void *p = mmap(NULL, GNTTAB_MAX_FRAMES * GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        d->gnt_own = p == MAP_FAILED ? NULL : p;
    }
    return d->gnt_ro_maps && d->gnt_rw_maps && d->gnt_pinned && d->gnt_frame_refs && d->gnt_own
        ? 0 : -ENOMEM;
}

/* A frame outside RAM: inside the guest's physical address width, not on
 * the platform's pages, not where another frame is. */
static bool free_frame_outside_ram(struct domain *d, uint64_t idx, uint64_t gpa)
{
    if (hv.guest_phys_bits < 32 || hv.guest_phys_bits > 63 ||
        gpa > (1ull << hv.guest_phys_bits) - GUEST_PAGE_SIZE)
        return false;
    if (gpa >= PLATFORM_PAGES_GPA && gpa < GUEST_RAM_HIGH_BASE)
        return false;
    for (unsigned i = 0; i < d->gnt_nr_frames; i++)
        if (i != idx && d->gnt_frame_where[i] == GNT_FRAME_OUTSIDE_RAM &&
            d->gnt_frame_gpa[i] == gpa)
            return false;
    return true;
}

int gnttab_place_frame(struct domain *d, uint64_t idx, uint64_t gpfn)
{
    if (idx >= GNTTAB_MAX_FRAMES || gpfn > (UINT64_MAX >> 12))
        return -EINVAL;
    uint64_t gpa = gpfn * GUEST_PAGE_SIZE;
    bool in_ram = guest_ram_contains(&d->ram, gpa, GUEST_PAGE_SIZE);
    pthread_mutex_lock(&hv.gnttab_lock);
    int rc = alloc_tables(d);
    bool was_outside = d->gnt_frame_where[idx] == GNT_FRAME_OUTSIDE_RAM;
    if (rc == 0 && !in_ram && !free_frame_outside_ram(d, idx, gpa))
        rc = -EINVAL;
    /* The frame's own page moves with one slot update; into RAM, the
     * slot goes and the RAM page is the frame. */
    if (rc == 0 && !in_ram)
        rc = physmap_slot_set(d, PHYSMAP_SLOT_GNTTAB + (unsigned)idx, gpa,
                              d->gnt_own + idx * GUEST_PAGE_SIZE);
    else if (rc == 0 && was_outside)
        rc = physmap_slot_set(d, PHYSMAP_SLOT_GNTTAB + (unsigned)idx, 0, NULL);
    if (rc == -EEXIST)
        rc = -EINVAL; /* KVM has something of its own there */
    if (rc == 0) {
        d->gnt_frame_gpa[idx] = gpa;
        d->gnt_frame_where[idx] = in_ram ? GNT_FRAME_RAM : GNT_FRAME_OUTSIDE_RAM;
        /* As Xen, the table grows to whatever frame is placed. */
        if (idx >= d->gnt_nr_frames)
            d->gnt_nr_frames = (unsigned)idx + 1;
    }
    pthread_mutex_unlock(&hv.gnttab_lock);
    return rc;
}

bool gnttab_frame_gpfn(struct domain *d, unsigned idx, uint64_t *gpfn)
{
    if (idx >= d->gnt_nr_frames || d->gnt_frame_where[idx] == GNT_FRAME_NOWHERE)
        return false;
    *gpfn = d->gnt_frame_gpa[idx] / GUEST_PAGE_SIZE;
    return true;
}

bool gnttab_frame_in_ram(struct domain *d, unsigned idx, uint64_t *gpfn)
{
    return idx < GNTTAB_MAX_FRAMES && d->gnt_frame_where[idx] == GNT_FRAME_RAM &&
           gnttab_frame_gpfn(d, idx, gpfn);
}

void gnttab_domain_teardown(struct domain *d)
{
    pthread_mutex_lock(&hv.gnttab_lock);
    free(d->gnt_ro_maps);
    free(d->gnt_rw_maps);
    free(d->gnt_pinned);
    free(d->gnt_frame_refs);
    d->gnt_ro_maps = d->gnt_rw_maps = NULL;
    d->gnt_pinned = NULL;
    d->gnt_frame_refs = NULL;
    /* KVM may still have slots on these pages; an unmapped page is only
     * dropped from them, and the VM goes next. */
    if (d->gnt_own)
        munmap(d->gnt_own, GNTTAB_MAX_FRAMES * GUEST_PAGE_SIZE);
    d->gnt_own = NULL;
    d->gnt_nr_frames = 0;
    memset(d->gnt_frame_where, 0, sizeof(d->gnt_frame_where));
    pthread_mutex_unlock(&hv.gnttab_lock);
}

static grant_entry_v1_t *entry_of(struct domain *d, uint32_t ref)
{
    if (ref >= d->gnt_nr_frames * GNTTAB_ENTRIES_PER_FRAME)
        return NULL;
    unsigned idx = ref / GNTTAB_ENTRIES_PER_FRAME;
    uint8_t *frame = d->gnt_frame_where[idx] == GNT_FRAME_RAM
        ? guest_ram_ptr(&d->ram, d->gnt_frame_gpa[idx], GUEST_PAGE_SIZE)
        : d->gnt_own + idx * GUEST_PAGE_SIZE;
    return frame ? (grant_entry_v1_t *)frame + ref % GNTTAB_ENTRIES_PER_FRAME : NULL;
}

/* The page of RAM a frame is, in file order; false for the special
 * pages, which are no RAM the guest can give back. */
static bool frame_page(struct domain *d, uint64_t gfn, uint64_t *page)
{
    return balloon_gfn_index(&d->ram, gfn, page);
}

bool gnttab_frame_mapped(struct domain *d, uint64_t gfn)
{
    uint64_t page;
    return d->gnt_frame_refs && frame_page(d, gfn, &page) && d->gnt_frame_refs[page];
}

/* The entry's first mapping pins its frame; its last unpins it. */
static void pin(struct domain *d, uint32_t ref, uint64_t gpa, bool on)
{
    uint64_t page;
    if (on)
        d->gnt_pinned[ref] = (uint32_t)(gpa / GUEST_PAGE_SIZE);
    if (frame_page(d, d->gnt_pinned[ref], &page))
        d->gnt_frame_refs[page] += on ? 1 : -1;
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
        bool first = !d->gnt_ro_maps[ref] && !d->gnt_rw_maps[ref];
        if (*count == UINT16_MAX) {
            st = GNTST_no_space;
        } else if (!first && *gpa != (uint64_t)d->gnt_pinned[ref] * GUEST_PAGE_SIZE) {
            /* Mapped already, and the guest has pointed the entry
             * elsewhere since: every mapping of an entry is of one frame. */
            st = GNTST_permission_denied;
        } else {
            (*count)++;
            if (first)
                pin(d, ref, *gpa, true);
            update_flags(e, d->gnt_ro_maps[ref], d->gnt_rw_maps[ref]);
            /* The guest may have revoked the entry between our check and
             * the flags going up; Xen re-checks the same way. */
            uint64_t again;
            if (check_entry(d, e, to, readonly, &again) != GNTST_okay || again != *gpa) {
                (*count)--;
                if (first)
                    pin(d, ref, *gpa, false);
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
        if (!d->gnt_ro_maps[ref] && !d->gnt_rw_maps[ref])
            pin(d, ref, 0, false);
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
    struct domain *owner = s->domid == DOMID_SELF && caller_dom ? caller_dom : domain_find(s->domid);
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
