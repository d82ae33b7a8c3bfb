#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "dom0/guest_memory.h"
#include "dom0/xenctl_call.h"
#include "dom0/xenevtchn.h"

struct port {
    int efd;             /* -1: not ours */
    uint32_t domid;
    uint32_t generation; /* of the guest domid named when the port was bound */
    uint32_t guest_port; /* 0 until known */
};

struct xenevtchn_handle {
    xenctl *xc;
    int epfd;
    struct port *ports;
    struct guest_memory_cache guests;
    char err[256];
};

static int fail(xenevtchn_handle *h, int rc)
{
    snprintf(h->err, sizeof(h->err), "%s", xenctl_error(h->xc));
    errno = -rc;
    return -1;
}

xenevtchn_handle *xenevtchn_open(void *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    xenevtchn_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    guest_memory_cache_init(&h->guests);
    h->ports = malloc(DOM0_EVTCHN_PORTS * sizeof(*h->ports));
    h->xc = xenctl_open(NULL, h->err, sizeof(h->err));
    h->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!h->ports || !h->xc || h->epfd < 0) {
        int e = errno;
        xenevtchn_close(h);
        errno = e;
        return NULL;
    }
    for (unsigned i = 0; i < DOM0_EVTCHN_PORTS; i++)
        h->ports[i] = (struct port){.efd = -1};
    return h;
}

int xenevtchn_close(xenevtchn_handle *h)
{
    if (!h)
        return 0;
    for (unsigned i = 0; h->ports && i < DOM0_EVTCHN_PORTS; i++)
        if (h->ports[i].efd >= 0)
            close(h->ports[i].efd);
    guest_memory_cache_close(&h->guests);
    if (h->epfd >= 0)
        close(h->epfd);
    if (h->xc)
        xenctl_close(h->xc);
    free(h->ports);
    free(h);
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *h)
{
    return h->epfd;
}

const char *xenevtchn_error(xenevtchn_handle *h)
{
    return h->err;
}

static xenevtchn_port_or_error_t bind_port(xenevtchn_handle *h, uint32_t op,
                                      const struct privcmd_evtchn_req *req)
{
    struct privcmd_evtchn_reply out;
    int efd = -1, n = 0;
    int rc = xenctl_call_fds(h->xc, op, req, sizeof(*req), NULL, 0, &out, sizeof(out), NULL, &efd,
                             1, &n);
    if (rc)
        return fail(h, rc);
    if (n != 1 || out.port == 0 || out.port >= DOM0_EVTCHN_PORTS) {
        if (n == 1)
            close(efd);
        snprintf(h->err, sizeof(h->err), "xenolithd answered a bind without its eventfd");
        errno = EPROTO;
        return -1;
    }
    h->ports[out.port] = (struct port){.efd = efd, .domid = out.peer_domid,
                                       .generation = out.peer_generation,
                                       .guest_port = out.peer_port};
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = out.port};
    epoll_ctl(h->epfd, EPOLL_CTL_ADD, efd, &ev);
    return (int)out.port;
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *h, uint32_t domid)
{
    struct privcmd_evtchn_req req = {.domid = domid};
    return bind_port(h, PRIVCMD_OP_EVTCHN_BIND_UNBOUND, &req);
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *h, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    struct privcmd_evtchn_req req = {.domid = domid, .port = remote_port};
    return bind_port(h, PRIVCMD_OP_EVTCHN_BIND_INTERDOMAIN, &req);
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *h, unsigned int virq)
{
    struct privcmd_evtchn_req req = {.virq = virq};
    return bind_port(h, PRIVCMD_OP_EVTCHN_BIND_VIRQ, &req);
}

static struct port *ours(xenevtchn_handle *h, evtchn_port_t port)
{
    if (port == 0 || port >= DOM0_EVTCHN_PORTS || h->ports[port].efd < 0) {
        snprintf(h->err, sizeof(h->err), "port %u is not bound on this handle", port);
        errno = EINVAL;
        return NULL;
    }
    return &h->ports[port];
}

int xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port)
{
    struct port *p = ours(h, port);
    if (!p)
        return -1;
    struct privcmd_evtchn_req req = {.port = port};
    int rc = xenctl_call_fds(h->xc, PRIVCMD_OP_EVTCHN_UNBIND, &req, sizeof(req), NULL, 0, NULL, 0,
                             NULL, NULL, 0, NULL);
    epoll_ctl(h->epfd, EPOLL_CTL_DEL, p->efd, NULL);
    close(p->efd);
    *p = (struct port){.efd = -1};
    return rc ? fail(h, rc) : 0;
}

int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
    struct port *p = ours(h, port);
    if (!p)
        return -1;
    struct guest_memory *g = p->guest_port
        ? guest_memory_cached(&h->guests, h->xc, p->domid, p->generation, 1) : NULL;
    if (g) {
        guest_memory_notify(g, p->guest_port);
        return 0;
    }
    /* The guest's end was unknown (it bound after us) or its memory is
     * out of reach: xenolithd delivers, and says where the port leads. */
    struct privcmd_evtchn_req req = {.port = port};
    struct privcmd_evtchn_reply out;
    int rc = xenctl_call_fds(h->xc, PRIVCMD_OP_EVTCHN_NOTIFY, &req, sizeof(req), NULL, 0, &out,
                             sizeof(out), NULL, NULL, 0, NULL);
    if (rc)
        return fail(h, rc);
    p->domid = out.peer_domid;
    p->generation = out.peer_generation;
    p->guest_port = out.peer_port;
    return 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h)
{
    struct epoll_event ev;
    for (;;) {
        int n = epoll_wait(h->epfd, &ev, 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            errno = EAGAIN;
            return -1;
        }
        uint64_t count;
        uint32_t port = ev.data.u32;
        if (port < DOM0_EVTCHN_PORTS && h->ports[port].efd >= 0 &&
            read(h->ports[port].efd, &count, sizeof(count)) == sizeof(count))
            return (int)port;
    }
}

int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
    /* A Dom0 port's eventfd is its pending state; there is no mask. */
    return ours(h, port) ? 0 : -1;
}
