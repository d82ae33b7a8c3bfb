#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

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

/* A memory_op's command carries, above its low bits, the extent a
 * continuation starts at: the split Xen uses (its MEMOP_EXTENT_SHIFT,
 * which is not in the public headers). */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1ull << MEMOP_EXTENT_SHIFT) - 1)

/* Extents are read this many at a time ... */
#define EXTENT_BATCH 64
/* ... and at most this many pages checked and handed back per hold of
 * the locks (the global ones only while checking), so that no guest's
 * list holds up another domain's events or the privcmd loop; ... */
#define HOLD_PAGES 4096
/* ... and at most this many per trap: the rest is a continuation. */
#define TRAP_PAGES (64 * 1024)

int memory_guard(struct domain *d, uint64_t first, uint64_t pages, bool present)
{
    if (!pages || !d->kvm_view ||
        mprotect(d->kvm_view + first * GUEST_PAGE_SIZE, pages * GUEST_PAGE_SIZE,
                 present ? PROT_READ | PROT_WRITE : PROT_NONE) == 0)
        return 0;
    return -errno;
}

/* Takes [first, first + pages) of the memory file from the guest: KVM's
 * view denies it first, so the guest cannot bring a page back between
 * the hole and the denial, then the hole gives the host its memory. */
static int hand_back(struct domain *d, uint64_t first, uint64_t pages)
{
    int rc = memory_guard(d, first, pages, false);
    if (rc)
        memory_guard(d, first, pages, true); /* a failed mprotect may have done part */
    if (rc || !pages)
        return rc;
    if (fallocate(d->mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)(first * GUEST_PAGE_SIZE), (off_t)(pages * GUEST_PAGE_SIZE)) == 0)
        return 0;
    rc = -errno;
    memory_guard(d, first, pages, true);
    return rc;
}

/* Has the guest make the memory_op again from extent `next`, or, when
 * the call did not come through a stub, says how many were done. */
static int64_t continue_from(struct vcpu *v, uint32_t op, uint64_t next, const uint64_t a[5])
{
    const uint64_t rest[5] = {op | next << MEMOP_EXTENT_SHIFT, a[1], a[2], a[3], a[4]};
    return hypercall_continue(v, __HYPERVISOR_memory_op, rest) ? 0 : (int64_t)next;
}

/* Reads extents [done, done + n) of the list, or as many as can be read
 * one at a time when part of it is not mapped. */
static uint64_t read_extents(struct vcpu *v, uint64_t list, uint64_t done, uint64_t n,
                             xen_pfn_t *gfns)
{
    if (!copy_from_guest(v, gfns, list + done * sizeof(gfns[0]), n * sizeof(gfns[0])))
        return n;
    return copy_from_guest(v, gfns, list + done * sizeof(gfns[0]), sizeof(gfns[0])) ? 0 : 1;
}

/* Checks and marks extents gfns[0..n) out, under every lock that the
 * pages the hypervisor writes to and Dom0's mappings are kept under;
 * returns how many, stopping at the first refused. */
static uint64_t mark_released(struct domain *d, const xen_pfn_t *gfns, uint64_t n,
                              unsigned order)
{
    uint64_t reserved[RESERVED_MAX], per = 1ull << order, k = 0;
    unsigned nres = reserved_gfns(d, reserved);
    for (; k < n; k++) {
        int rc = balloon_check_release(&d->balloon, &d->ram, gfns[k], order, reserved, nres);
        for (uint64_t i = 0; rc == 0 && i < per; i++)
            if (gnttab_frame_mapped(d, gfns[k] + i))
                rc = -EBUSY;
        if (rc)
            break;
        balloon_mark(&d->balloon, &d->ram, gfns[k], order, true);
    }
    return k;
}

/* Hands back extents gfns[0..n), already marked out, in runs of
 * neighbouring pages (each hole makes KVM drop its mappings, which is
 * what costs); returns how many are out when one fails, the rest being
 * marked back in. d->lock held. */
static uint64_t release_marked(struct domain *d, const xen_pfn_t *gfns, uint64_t n, unsigned order)
{
    uint64_t per = 1ull << order, run_first = 0, run_pages = 0, run_k = 0, k = 0;
    for (; k <= n; k++) {
        uint64_t index = 0;
        if (k < n)
            balloon_gfn_index(&d->ram, gfns[k], &index);
        if (k < n && run_pages && index == run_first + run_pages) {
            run_pages += per;
            continue;
        }
        if (hand_back(d, run_first, run_pages) < 0)
            break;
        run_first = index;
        run_pages = per;
        run_k = k;
    }
    if (k > n)
        return n;
    for (uint64_t j = run_k; j < n; j++)
        balloon_mark(&d->balloon, &d->ram, gfns[j], order, false);
    return run_k;
}

/*
 * The guest hands extents back: each must be RAM it has, none a page
 * xenolithd writes to or Dom0 has mapped. Their part of the memory file
 * becomes a hole, so the host gets the memory back at once, and KVM's
 * view of it denies access until the guest populates it again (a guest
 * that touches it is crashed, vcpu.c). Returns the number of extents
 * released, as Xen does, stopping at the first one refused; a long list
 * is taken TRAP_PAGES at a time, with a continuation from the extent
 * reached (cmd's high bits, as Xen encodes it).
 */
static int64_t decrease_reservation(struct vcpu *v, const uint64_t a[5])
{
    struct domain *d = v->d;
    struct xen_memory_reservation r;
    uint64_t done = a[0] >> MEMOP_EXTENT_SHIFT;
    if (copy_from_guest(v, &r, a[1], sizeof(r)))
        return -EFAULT;
    if (!is_self(v, r.domid))
        return -EPERM;
    if (r.extent_order > BALLOON_MAX_ORDER || done >= r.nr_extents ||
        r.nr_extents > (UINT64_MAX >> MEMOP_EXTENT_SHIFT))
        return (int64_t)done;
    uint64_t list = (uint64_t)(uintptr_t)r.extent_start.p;
    uint64_t per = 1ull << r.extent_order, batch = HOLD_PAGES / per, budget = TRAP_PAGES;
    if (batch > EXTENT_BATCH)
        batch = EXTENT_BATCH;
    while (done < r.nr_extents) {
        if (budget < per)
            return continue_from(v, XENMEM_decrease_reservation, done, a);
        xen_pfn_t gfns[EXTENT_BATCH];
        uint64_t n = r.nr_extents - done < batch ? r.nr_extents - done : batch;
        if (n > budget / per)
            n = budget / per;
        uint64_t got = read_extents(v, list, done, n, gfns);
        if (!got)
            break;
        pthread_mutex_lock(&hv.evtchn_lock);
        pthread_mutex_lock(&hv.gnttab_lock);
        pthread_mutex_lock(&d->lock);
        uint64_t k = mark_released(d, gfns, got, r.extent_order);
        /* Marked out, no page can be mapped by Dom0 or placed by the
         * guest any more: the global locks can go. */
        pthread_mutex_unlock(&hv.gnttab_lock);
        pthread_mutex_unlock(&hv.evtchn_lock);
        uint64_t out = release_marked(d, gfns, k, r.extent_order);
        pthread_mutex_unlock(&d->lock);
        done += out;
        budget -= out * per;
        if (out < got)
            break;
    }
    return (int64_t)done;
}

/* Extents the guest handed back become its RAM again (already zeroes:
 * holes read as such), up to its maximum, and KVM's view lets the guest
 * at them. Other GFNs are refused: there is no RAM to add beyond the
 * domain's memory map. Long lists continue as decrease_reservation's. */
static int64_t populate_physmap(struct vcpu *v, const uint64_t a[5])
{
    struct domain *d = v->d;
    struct xen_memory_reservation r;
    uint64_t done = a[0] >> MEMOP_EXTENT_SHIFT;
    if (copy_from_guest(v, &r, a[1], sizeof(r)))
        return -EFAULT;
    if (!is_self(v, r.domid))
        return -EPERM;
    if (done >= r.nr_extents || r.nr_extents > (UINT64_MAX >> MEMOP_EXTENT_SHIFT))
        return (int64_t)done;
    uint64_t list = (uint64_t)(uintptr_t)r.extent_start.p;
    uint64_t per = 1ull << (r.extent_order > BALLOON_MAX_ORDER ? 0 : r.extent_order);
    uint64_t budget = TRAP_PAGES;
    for (; done < r.nr_extents; done++) {
        if (budget < per)
            return continue_from(v, XENMEM_populate_physmap, done, a);
        budget -= per;
        xen_pfn_t gfn;
        if (copy_from_guest(v, &gfn, list + done * sizeof(gfn), sizeof(gfn)))
            break;
        pthread_mutex_lock(&d->lock);
        uint64_t max_pages = (d->max_memory_kib << 10) / GUEST_PAGE_SIZE, index = 0;
        int rc = balloon_check_populate(&d->balloon, &d->ram, gfn, r.extent_order, max_pages);
        if (rc == 0 && balloon_gfn_index(&d->ram, gfn, &index))
            rc = memory_guard(d, index, per, true);
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
    switch (a[0] & MEMOP_CMD_MASK) {
    case XENMEM_decrease_reservation:
        return decrease_reservation(v, a);
    case XENMEM_populate_physmap:
        return populate_physmap(v, a);
    }
    switch (a[0]) {
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
