#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hypervisor/auto_eoi.h"
#include "hypervisor/evtchn.h"
#include "hypervisor/hv.h"
#include "hypervisor/upcall.h"
#include "include/guest_abi.h"

int upcall_init(struct domain *d)
{
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = &d->vcpus[i];
        v->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (v->irqfd < 0)
            return -errno;
        /* Until a vector is set the GSI has no route and a signal is
         * dropped by KVM; events stay pending in the guest's memory. */
        struct kvm_irqfd irqfd = {.fd = (uint32_t)v->irqfd, .gsi = UPCALL_GSI_BASE + i};
        if (ioctl(d->vm_fd, KVM_IRQFD, &irqfd) < 0)
            return -errno;
    }
    return 0;
}

uint8_t upcall_vector_of(struct vcpu *v)
{
    return v->upcall_vector ? v->upcall_vector : v->d->callback_vector;
}

/* The global vector is delivered without EOI, as Xen does; a vCPU's own
 * vector is an ordinary LAPIC interrupt that the guest EOIs. */
static uint8_t auto_eoi_wanted(struct vcpu *v)
{
    return v->upcall_vector ? 0 : v->d->callback_vector;
}

/* What the vCPU's GSI is routed to now: its vector once KVM delivers it
 * the way the guest expects. Until the vCPU thread has set that up
 * (upcall_apply_auto_eoi), 0: raised upcalls stay pending in the guest's
 * memory, so none can arrive in service and block the rest. */
static uint8_t routed_vector(struct vcpu *v)
{
    uint8_t vec = upcall_vector_of(v);
    if (!vec || !hv.auto_eoi || v->auto_eoi_vector == auto_eoi_wanted(v))
        return vec;
    if (!v->auto_eoi_stale) {
        __atomic_store_n(&v->auto_eoi_stale, true, __ATOMIC_RELEASE);
        pthread_mutex_lock(&v->d->lock);
        vcpu_kick_locked(v);
        pthread_mutex_unlock(&v->d->lock);
    }
    return 0;
}

/* KVM's own default routes for the legacy GSIs, kept because a routing
 * update replaces the whole table. */
static unsigned legacy_routes(struct kvm_irq_routing_entry *e)
{
    unsigned n = 0;
    for (uint32_t gsi = 0; gsi < 24; gsi++) {
        if (gsi < 16) {
            e[n++] = (struct kvm_irq_routing_entry){
                .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
                .u.irqchip = {.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
                              .pin = gsi % 8},
            };
        }
        e[n++] = (struct kvm_irq_routing_entry){
            .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = {.irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi},
        };
    }
    return n;
}

int upcall_update_routes(struct domain *d)
{
    /* 40 legacy routes, one per vCPU, one for the raw doorbell. */
    size_t max = 40 + d->nr_vcpus + 1;
    struct kvm_irq_routing *r = calloc(1, sizeof(*r) + max * sizeof(r->entries[0]));
    if (!r)
        return -ENOMEM;
    unsigned n = legacy_routes(r->entries);
    uint8_t routed[d->nr_vcpus];
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        uint8_t vec = routed[i] = routed_vector(&d->vcpus[i]);
        if (!vec)
            continue;
        /* Fixed delivery, edge, physical destination = the vCPU's APIC id
         * (KVM numbers LAPICs by vCPU id). */
        r->entries[n++] = (struct kvm_irq_routing_entry){
            .gsi = UPCALL_GSI_BASE + i, .type = KVM_IRQ_ROUTING_MSI,
            .u.msi = {.address_lo = 0xfee00000u | (i << 12), .address_hi = 0, .data = vec},
        };
    }
    if (d->raw_fds[1] >= 0)
        r->entries[n++] = (struct kvm_irq_routing_entry){
            .gsi = RAW_DOORBELL_GSI, .type = KVM_IRQ_ROUTING_MSI,
            .u.msi = {.address_lo = 0xfee00000u, .data = XENOLITH_RAW_VECTOR},
        };
    r->nr = n;
    int rc = ioctl(d->vm_fd, KVM_SET_GSI_ROUTING, r) < 0 ? -errno : 0;
    free(r);
    if (rc)
        return rc;

    evtchn_ctl_begin(d);
    for (uint32_t i = 0; i < d->nr_vcpus && i < EVTCHN_CTL_MAX_VCPUS; i++)
        d->ctl->vcpu[i].vector = routed[i];
    evtchn_ctl_end(d);

    /* Events that arrived while there was no vector. */
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct vcpu_info *vi = vcpu_info_of(&d->vcpus[i]);
        if (routed[i] && vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
            upcall_raise(&d->vcpus[i]);
    }
    return 0;
}

void upcall_apply_auto_eoi(struct vcpu *v)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    __atomic_store_n(&v->auto_eoi_stale, false, __ATOMIC_RELEASE);
    uint8_t want = auto_eoi_wanted(v);
    int rc = 0;
    if (want != v->auto_eoi_vector) {
        rc = auto_eoi_set(v->fd, want);
        if (rc == 0)
            v->auto_eoi_vector = want;
    }
    if (rc == 0)
        rc = upcall_update_routes(v->d);
    pthread_mutex_unlock(&hv.evtchn_lock);
    if (rc)
        domain_crash(v->d, "vCPU %u: cannot set up upcall vector %#x: %s", v->id, want,
                     strerror(-rc));
}

void upcall_raise(struct vcpu *v)
{
    uint64_t one = 1;
    if (upcall_vector_of(v))
        (void)!write(v->irqfd, &one, sizeof(one));
    (void)!write(v->wake_fd, &one, sizeof(one));
}
