#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hypervisor/evtchn.h"
#include "hypervisor/hypercall_page.h"
#include "hypervisor/hv.h"
#include "hypervisor/log.h"
#include "hypervisor/upcall.h"
#include "include/guest_abi.h"

/* Ports a domain's vCPU may be notified on; VIRQs that are per vCPU. */
static bool virq_is_per_vcpu(uint32_t virq)
{
    return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
           virq == VIRQ_XENPMU;
}

void evtchn_ctl_begin(struct domain *d)
{
    __atomic_fetch_add(&d->ctl->seq, 1, __ATOMIC_SEQ_CST);
}

void evtchn_ctl_end(struct domain *d)
{
    __atomic_fetch_add(&d->ctl->seq, 1, __ATOMIC_SEQ_CST);
}

/* Offsets in the memory file of a pointer into RAM or the Xen area. */
static uint64_t file_offset(struct domain *d, const void *p)
{
    return p ? (uint64_t)((const uint8_t *)p - d->ram.hva) : EVTCHN_CTL_NONE;
}

void evtchn_publish_locations_locked(struct domain *d)
{
    evtchn_ctl_begin(d);
    d->ctl->shared_info_off = file_offset(d, shared_info_of(d));
    for (uint32_t i = 0; i < d->nr_vcpus && i < EVTCHN_CTL_MAX_VCPUS; i++)
        d->ctl->vcpu[i].vcpu_info_off = file_offset(d, vcpu_info_of(&d->vcpus[i]));
    evtchn_ctl_end(d);
}

int evtchn_domain_init(struct domain *d)
{
    int rc = evtchn_table_init(&d->evtchn, EVTCHN_2L_PORTS);
    if (rc)
        return rc;
    d->ctl = (struct evtchn_ctl *)(d->xen_area + GUEST_PAGE_SIZE);
    d->ctl->nr_vcpus = d->nr_vcpus;
    pthread_mutex_lock(&hv.evtchn_lock);
    evtchn_publish_locations_locked(d);
    pthread_mutex_unlock(&hv.evtchn_lock);
    return 0;
}

/* The domain a guest names, self included; NULL when there is none. */
static struct domain *domain_named(struct domain *self, uint32_t domid)
{
    if (domid == DOMID_SELF || domid == self->domid)
        return self;
    struct domain *d = domain_find(domid);
    return d && !d->dying ? d : NULL;
}

static void write_doorbell_bitmap_locked(struct domain *d)
{
    if (!d->hypercall_page_gpa)
        return;
    uint8_t *page = guest_ram_ptr(&d->ram, d->hypercall_page_gpa, HYPERCALL_PAGE_SIZE);
    if (page)
        memcpy(page + HYPERCALL_DOORBELL_BITMAP_OFF, d->doorbell_bitmap, sizeof(d->doorbell_bitmap));
}

void evtchn_hypercall_page_placed_locked(struct domain *d, uint64_t gpa)
{
    d->hypercall_page_gpa = gpa;
    write_doorbell_bitmap_locked(d);
}

/* A guest port bound to a Dom0 port becomes an in-kernel doorbell: the
 * hypercall page's EVTCHNOP_send writes it to the doorbell port and KVM
 * signals the Dom0 program's eventfd directly. The page has room to mark
 * the low ports only; the others go through the ordinary trap. */
static void doorbell_set_locked(struct domain *d, uint32_t port, bool on)
{
    if (port >= HYPERCALL_DOORBELL_PORTS)
        return;
    int efd = hv.dom0_port_efd[d->evtchn.ports[port].remote_port];
    struct kvm_ioeventfd io = {
        .datamatch = port, .addr = XENOLITH_DOORBELL_PORT, .len = 4, .fd = efd,
        .flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH |
                 (on ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
    };
    if (ioctl(d->vm_fd, KVM_IOEVENTFD, &io) < 0) {
        hv_log("domain %u: cannot %s the doorbell for port %u: %s", d->domid,
               on ? "set" : "clear", port, strerror(errno));
        return;
    }
    uint8_t bit = (uint8_t)(1u << (port % 8));
    if (on)
        d->doorbell_bitmap[port / 8] |= bit;
    else
        d->doorbell_bitmap[port / 8] &= (uint8_t)~bit;
    write_doorbell_bitmap_locked(d);
}

static void set_notify_vcpu_locked(struct domain *d, uint32_t port, uint32_t vcpu)
{
    d->evtchn.ports[port].vcpu = (uint16_t)vcpu;
    evtchn_ctl_begin(d);
    d->ctl->notify_vcpu[port] = (uint8_t)vcpu;
    evtchn_ctl_end(d);
}

/* Delivery into a guest port: pending bit, selector, upcall. */
static void set_pending_locked(struct domain *d, uint32_t port)
{
    struct vcpu *v = &d->vcpus[d->evtchn.ports[port].vcpu];
    if (evtchn_2l_set_pending(shared_info_of(d), vcpu_info_of(v), port))
        upcall_raise(v);
    else
        (void)!write(v->wake_fd, &(uint64_t){1}, sizeof(uint64_t)); /* SCHEDOP_poll */
}

static void dom0_signal(uint32_t dom0_port)
{
    (void)!write(hv.dom0_port_efd[dom0_port], &(uint64_t){1}, sizeof(uint64_t));
}

/* Ends one side of an interdomain link: the peer waits for us again. */
static void unlink_peer_locked(struct domain *d, struct evtchn_port *p)
{
    if (p->remote_dom == 0) {
        struct evtchn_port *dp = evtchn_table_get(&hv.dom0_evtchn, p->remote_port);
        if (dp && dp->state == EVTCHNSTAT_interdomain) {
            dp->state = EVTCHNSTAT_unbound;
            dp->remote_dom = (uint16_t)d->domid;
            dp->remote_port = 0;
        }
        return;
    }
    struct domain *r = p->remote_dom == d->domid ? d : domain_find(p->remote_dom);
    struct evtchn_port *rp = r ? evtchn_table_get(&r->evtchn, p->remote_port) : NULL;
    if (rp && rp->state == EVTCHNSTAT_interdomain) {
        rp->state = EVTCHNSTAT_unbound;
        rp->remote_dom = (uint16_t)d->domid;
        rp->remote_port = 0;
    }
}

static int close_locked(struct domain *d, uint32_t port)
{
    struct evtchn_port *p = evtchn_table_get(&d->evtchn, port);
    if (!p)
        return -EINVAL;
    switch (p->state) {
    case EVTCHNSTAT_closed:
        return 0;
    case EVTCHNSTAT_interdomain:
        if (p->remote_dom == 0)
            doorbell_set_locked(d, port, false);
        unlink_peer_locked(d, p);
        break;
    case EVTCHNSTAT_virq:
        if (virq_is_per_vcpu(p->remote_port))
            d->vcpus[p->vcpu].virq_port[p->remote_port] = 0;
        else
            d->global_virq_port[p->remote_port] = 0;
        break;
    default:
        break;
    }
    /* A stale event must not surface on the port's next binding. */
    evtchn_2l_clear_pending(shared_info_of(d), port);
    evtchn_table_release(&d->evtchn, port);
    set_notify_vcpu_locked(d, port, 0);
    return 0;
}

void evtchn_domain_teardown(struct domain *d)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    for (uint32_t p = 1; p < d->evtchn.nr_ports; p++)
        close_locked(d, p);
    evtchn_table_free(&d->evtchn);
    pthread_mutex_unlock(&hv.evtchn_lock);
}

int evtchn_alloc_unbound(struct domain *d, uint32_t remote_dom, uint32_t *port)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc;
    uint32_t rdom = remote_dom == DOMID_SELF ? d->domid : remote_dom;
    if (rdom != 0 && !domain_named(d, rdom))
        rc = -ESRCH;
    else
        rc = evtchn_table_alloc(&d->evtchn);
    if (rc > 0) {
        d->evtchn.ports[rc].remote_dom = (uint16_t)rdom;
        set_notify_vcpu_locked(d, (uint32_t)rc, 0);
        *port = (uint32_t)rc;
        rc = 0;
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int evtchn_bind_interdomain(struct domain *d, uint32_t remote_dom, uint32_t remote_port,
                            uint32_t *port)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc = 0;
    uint32_t rdom = remote_dom == DOMID_SELF ? d->domid : remote_dom;
    struct evtchn_port *rp;
    if (rdom == 0) {
        rp = evtchn_table_get(&hv.dom0_evtchn, remote_port);
    } else {
        struct domain *r = domain_named(d, rdom);
        if (!r) {
            rc = -ESRCH;
            goto out;
        }
        rp = evtchn_table_get(&r->evtchn, remote_port);
    }
    if (!rp || rp->state != EVTCHNSTAT_unbound || rp->remote_dom != d->domid) {
        rc = -EINVAL;
        goto out;
    }
    int lp = evtchn_table_alloc(&d->evtchn);
    if (lp < 0) {
        rc = lp;
        goto out;
    }
    /* The lookup above may have pointed into our own table (loopback);
     * allocation does not move it. */
    rp->state = EVTCHNSTAT_interdomain;
    rp->remote_dom = (uint16_t)d->domid;
    rp->remote_port = (uint32_t)lp;
    struct evtchn_port *p = &d->evtchn.ports[lp];
    p->state = EVTCHNSTAT_interdomain;
    p->remote_dom = (uint16_t)rdom;
    p->remote_port = remote_port;
    set_notify_vcpu_locked(d, (uint32_t)lp, 0);
    if (rdom == 0)
        doorbell_set_locked(d, (uint32_t)lp, true);
    *port = (uint32_t)lp;
out:
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int evtchn_bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu, uint32_t *port)
{
    if (virq >= NR_VIRQS)
        return -EINVAL;
    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    bool per_vcpu = virq_is_per_vcpu(virq);
    if (!per_vcpu && vcpu != 0)
        return -EINVAL;
    pthread_mutex_lock(&hv.evtchn_lock);
    uint16_t *slot = per_vcpu ? &d->vcpus[vcpu].virq_port[virq] : &d->global_virq_port[virq];
    int rc = *slot ? -EEXIST : evtchn_table_alloc(&d->evtchn);
    if (rc > 0) {
        d->evtchn.ports[rc].state = EVTCHNSTAT_virq;
        d->evtchn.ports[rc].remote_port = virq;
        set_notify_vcpu_locked(d, (uint32_t)rc, vcpu);
        *slot = (uint16_t)rc;
        *port = (uint32_t)rc;
        rc = 0;
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int evtchn_bind_ipi(struct domain *d, uint32_t vcpu, uint32_t *port)
{
    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc = evtchn_table_alloc(&d->evtchn);
    if (rc > 0) {
        d->evtchn.ports[rc].state = EVTCHNSTAT_ipi;
        set_notify_vcpu_locked(d, (uint32_t)rc, vcpu);
        *port = (uint32_t)rc;
        rc = 0;
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int evtchn_close(struct domain *d, uint32_t port)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc = close_locked(d, port);
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int evtchn_send(struct domain *d, uint32_t port)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc = 0;
    struct evtchn_port *p = evtchn_table_get(&d->evtchn, port);
    if (!p) {
        rc = -EINVAL;
    } else if (p->state == EVTCHNSTAT_interdomain) {
        if (p->remote_dom == 0) {
            dom0_signal(p->remote_port);
        } else {
            struct domain *r = p->remote_dom == d->domid ? d : domain_find(p->remote_dom);
            if (r && !r->dying)
                set_pending_locked(r, p->remote_port);
        }
    } else if (p->state == EVTCHNSTAT_ipi) {
        set_pending_locked(d, port);
    } else if (p->state != EVTCHNSTAT_unbound) {
        /* Unbound: dropped with success, as Xen does. A frontend may
         * notify before its backend has bound (the console's first line
         * often does); the backend looks at the ring once it binds. */
        rc = -EINVAL;
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int evtchn_status(struct domain *d, evtchn_status_t *st)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc = 0;
    struct evtchn_port *p = evtchn_table_get(&d->evtchn, st->port);
    if (!p) {
        rc = -EINVAL;
        goto out;
    }
    st->status = p->state == EVTCHN_STATE_RESERVED ? EVTCHNSTAT_closed : p->state;
    st->vcpu = p->vcpu;
    memset(&st->u, 0, sizeof(st->u));
    switch (p->state) {
    case EVTCHNSTAT_unbound:
        st->u.unbound.dom = p->remote_dom;
        break;
    case EVTCHNSTAT_interdomain:
        st->u.interdomain.dom = p->remote_dom;
        st->u.interdomain.port = p->remote_port;
        break;
    case EVTCHNSTAT_virq:
        st->u.virq = p->remote_port;
        break;
    }
out:
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int evtchn_bind_vcpu(struct domain *d, uint32_t port, uint32_t vcpu)
{
    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc = 0;
    struct evtchn_port *p = evtchn_table_get(&d->evtchn, port);
    if (!p || !(p->state == EVTCHNSTAT_unbound || p->state == EVTCHNSTAT_interdomain ||
                (p->state == EVTCHNSTAT_virq && !virq_is_per_vcpu(p->remote_port))))
        rc = -EINVAL;
    else
        set_notify_vcpu_locked(d, port, vcpu);
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int evtchn_unmask(struct domain *d, uint32_t port)
{
    if (port == 0 || port >= EVTCHN_2L_PORTS)
        return -EINVAL;
    pthread_mutex_lock(&hv.evtchn_lock);
    struct vcpu *v = &d->vcpus[d->evtchn.ports[port].vcpu];
    if (evtchn_2l_unmask(shared_info_of(d), port) &&
        evtchn_2l_redeliver(vcpu_info_of(v), port))
        upcall_raise(v);
    pthread_mutex_unlock(&hv.evtchn_lock);
    return 0;
}

int evtchn_reset(struct domain *d)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    for (uint32_t p = 1; p < d->evtchn.nr_ports; p++)
        close_locked(d, p);
    pthread_mutex_unlock(&hv.evtchn_lock);
    return 0;
}

bool evtchn_is_pending(struct domain *d, uint32_t port)
{
    return port < EVTCHN_2L_PORTS && evtchn_2l_is_pending(shared_info_of(d), port);
}

void evtchn_raise_virq(struct vcpu *v, uint32_t virq)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    uint16_t port = v->virq_port[virq];
    if (port && v->d->evtchn.ports)
        set_pending_locked(v->d, port);
    pthread_mutex_unlock(&hv.evtchn_lock);
}

void evtchn_raise_dom0_virq(uint32_t virq)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    for (uint32_t p = 1; p < hv.dom0_evtchn.nr_ports; p++) {
        struct evtchn_port *dp = &hv.dom0_evtchn.ports[p];
        if (dp->state == EVTCHNSTAT_virq && dp->remote_port == virq)
            dom0_signal(p);
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
}

/* Dom0's side. Each Dom0 port has an eventfd, created with the port, that
 * the owning program reads; guests' sends land there. */
static int dom0_alloc_locked(void *owner, int *efd)
{
    int p = evtchn_table_alloc(&hv.dom0_evtchn);
    if (p < 0)
        return p;
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) {
        evtchn_table_release(&hv.dom0_evtchn, (unsigned)p);
        return -errno;
    }
    int copy = dup(fd);
    if (copy < 0) {
        close(fd);
        evtchn_table_release(&hv.dom0_evtchn, (unsigned)p);
        return -errno;
    }
    hv.dom0_port_efd[p] = fd;
    hv.dom0_port_owner[p] = owner;
    *efd = copy;
    return p;
}

static void dom0_free_locked(uint32_t port)
{
    close(hv.dom0_port_efd[port]);
    hv.dom0_port_efd[port] = -1;
    hv.dom0_port_owner[port] = NULL;
    evtchn_table_release(&hv.dom0_evtchn, port);
}

static struct evtchn_port *dom0_port_of(void *owner, uint32_t port)
{
    struct evtchn_port *p = evtchn_table_get(&hv.dom0_evtchn, port);
    if (!p || p->state == EVTCHNSTAT_closed || hv.dom0_port_owner[port] != owner)
        return NULL;
    return p;
}

int dom0_evtchn_bind_interdomain(void *owner, uint32_t dom, uint32_t remote_port,
                                 uint32_t *port, int *efd)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc;
    struct domain *r = domain_find(dom);
    struct evtchn_port *rp = r && !r->dying ? evtchn_table_get(&r->evtchn, remote_port) : NULL;
    if (!r || r->dying) {
        rc = -ESRCH;
    } else if (!rp || rp->state != EVTCHNSTAT_unbound || rp->remote_dom != 0) {
        rc = -EINVAL;
    } else if ((rc = dom0_alloc_locked(owner, efd)) > 0) {
        struct evtchn_port *p = &hv.dom0_evtchn.ports[rc];
        p->state = EVTCHNSTAT_interdomain;
        p->remote_dom = (uint16_t)dom;
        p->remote_port = remote_port;
        rp->state = EVTCHNSTAT_interdomain;
        rp->remote_dom = 0;
        rp->remote_port = (uint32_t)rc;
        doorbell_set_locked(r, remote_port, true);
        *port = (uint32_t)rc;
        rc = 0;
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int dom0_evtchn_bind_unbound(void *owner, uint32_t dom, uint32_t *port, int *efd)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc;
    struct domain *r = domain_find(dom);
    if (!r || r->dying) {
        rc = -ESRCH;
    } else if ((rc = dom0_alloc_locked(owner, efd)) > 0) {
        hv.dom0_evtchn.ports[rc].remote_dom = (uint16_t)dom;
        *port = (uint32_t)rc;
        rc = 0;
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int dom0_evtchn_bind_virq(void *owner, uint32_t virq, uint32_t *port, int *efd)
{
    if (virq >= NR_VIRQS || virq_is_per_vcpu(virq))
        return -EINVAL;
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc = dom0_alloc_locked(owner, efd);
    if (rc > 0) {
        hv.dom0_evtchn.ports[rc].state = EVTCHNSTAT_virq;
        hv.dom0_evtchn.ports[rc].remote_port = virq;
        *port = (uint32_t)rc;
        rc = 0;
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

static void dom0_unbind_locked(uint32_t port)
{
    struct evtchn_port *p = &hv.dom0_evtchn.ports[port];
    if (p->state == EVTCHNSTAT_interdomain) {
        struct domain *r = domain_find(p->remote_dom);
        struct evtchn_port *rp = r ? evtchn_table_get(&r->evtchn, p->remote_port) : NULL;
        if (rp && rp->state == EVTCHNSTAT_interdomain && rp->remote_dom == 0) {
            doorbell_set_locked(r, p->remote_port, false);
            rp->state = EVTCHNSTAT_unbound;
            rp->remote_dom = 0;
            rp->remote_port = 0;
        }
    }
    dom0_free_locked(port);
}

int dom0_evtchn_unbind(void *owner, uint32_t port)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc = dom0_port_of(owner, port) ? 0 : -EINVAL;
    if (rc == 0)
        dom0_unbind_locked(port);
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int dom0_evtchn_notify(void *owner, uint32_t port)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    int rc = 0;
    struct evtchn_port *p = dom0_port_of(owner, port);
    if (!p || p->state != EVTCHNSTAT_interdomain) {
        rc = -EINVAL;
    } else {
        struct domain *r = domain_find(p->remote_dom);
        if (r && !r->dying)
            set_pending_locked(r, p->remote_port);
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

int dom0_evtchn_peer(void *owner, uint32_t port, uint32_t *dom, uint32_t *guest_port)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    struct evtchn_port *p = dom0_port_of(owner, port);
    int rc = p ? 0 : -EINVAL;
    if (p) {
        *dom = p->remote_dom;
        *guest_port = p->state == EVTCHNSTAT_interdomain ? p->remote_port : 0;
    }
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

void dom0_evtchn_release_owner(void *owner)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    for (uint32_t p = 1; p < hv.dom0_evtchn.nr_ports; p++)
        if (hv.dom0_evtchn.ports[p].state != EVTCHNSTAT_closed && hv.dom0_port_owner[p] == owner)
            dom0_unbind_locked(p);
    pthread_mutex_unlock(&hv.evtchn_lock);
}
