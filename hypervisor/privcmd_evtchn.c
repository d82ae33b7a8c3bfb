/* The privcmd operations on event channels: Dom0's own ports
 * (EVTCHN_BIND_*, _UNBIND, _NOTIFY), an unbound port in a guest for
 * another domain (EVTCHN_ALLOC_UNBOUND), and the benchmarks' raw
 * doorbell. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hypervisor/domain.h"
#include "hypervisor/evtchn.h"
#include "hypervisor/hv.h"
#include "hypervisor/privcmd_ops.h"
#include "hypervisor/upcall.h"
#include "include/guest_abi.h"

/* Event channels for Dom0 programs. */
void privcmd_op_evtchn(struct privcmd_conn *c)
{
    uint32_t op = c->hdr.op, id = c->hdr.id;
    struct privcmd_evtchn_req r;
    if (!privcmd_body_take(c, &r, sizeof(r)))
        return;
    struct privcmd_evtchn_reply out = {0};
    int efd = -1, rc;
    switch (op) {
    case PRIVCMD_OP_EVTCHN_BIND_INTERDOMAIN:
        rc = dom0_evtchn_bind_interdomain(c, r.domid, r.port, &out.port, &efd);
        break;
    case PRIVCMD_OP_EVTCHN_BIND_UNBOUND:
        rc = dom0_evtchn_bind_unbound(c, r.domid, &out.port, &efd);
        break;
    case PRIVCMD_OP_EVTCHN_BIND_VIRQ:
        rc = dom0_evtchn_bind_virq(c, r.virq, &out.port, &efd);
        break;
    case PRIVCMD_OP_EVTCHN_UNBIND:
        rc = dom0_evtchn_unbind(c, r.port);
        break;
    default:
        rc = dom0_evtchn_notify(c, r.port);
        if (rc == 0)
            rc = dom0_evtchn_peer(c, r.port, &out.peer_domid, &out.peer_port);
        out.port = r.port;
        break;
    }
    if (rc == 0 && op == PRIVCMD_OP_EVTCHN_BIND_INTERDOMAIN) {
        out.peer_domid = r.domid;
        out.peer_port = r.port;
    } else if (rc == 0 && op == PRIVCMD_OP_EVTCHN_BIND_UNBOUND) {
        out.peer_domid = r.domid;
    }
    if (rc == 0 && op != PRIVCMD_OP_EVTCHN_BIND_VIRQ && op != PRIVCMD_OP_EVTCHN_UNBIND) {
        struct domain *peer = domain_find(out.peer_domid);
        out.peer_generation = peer ? peer->generation : 0;
    }
    if (rc) {
        const char *why = rc == -ESRCH ? "no such domain"
                          : rc == -ENOSPC ? "no free port"
                          : "the port is not in a state for that";
        privcmd_respond_errf(c, op, id, rc, "event channel: %s (domain %u, port %u)", why,
                             r.domid, r.port);
    } else if (efd >= 0) {
        privcmd_respond_fds(c, op, id, &out, sizeof(out), &efd, 1);
        close(efd);
    } else {
        privcmd_respond(c, op, id, 0, &out, sizeof(out));
    }
}

void privcmd_op_alloc_unbound(struct privcmd_conn *c)
{
    struct privcmd_alloc_unbound a;
    struct domain *d = privcmd_take_domain(c, &a, sizeof(a), &a.domid);
    if (!d)
        return;
    int rc = evtchn_alloc_unbound(d, a.remote_domid, &a.port);
    if (rc)
        privcmd_respond_errf(c, c->hdr.op, c->hdr.id, rc,
                             "cannot allocate a port in domain %u for domain %u", a.domid,
                             a.remote_domid);
    else
        privcmd_respond(c, c->hdr.op, c->hdr.id, 0, &a, sizeof(a));
}

/* The benchmark floor: a bare ioeventfd and irqfd, nothing between. */
void privcmd_op_raw_doorbell(struct privcmd_conn *c)
{
    struct privcmd_domid r;
    struct domain *d = privcmd_take_domain(c, &r, sizeof(r), &r.domid);
    if (!d)
        return;
    if (d->raw_fds[0] >= 0) {
        privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -EBUSY,
                             "domain %u already has its raw doorbell", r.domid);
        return;
    }
    int in = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), irq = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct kvm_ioeventfd io = {.addr = XENOLITH_RAW_DOORBELL_PORT, .len = 4, .fd = in,
                               .flags = KVM_IOEVENTFD_FLAG_PIO};
    struct kvm_irqfd irqfd = {.fd = (uint32_t)irq, .gsi = RAW_DOORBELL_GSI};
    if (in < 0 || irq < 0 || ioctl(d->vm_fd, KVM_IOEVENTFD, &io) < 0 ||
        ioctl(d->vm_fd, KVM_IRQFD, &irqfd) < 0) {
        int e = errno;
        if (in >= 0)
            close(in);
        if (irq >= 0)
            close(irq);
        privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -e, "cannot set up the raw doorbell: %s",
                             strerror(e));
        return;
    }
    d->raw_fds[0] = in;
    d->raw_fds[1] = irq;
    pthread_mutex_lock(&hv.evtchn_lock);
    upcall_update_routes(d);
    pthread_mutex_unlock(&hv.evtchn_lock);
    privcmd_respond_fds(c, c->hdr.op, c->hdr.id, NULL, 0, d->raw_fds, 2);
}
