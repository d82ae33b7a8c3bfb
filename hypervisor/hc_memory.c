#include "config.h"

#include <errno.h>
#include <string.h>

#include <asm/bootparam.h>

#include "hypervisor/evtchn.h"
#include "hypervisor/gnttab.h"
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
    return (int64_t)((current ? v->d->ram.size : v->d->max_memory_kib << 10) / GUEST_PAGE_SIZE);
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
