#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <asm/bootparam.h>

#include "hypervisor/evtchn.h"
#include "hypervisor/gnttab.h"
#include "hypervisor/hc_memory.h"
#include "hypervisor/hv.h"
#include "hypervisor/hypercall.h"

/* XENMEM_memory_map hands out E820 entries; Linux's UAPI names that
 * layout (struct boot_e820_entry), Xen's public headers do not. */
static int64_t memory_map(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->d;
    struct xen_memory_map m;
    if (copy_from_guest(v, &m, arg, sizeof(m)))
        return -EFAULT;
    unsigned n = m.nr_entries < d->memmap_entries ? m.nr_entries : d->memmap_entries;
    uint64_t buf = (uint64_t)(uintptr_t)m.buffer.p;
    for (unsigned i = 0; i < n; i++) {
        struct boot_e820_entry e = {
            .addr = d->memmap[i].addr, .size = d->memmap[i].size, .type = d->memmap[i].type,
        };
        if (copy_to_guest(v, buf + i * sizeof(e), &e, sizeof(e)))
            return -EFAULT;
    }
    m.nr_entries = n;
    return copy_to_guest(v, arg, &m, sizeof(m));
}

static int64_t reservation(struct vcpu *v, uint64_t arg, bool current)
{
    domid_t domid;
    if (copy_from_guest(v, &domid, arg, sizeof(domid)))
        return -EFAULT;
    if (!is_self(v, domid))
        return -EPERM;
    struct domain *d = v->d;
    pthread_mutex_lock(&d->lock);
    uint64_t pages = current ? balloon_current(&d->balloon)
                             : (d->max_memory_kib << 10) / GUEST_PAGE_SIZE;
    pthread_mutex_unlock(&d->lock);
    return (int64_t)pages;
}

/* Room for the pages xenolithd itself writes into guest RAM. */
#define RESERVED_MAX (2 + GNTTAB_MAX_FRAMES + HV_MAX_VCPUS)

/* Pages a guest must not give back: the hypervisor writes to them.
 * Caller holds hv.evtchn_lock, hv.gnttab_lock and d->lock. */
static unsigned reserved_gfns(struct domain *d, uint64_t *out)
{
    unsigned n = 0;
    if (d->shared_info_gpa)
        out[n++] = d->shared_info_gpa / GUEST_PAGE_SIZE;
    if (d->hypercall_page_gpa)
        out[n++] = d->hypercall_page_gpa / GUEST_PAGE_SIZE;
    for (unsigned i = 0; i < d->gnt_nr_frames && i < GNTTAB_MAX_FRAMES; i++)
        if (gnttab_frame_in_ram(d, i, &out[n]))
            n++;
    for (uint32_t i = 0; i < d->nr_vcpus && n < RESERVED_MAX; i++)
        if (d->vcpus[i].vcpu_info_gpa)
            out[n++] = d->vcpus[i].vcpu_info_gpa / GUEST_PAGE_SIZE;
    return n;
}

static void lock_memory(struct domain *d)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    pthread_mutex_lock(&hv.gnttab_lock);
    pthread_mutex_lock(&d->lock);
}

static void unlock_memory(struct domain *d)
{
    pthread_mutex_unlock(&d->lock);
    pthread_mutex_unlock(&hv.gnttab_lock);
    pthread_mutex_unlock(&hv.evtchn_lock);
}

/* Extents are read and handled this many at a time, under one lock. */
#define EXTENT_BATCH 64

/* Punches [first, first + pages) of the memory file. */
static int punch(struct domain *d, uint64_t first, uint64_t pages)
{
    if (!pages ||
        fallocate(d->mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)(first * GUEST_PAGE_SIZE), (off_t)(pages * GUEST_PAGE_SIZE)) == 0)
        return 0;
    return -errno;
}

/*
 * The guest hands extents back: each must be RAM it has, none a page
 * xenolithd writes to or Dom0 has mapped. Their part of the memory file
 * becomes a hole, so the host gets the memory back at once; a later read
 * sees zeroes. Returns the number of extents released, as Xen does,
 * stopping at the first one refused. Runs of neighbouring pages are
 * punched with one call: each punch makes KVM drop its mappings, which is
 * what costs.
 */
static int64_t decrease_reservation(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->d;
    struct xen_memory_reservation r;
    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (!is_self(v, r.domid))
        return -EPERM;
    if (r.extent_order > BALLOON_MAX_ORDER)
        return 0;
    uint64_t list = (uint64_t)(uintptr_t)r.extent_start.p;
    uint64_t per = 1ull << r.extent_order;
    uint64_t reserved[RESERVED_MAX];
    uint64_t done = 0;
    bool stop = false;
    while (!stop && done < r.nr_extents) {
        xen_pfn_t gfns[EXTENT_BATCH];
        uint64_t n = r.nr_extents - done < EXTENT_BATCH ? r.nr_extents - done : EXTENT_BATCH;
        if (copy_from_guest(v, gfns, list + done * sizeof(gfns[0]), n * sizeof(gfns[0]))) {
            /* Part of the list may still be readable: one at a time. */
            n = 1;
            if (copy_from_guest(v, gfns, list + done * sizeof(gfns[0]), sizeof(gfns[0])))
                break;
        }
        lock_memory(d);
        unsigned nres = reserved_gfns(d, reserved);
        uint64_t run_first = 0, run_pages = 0, k = 0, run_k = 0;
        for (; k < n; k++) {
            uint64_t gfn = gfns[k], index = 0;
            int rc = balloon_check_release(&d->balloon, &d->ram, gfn, r.extent_order, reserved,
                                           nres);
            for (uint64_t i = 0; rc == 0 && i < per; i++)
                if (gnttab_frame_mapped(d, gfn + i))
                    rc = -EBUSY;
            if (rc == 0 && !balloon_gfn_index(&d->ram, gfn, &index))
                rc = -EINVAL;
            if (rc == 0 && run_pages && index != run_first + run_pages) {
                rc = punch(d, run_first, run_pages);
                if (rc == 0)
                    run_pages = 0;
            }
            if (rc)
                break;
            if (!run_pages) {
                run_first = index;
                run_k = k;
            }
            balloon_mark(&d->balloon, &d->ram, gfn, r.extent_order, true);
            run_pages += per;
        }
        stop = k < n;
        if (punch(d, run_first, run_pages) < 0) {
            stop = true;
            for (uint64_t j = run_k; j < k; j++)
                balloon_mark(&d->balloon, &d->ram, gfns[j], r.extent_order, false);
            k = run_k;
        }
        done += k;
        unlock_memory(d);
    }
    return (int64_t)done;
}

/* Extents the guest handed back become its RAM again (already zeroes:
 * holes read as such), up to its maximum. Other GFNs are refused: there
 * is no RAM to add beyond the domain's memory map. */
static int64_t populate_physmap(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->d;
    struct xen_memory_reservation r;
    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (!is_self(v, r.domid))
        return -EPERM;
    uint64_t list = (uint64_t)(uintptr_t)r.extent_start.p;
    uint64_t done = 0;
    for (; done < r.nr_extents; done++) {
        xen_pfn_t gfn;
        if (copy_from_guest(v, &gfn, list + done * sizeof(gfn), sizeof(gfn)))
            break;
        pthread_mutex_lock(&d->lock);
        uint64_t max_pages = (d->max_memory_kib << 10) / GUEST_PAGE_SIZE;
        int rc = balloon_check_populate(&d->balloon, &d->ram, gfn, r.extent_order, max_pages);
        if (rc == 0)
            balloon_mark(&d->balloon, &d->ram, gfn, r.extent_order, false);
        pthread_mutex_unlock(&d->lock);
        if (rc)
            break;
    }
    return (int64_t)done;
}

int memory_set_max(struct domain *d, uint64_t max_kib, char *err, size_t errlen)
{
    if (max_kib < 1024 || max_kib > (UINT64_MAX >> 11)) {
        snprintf(err, errlen, "maximum memory of domain %u must be at least 1 MiB, not %llu KiB",
                 d->domid, (unsigned long long)max_kib);
        return -EINVAL;
    }
    /* As Xen: a maximum below what the domain has is allowed; it keeps
     * its pages, but cannot populate any until it is below again. */
    pthread_mutex_lock(&d->lock);
    d->max_memory_kib = max_kib;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

/* The page of RAM at gpfn becomes shared_info, as the frame Xen maps
 * there replaces what the guest had; what the domain's shared_info held
 * until now (the private page, or the previous place) moves with it. */
static int64_t place_shared_info(struct vcpu *v, uint64_t gpa)
{
    struct domain *d = v->d;
    pthread_mutex_lock(&hv.evtchn_lock);
    pthread_mutex_lock(&d->lock);
    struct shared_info *old = shared_info_of(d);
    struct shared_info *si = guest_ram_ptr(&d->ram, gpa, GUEST_PAGE_SIZE);
    if (old != si)
        memcpy(si, old, GUEST_PAGE_SIZE);
    d->shared_info_gpa = gpa;
    pthread_mutex_unlock(&d->lock);
    evtchn_publish_locations_locked(d);
    pthread_mutex_unlock(&hv.evtchn_lock);
    for (uint32_t i = 0; i < d->nr_vcpus; i++)
        vcpu_update_time(&d->vcpus[i]);
    return 0;
}

static int64_t add_to_physmap(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->d;
    struct xen_add_to_physmap x;
    if (copy_from_guest(v, &x, arg, sizeof(x)))
        return -EFAULT;
    if (!is_self(v, x.domid))
        return -EPERM;
    if (x.space == XENMAPSPACE_grant_table)
        return gnttab_place_frame(d, x.idx, x.gpfn);
    if (x.space != XENMAPSPACE_shared_info)
        return -ENOSYS;
    if (x.idx != 0)
        return -EINVAL;
    uint64_t gpa = (uint64_t)x.gpfn * GUEST_PAGE_SIZE;
    if (x.gpfn > (UINT64_MAX >> 12) || !guest_ram_contains(&d->ram, gpa, GUEST_PAGE_SIZE))
        return -EINVAL;
    return place_shared_info(v, gpa);
}

int64_t hc_memory_op(struct vcpu *v, const uint64_t a[5])
{
    switch (a[0]) {
    case XENMEM_decrease_reservation:
        return decrease_reservation(v, a[1]);
    case XENMEM_populate_physmap:
        return populate_physmap(v, a[1]);
    case XENMEM_memory_map:
        return memory_map(v, a[1]);
    case XENMEM_current_reservation:
        return reservation(v, a[1], true);
    case XENMEM_maximum_reservation:
        return reservation(v, a[1], false);
    case XENMEM_add_to_physmap:
        return add_to_physmap(v, a[1]);
    default:
        return -ENOSYS;
    }
}
