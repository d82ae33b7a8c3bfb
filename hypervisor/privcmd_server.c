#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include "dom0/wire_io.h"
#include "hypervisor/domain_lifecycle.h"
#include "hypervisor/domain_load.h"
#include "hypervisor/evtchn.h"
#include "hypervisor/gnttab.h"
#include "hypervisor/hc_memory.h"
#include "hypervisor/hv.h"
#include "hypervisor/hvm_param.h"
#include "hypervisor/log.h"
#include "hypervisor/privcmd_server.h"
#include "hypervisor/sched_cgroup.h"
#include "hypervisor/upcall.h"
#include "include/guest_abi.h"
#include "include/privcmd_abi.h"

struct conn {
    uv_poll_t poll;
    int fd;
    struct conn *next;
    struct privcmd_hdr hdr;
    size_t hdr_got;
    uint8_t *body;
    size_t body_got;
    int fds[PRIVCMD_MAX_FDS];
    int nfds;
    bool fd_overflow;
    uint8_t *out;
    size_t out_len;
    bool closing;
    int events;          /* what the poll handle watches now */
    /* Grant mappings this client holds, released if it goes away. */
    struct gnt_hold *holds;
    size_t nholds, holds_cap;
};

struct gnt_hold {
    uint32_t domid;
    uint32_t generation; /* a new domain with the same id holds none of these */
    uint32_t ref;
    bool readonly;
};

/* A DOMAIN_WAIT that is answered when its domain stops or goes. */
struct waiter {
    struct waiter *next;
    struct conn *c;
    uint32_t id;
    uint32_t domid;
};

static struct {
    uv_loop_t *loop;
    uv_poll_t listen_poll;
    int listen_fd;
    uv_async_t state_async;
    gid_t admin_gid;
    char path[108];
    struct conn *conns;
    struct waiter *waiters;
} srv = {.listen_fd = -1};

static void conn_close(struct conn *c);
static void update_events(struct conn *c);

static void queue_out(struct conn *c, const void *p, size_t n)
{
    uint8_t *o = realloc(c->out, c->out_len + n);
    if (!o) {
        c->closing = true;
        return;
    }
    memcpy(o + c->out_len, p, n);
    c->out = o;
    c->out_len += n;
}

static void flush_out(struct conn *c)
{
    while (c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                c->closing = true;
            break;
        }
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
}

static void respond(struct conn *c, uint32_t op, uint32_t id, int32_t rc, const void *body,
                    size_t len)
{
    struct privcmd_hdr h = {
        .magic = PRIVCMD_MAGIC, .op = op, .id = id, .rc = rc, .len = (uint32_t)len,
    };
    queue_out(c, &h, sizeof(h));
    if (len)
        queue_out(c, body, len);
    flush_out(c);
    update_events(c);
}

static void respond_err(struct conn *c, uint32_t op, uint32_t id, int32_t rc, const char *msg)
{
    respond(c, op, id, rc, msg, strlen(msg) + 1);
}

__attribute__((format(printf, 5, 6))) static void respond_errf(struct conn *c, uint32_t op,
                                                               uint32_t id, int32_t rc,
                                                               const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    respond_err(c, op, id, rc, msg);
}

/* The answer of an operation that returns nothing but its outcome. */
static void respond_rc(struct conn *c, uint32_t op, uint32_t id, int32_t rc, const char *err)
{
    if (rc)
        respond_err(c, op, id, rc, err);
    else
        respond(c, op, id, 0, NULL, 0);
}

/* A reply that carries file descriptors goes out at once: the client
 * waits for it, so the socket has room; if not, the client is dropped. */
static void respond_fds(struct conn *c, uint32_t op, uint32_t id, const void *body, size_t len,
                        const int *fds, int nfds)
{
    struct privcmd_hdr h = {
        .magic = PRIVCMD_MAGIC, .op = op, .id = id, .rc = 0, .len = (uint32_t)len,
    };
    flush_out(c);
    if (c->out_len || wire_send(c->fd, &h, body, len, fds, nfds) < 0)
        c->closing = true;
}

static bool domain_finished(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    bool s = d->stopped;
    pthread_mutex_unlock(&d->lock);
    return s;
}

/* Answers every wait whose domain has stopped or gone. */
static void serve_waiters(void)
{
    struct waiter **pp = &srv.waiters;
    while (*pp) {
        struct waiter *w = *pp;
        struct domain *d = domain_find(w->domid);
        if (d && !domain_finished(d)) {
            pp = &w->next;
            continue;
        }
        if (d) {
            struct privcmd_dominfo info;
            domain_info(d, &info);
            respond(w->c, PRIVCMD_OP_DOMAIN_WAIT, w->id, 0, &info, sizeof(info));
        } else {
            respond_errf(w->c, PRIVCMD_OP_DOMAIN_WAIT, w->id, -ESRCH,
                         "domain %u was destroyed", w->domid);
        }
        *pp = w->next;
        free(w);
    }
}

static void on_state_async(uv_async_t *a)
{
    (void)a;
    serve_waiters();
}

static void state_changed(void)
{
    uv_async_send(&srv.state_async);
}

static bool body_is(struct conn *c, size_t want)
{
    if (c->hdr.len == want)
        return true;
    respond_errf(c, c->hdr.op, c->hdr.id, -EINVAL,
                 "malformed request: operation %u carries %u bytes, expected %zu", c->hdr.op,
                 c->hdr.len, want);
    return false;
}

/* body_is, then the body copied into out: handlers read their request
 * from the copy. */
static bool body_take(struct conn *c, void *out, size_t len)
{
    if (!body_is(c, len))
        return false;
    memcpy(out, c->body, len);
    return true;
}

static void op_list(struct conn *c)
{
    if (!body_is(c, 0))
        return;
    size_t n = 1;
    for (struct domain *d = domain_next(0); d; d = domain_next(d->domid))
        n++;
    size_t len = sizeof(struct privcmd_domlist) + n * sizeof(struct privcmd_dominfo);
    uint8_t *buf = calloc(1, len);
    if (!buf) {
        respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    struct privcmd_domlist hdr = {.count = (uint32_t)n};
    memcpy(buf, &hdr, sizeof(hdr));
    struct privcmd_dominfo *info = (struct privcmd_dominfo *)(buf + sizeof(hdr));
    hv_dom0_info(&info[0]);
    size_t k = 1;
    for (struct domain *d = domain_next(0); d; d = domain_next(d->domid))
        domain_info(d, &info[k++]);
    respond(c, c->hdr.op, c->hdr.id, 0, buf, len);
    free(buf);
}

/* Event channels for Dom0 programs. */
static void op_evtchn(struct conn *c)
{
    uint32_t op = c->hdr.op, id = c->hdr.id;
    struct privcmd_evtchn_req r;
    if (!body_take(c, &r, sizeof(r)))
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
        respond_errf(c, op, id, rc, "event channel: %s (domain %u, port %u)", why, r.domid, r.port);
    } else if (efd >= 0) {
        respond_fds(c, op, id, &out, sizeof(out), &efd, 1);
        close(efd);
    } else {
        respond(c, op, id, 0, &out, sizeof(out));
    }
}

static struct domain *live_domain(struct conn *c, uint32_t domid)
{
    struct domain *d = domain_find(domid);
    if (!d || d->dying) {
        respond_errf(c, c->hdr.op, c->hdr.id, -ESRCH, "no domain %u", domid);
        return NULL;
    }
    return d;
}

static void op_domain_memory(struct conn *c)
{
    struct privcmd_domid r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    struct domain *d = live_domain(c, r.domid);
    if (!d)
        return;
    struct privcmd_domain_memory m = {
        .ram_size = d->ram.size, .low_size = d->ram.low_size,
        .file_size = d->ram.size + XEN_AREA_PAGES * GUEST_PAGE_SIZE, .nr_vcpus = d->nr_vcpus,
        .special_pages = GUEST_SPECIAL_PAGES, .special_gpa = GUEST_SPECIAL_GPA,
        .special_off = d->ram.size + XEN_AREA_SPECIAL_PAGE * GUEST_PAGE_SIZE,
        .generation = d->generation,
    };
    int fds[PRIVCMD_MAX_REPLY_FDS];
    int n = 0;
    fds[n++] = d->mem_fd;
    for (uint32_t i = 0; i < d->nr_vcpus && n < PRIVCMD_MAX_REPLY_FDS; i++)
        fds[n++] = d->vcpus[i].irqfd;
    respond_fds(c, c->hdr.op, c->hdr.id, &m, sizeof(m), fds, n);
}

static bool hold_add(struct conn *c, const struct domain *d, uint32_t ref, bool ro)
{
    if (c->nholds == c->holds_cap) {
        size_t cap = c->holds_cap ? c->holds_cap * 2 : 64;
        struct gnt_hold *h = realloc(c->holds, cap * sizeof(*h));
        if (!h)
            return false;
        c->holds = h;
        c->holds_cap = cap;
    }
    c->holds[c->nholds++] = (struct gnt_hold){d->domid, d->generation, ref, ro};
    return true;
}

/* The domain a hold was taken on, if it still exists. */
static struct domain *hold_domain(const struct gnt_hold *h)
{
    struct domain *d = domain_find(h->domid);
    return d && d->generation == h->generation ? d : NULL;
}

/* Drops the hold; *d is the domain it was on, NULL when that is gone. */
static bool hold_drop(struct conn *c, uint32_t domid, uint32_t ref, bool ro, struct domain **d)
{
    for (size_t i = 0; i < c->nholds; i++) {
        struct gnt_hold *h = &c->holds[i];
        if (h->domid == domid && h->ref == ref && h->readonly == ro) {
            *d = hold_domain(h);
            *h = c->holds[--c->nholds];
            return true;
        }
    }
    return false;
}

static void release_holds(struct conn *c)
{
    for (size_t i = 0; i < c->nholds; i++) {
        struct domain *d = hold_domain(&c->holds[i]);
        if (d)
            gnttab_unmap(d, c->holds[i].ref, c->holds[i].readonly);
    }
    free(c->holds);
    c->holds = NULL;
    c->nholds = c->holds_cap = 0;
}

static void op_gnttab_map(struct conn *c)
{
    bool map = c->hdr.op == PRIVCMD_OP_GNTTAB_MAP;
    struct privcmd_gnttab_req r;
    if (c->hdr.len < sizeof(r)) {
        respond_err(c, c->hdr.op, c->hdr.id, -EINVAL, "malformed request: short grant request");
        return;
    }
    memcpy(&r, c->body, sizeof(r));
    if (c->hdr.len != sizeof(r) + (uint64_t)r.count * sizeof(struct privcmd_gnttab_ref)) {
        respond_err(c, c->hdr.op, c->hdr.id, -EINVAL, "malformed request: grant count mismatch");
        return;
    }
    struct privcmd_gnttab_result *res = calloc(r.count ? r.count : 1, sizeof(*res));
    if (!res) {
        respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    const struct privcmd_gnttab_ref *refs = (const void *)(c->body + sizeof(r));
    for (uint32_t i = 0; i < r.count; i++) {
        struct privcmd_gnttab_ref g;
        memcpy(&g, &refs[i], sizeof(g));
        struct domain *d = domain_find(g.domid);
        if (!map) {
            /* A destroyed domain's grants have nothing left to release;
             * Dom0's mapping of the memory file stays valid regardless. */
            struct domain *was;
            bool held = hold_drop(c, g.domid, g.ref, r.readonly, &was);
            res[i].status = !held ? GNTST_bad_handle
                            : was ? gnttab_unmap(was, g.ref, r.readonly) : GNTST_okay;
            res[i].generation = d && !d->dying ? d->generation : 0;
            continue;
        }
        uint64_t gpa;
        if (!d || d->dying) {
            res[i].status = GNTST_bad_domain;
        } else if ((res[i].status = gnttab_map(d, g.ref, 0, r.readonly, &gpa)) == GNTST_okay) {
            if (!guest_ram_file_offset(&d->ram, gpa, &res[i].file_offset)) {
                /* gnttab_map only hands out frames the guest has. */
                gnttab_unmap(d, g.ref, r.readonly);
                res[i].status = GNTST_bad_gntref;
                continue;
            }
            res[i].generation = d->generation;
            if (!hold_add(c, d, g.ref, r.readonly)) {
                gnttab_unmap(d, g.ref, r.readonly);
                res[i].status = GNTST_no_space;
            }
        }
    }
    respond(c, c->hdr.op, c->hdr.id, 0, res, (size_t)r.count * sizeof(*res));
    free(res);
}

static void op_gnttab_copy(struct conn *c)
{
    struct privcmd_gnttab_req r;
    if (c->hdr.len < sizeof(r)) {
        respond_err(c, c->hdr.op, c->hdr.id, -EINVAL, "malformed request: short copy request");
        return;
    }
    memcpy(&r, c->body, sizeof(r));
    size_t segs_len = (size_t)r.count * sizeof(struct privcmd_gnttab_copy_seg);
    if (r.count > 4096 || c->hdr.len < sizeof(r) + segs_len) {
        respond_err(c, c->hdr.op, c->hdr.id, -EINVAL, "malformed request: copy count mismatch");
        return;
    }
    struct privcmd_gnttab_copy_seg *segs = malloc(segs_len ? segs_len : 1);
    size_t status_len = ((size_t)r.count * sizeof(int16_t) + 7) & ~(size_t)7;
    uint8_t *reply = calloc(1, status_len + PRIVCMD_MAX_PAYLOAD);
    if (!segs || !reply) {
        free(segs);
        free(reply);
        respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    memcpy(segs, c->body + sizeof(r), segs_len);
    const uint8_t *in = c->body + sizeof(r) + segs_len;
    size_t in_left = c->hdr.len - sizeof(r) - segs_len, out_len = 0;
    int16_t *status = (int16_t *)reply;
    for (uint32_t i = 0; i < r.count; i++) {
        struct privcmd_gnttab_copy_seg *g = &segs[i];
        bool local_src = g->src_domid == DOMID_SELF, local_dst = g->dst_domid == DOMID_SELF;
        struct gnttab_side src = {.is_ref = true, .domid = g->src_domid, .ref_or_gpfn = g->src_ref,
                                  .offset = g->src_offset};
        struct gnttab_side dst = {.is_ref = true, .domid = g->dst_domid, .ref_or_gpfn = g->dst_ref,
                                  .offset = g->dst_offset};
        const uint8_t *sbuf = NULL;
        uint8_t *dbuf = NULL;
        if (local_src) {
            if (in_left < g->len) {
                status[i] = GNTST_general_error;
                continue;
            }
            sbuf = in;
            in += g->len;
            in_left -= g->len;
        }
        if (local_dst) {
            if (out_len + g->len > PRIVCMD_MAX_PAYLOAD - status_len) {
                status[i] = GNTST_general_error;
                continue;
            }
            dbuf = reply + status_len + out_len;
        }
        if (local_src && local_dst) {
            status[i] = GNTST_general_error;
            continue;
        }
        status[i] = gnttab_copy(NULL, 0, &src, &dst, g->len, sbuf, dbuf);
        if (local_dst && status[i] == GNTST_okay)
            out_len += g->len;
    }
    respond(c, c->hdr.op, c->hdr.id, 0, reply, status_len + out_len);
    free(segs);
    free(reply);
}

static void op_param(struct conn *c)
{
    bool set = c->hdr.op == PRIVCMD_OP_DOMAIN_SET_PARAM;
    struct privcmd_param p;
    if (!body_take(c, &p, sizeof(p)))
        return;
    struct domain *d = live_domain(c, p.domid);
    if (!d)
        return;
    if (!hvm_param_allowed(p.index, HVM_PARAM_BY_TOOLSTACK, set)) {
        respond_errf(c, c->hdr.op, c->hdr.id, -EINVAL,
                     "HVM param %u cannot be %s by the toolstack", p.index, set ? "set" : "read");
        return;
    }
    pthread_mutex_lock(&d->lock);
    if (set)
        d->hvm_params[p.index] = p.value;
    else
        p.value = d->hvm_params[p.index];
    pthread_mutex_unlock(&d->lock);
    respond(c, c->hdr.op, c->hdr.id, 0, &p, sizeof(p));
}

static void op_alloc_unbound(struct conn *c)
{
    struct privcmd_alloc_unbound a;
    if (!body_take(c, &a, sizeof(a)))
        return;
    struct domain *d = live_domain(c, a.domid);
    if (!d)
        return;
    int rc = evtchn_alloc_unbound(d, a.remote_domid, &a.port);
    if (rc)
        respond_errf(c, c->hdr.op, c->hdr.id, rc, "cannot allocate a port in domain %u for domain %u",
                     a.domid, a.remote_domid);
    else
        respond(c, c->hdr.op, c->hdr.id, 0, &a, sizeof(a));
}

static void op_shutdown(struct conn *c)
{
    struct privcmd_shutdown r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    struct domain *d = live_domain(c, r.domid);
    if (!d)
        return;
    if (r.reason > SHUTDOWN_MAX) {
        respond_errf(c, c->hdr.op, c->hdr.id, -EINVAL, "unknown shutdown reason %u", r.reason);
        return;
    }
    domain_shutdown(d, r.reason);
    respond(c, c->hdr.op, c->hdr.id, 0, NULL, 0);
}

static void op_sched(struct conn *c)
{
    bool set = c->hdr.op == PRIVCMD_OP_DOMAIN_SCHED_SET;
    struct privcmd_sched r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    struct domain *d = live_domain(c, r.domid);
    if (!d)
        return;
    char err[256];
    int rc = set ? sched_set(d, r.weight, r.cap, err, sizeof(err)) : 0;
    if (rc) {
        respond_err(c, c->hdr.op, c->hdr.id, rc, err);
        return;
    }
    r.weight = d->sched_weight;
    r.cap = d->sched_cap;
    snprintf(r.cgroup, sizeof(r.cgroup), "%s", sched_path(d));
    respond(c, c->hdr.op, c->hdr.id, 0, &r, sizeof(r));
}

/* The benchmark floor: a bare ioeventfd and irqfd, nothing between. */
static void op_raw_doorbell(struct conn *c)
{
    struct privcmd_domid r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    struct domain *d = live_domain(c, r.domid);
    if (!d)
        return;
    if (d->raw_fds[0] >= 0) {
        respond_errf(c, c->hdr.op, c->hdr.id, -EBUSY, "domain %u already has its raw doorbell",
                     r.domid);
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
        respond_errf(c, c->hdr.op, c->hdr.id, -e, "cannot set up the raw doorbell: %s", strerror(e));
        return;
    }
    d->raw_fds[0] = in;
    d->raw_fds[1] = irq;
    pthread_mutex_lock(&hv.evtchn_lock);
    upcall_update_routes(d);
    pthread_mutex_unlock(&hv.evtchn_lock);
    respond_fds(c, c->hdr.op, c->hdr.id, NULL, 0, d->raw_fds, 2);
}

static void op_host_info(struct conn *c)
{
    if (!body_is(c, 0))
        return;
    struct privcmd_hostinfo hi;
    hv_host_info(&hi);
    respond(c, c->hdr.op, c->hdr.id, 0, &hi, sizeof(hi));
}

static void op_create(struct conn *c)
{
    char err[512] = "";
    struct privcmd_create_req req;
    if (!body_take(c, &req, sizeof(req)))
        return;
    struct privcmd_domid out = {0};
    int rc = domain_create(&req, &out.domid, err, sizeof(err));
    if (rc)
        respond_err(c, c->hdr.op, c->hdr.id, rc, err);
    else
        respond(c, c->hdr.op, c->hdr.id, 0, &out, sizeof(out));
}

static void op_load_pvh(struct conn *c)
{
    uint32_t op = c->hdr.op, id = c->hdr.id;
    char err[512] = "";
    struct privcmd_load_pvh_req req;
    if (c->hdr.len < sizeof(req)) {
        respond_err(c, op, id, -EINVAL, "malformed request: short load request");
        return;
    }
    memcpy(&req, c->body, sizeof(req));
    if (c->hdr.len != sizeof(req) + (uint64_t)req.cmdline_len) {
        respond_err(c, op, id, -EINVAL, "malformed request: command line length mismatch");
        return;
    }
    if (req.nr_fds < 1 || req.nr_fds > 2 || (int)req.nr_fds != c->nfds) {
        respond_errf(c, op, id, -EINVAL,
                     "malformed request: %u file descriptors announced, %d received",
                     req.nr_fds, c->nfds);
        return;
    }
    char *cmdline = malloc(req.cmdline_len + 1);
    if (!cmdline) {
        respond_err(c, op, id, -ENOMEM, "out of memory");
        return;
    }
    memcpy(cmdline, c->body + sizeof(req), req.cmdline_len);
    cmdline[req.cmdline_len] = '\0';
    if (strlen(cmdline) != req.cmdline_len) {
        free(cmdline);
        respond_err(c, op, id, -EINVAL, "the command line contains a NUL byte");
        return;
    }
    int rc = domain_load_pvh(req.domid, c->fds[0], c->nfds > 1 ? c->fds[1] : -1, cmdline, err,
                                sizeof(err));
    free(cmdline);
    respond_rc(c, op, id, rc, err);
}

/* The operations that name one guest and answer with nothing. */
static void op_domain_control(struct conn *c)
{
    uint32_t op = c->hdr.op, id = c->hdr.id;
    char err[512] = "";
    struct privcmd_domid r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    if (r.domid == 0) {
        respond_err(c, op, id, -EPERM, "that operation does not apply to Domain-0");
        return;
    }
    int rc = op == PRIVCMD_OP_DOMAIN_UNPAUSE ? domain_unpause(r.domid, err, sizeof(err))
             : op == PRIVCMD_OP_DOMAIN_PAUSE ? domain_pause(r.domid, err, sizeof(err))
                                             : domain_destroy(r.domid, err, sizeof(err));
    respond_rc(c, op, id, rc, err);
}

/* DOMAIN_INFO and DOMAIN_FIND answer alike once they know whom: Domain-0,
 * a domain, or nobody (-ESRCH with what was asked for). */
static void respond_dominfo(struct conn *c, bool dom0, struct domain *d, const char *asked)
{
    struct privcmd_dominfo info;
    if (dom0)
        hv_dom0_info(&info);
    else if (d)
        domain_info(d, &info);
    else {
        respond_errf(c, c->hdr.op, c->hdr.id, -ESRCH, "no domain %s", asked);
        return;
    }
    respond(c, c->hdr.op, c->hdr.id, 0, &info, sizeof(info));
}

static void op_domain_info(struct conn *c)
{
    struct privcmd_domid r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    char asked[16];
    snprintf(asked, sizeof(asked), "%u", r.domid);
    respond_dominfo(c, r.domid == 0, domain_find(r.domid), asked);
}

static void op_domain_find(struct conn *c)
{
    struct privcmd_name r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    r.name[sizeof(r.name) - 1] = '\0';
    char asked[sizeof(r.name) + 16];
    snprintf(asked, sizeof(asked), "named '%s'", r.name);
    respond_dominfo(c, strcmp(r.name, "Domain-0") == 0, domain_find_name(r.name), asked);
}

static void op_domain_wait(struct conn *c)
{
    struct privcmd_domid r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    if (r.domid == 0) {
        respond_err(c, c->hdr.op, c->hdr.id, -EPERM, "that operation does not apply to Domain-0");
        return;
    }
    if (!domain_find(r.domid)) {
        respond_errf(c, c->hdr.op, c->hdr.id, -ESRCH, "no domain %u", r.domid);
        return;
    }
    struct waiter *w = calloc(1, sizeof(*w));
    if (!w) {
        respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    *w = (struct waiter){.next = srv.waiters, .c = c, .id = c->hdr.id, .domid = r.domid};
    srv.waiters = w;
    serve_waiters();
}

static void op_set_maxmem(struct conn *c)
{
    struct privcmd_maxmem r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    struct domain *d = live_domain(c, r.domid);
    if (!d)
        return;
    char err[256];
    int rc = memory_set_max(d, r.max_kib, err, sizeof(err));
    respond_rc(c, c->hdr.op, c->hdr.id, rc, err);
}

static void op_rename(struct conn *c)
{
    struct privcmd_rename r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    if (r.domid == 0) {
        respond_err(c, c->hdr.op, c->hdr.id, -EPERM, "Domain-0 keeps its name");
        return;
    }
    if (!memchr(r.name, '\0', sizeof(r.name))) {
        respond_errf(c, c->hdr.op, c->hdr.id, -EINVAL, "domain name longer than %d bytes",
                     PRIVCMD_NAME_LEN - 1);
        return;
    }
    char err[256];
    int rc = domain_rename(r.domid, r.name, err, sizeof(err));
    respond_rc(c, c->hdr.op, c->hdr.id, rc, err);
}

static void op_vcpu_list(struct conn *c)
{
    struct privcmd_domid r;
    if (!body_take(c, &r, sizeof(r)))
        return;
    struct domain *d = live_domain(c, r.domid);
    if (!d)
        return;
    size_t len = sizeof(struct privcmd_domlist) + d->nr_vcpus * sizeof(struct privcmd_vcpuinfo);
    uint8_t *buf = calloc(1, len);
    if (!buf) {
        respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    struct privcmd_domlist hdr = {.count = d->nr_vcpus};
    memcpy(buf, &hdr, sizeof(hdr));
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct privcmd_vcpuinfo vi;
        domain_vcpu_info(d, i, &vi);
        memcpy(buf + sizeof(hdr) + i * sizeof(vi), &vi, sizeof(vi));
    }
    respond(c, c->hdr.op, c->hdr.id, 0, buf, len);
    free(buf);
}

typedef void (*op_handler)(struct conn *c);

static const op_handler handlers[] = {
    [PRIVCMD_OP_HOST_INFO] = op_host_info,
    [PRIVCMD_OP_DOMAIN_CREATE] = op_create,
    [PRIVCMD_OP_DOMAIN_LOAD_PVH] = op_load_pvh,
    [PRIVCMD_OP_DOMAIN_UNPAUSE] = op_domain_control,
    [PRIVCMD_OP_DOMAIN_PAUSE] = op_domain_control,
    [PRIVCMD_OP_DOMAIN_DESTROY] = op_domain_control,
    [PRIVCMD_OP_DOMAIN_INFO] = op_domain_info,
    [PRIVCMD_OP_DOMAIN_FIND] = op_domain_find,
    [PRIVCMD_OP_DOMAIN_LIST] = op_list,
    [PRIVCMD_OP_DOMAIN_WAIT] = op_domain_wait,
    [PRIVCMD_OP_EVTCHN_BIND_INTERDOMAIN] = op_evtchn,
    [PRIVCMD_OP_EVTCHN_BIND_UNBOUND] = op_evtchn,
    [PRIVCMD_OP_EVTCHN_BIND_VIRQ] = op_evtchn,
    [PRIVCMD_OP_EVTCHN_UNBIND] = op_evtchn,
    [PRIVCMD_OP_EVTCHN_NOTIFY] = op_evtchn,
    [PRIVCMD_OP_DOMAIN_MEMORY] = op_domain_memory,
    [PRIVCMD_OP_GNTTAB_MAP] = op_gnttab_map,
    [PRIVCMD_OP_GNTTAB_UNMAP] = op_gnttab_map,
    [PRIVCMD_OP_GNTTAB_COPY] = op_gnttab_copy,
    [PRIVCMD_OP_RAW_DOORBELL] = op_raw_doorbell,
    [PRIVCMD_OP_DOMAIN_SET_PARAM] = op_param,
    [PRIVCMD_OP_DOMAIN_GET_PARAM] = op_param,
    [PRIVCMD_OP_EVTCHN_ALLOC_UNBOUND] = op_alloc_unbound,
    [PRIVCMD_OP_DOMAIN_SCHED_SET] = op_sched,
    [PRIVCMD_OP_DOMAIN_SCHED_GET] = op_sched,
    [PRIVCMD_OP_DOMAIN_SHUTDOWN] = op_shutdown,
    [PRIVCMD_OP_DOMAIN_SET_MAXMEM] = op_set_maxmem,
    [PRIVCMD_OP_DOMAIN_VCPU_LIST] = op_vcpu_list,
    [PRIVCMD_OP_DOMAIN_RENAME] = op_rename,
};

static void dispatch(struct conn *c)
{
    uint32_t op = c->hdr.op;
    if (op != PRIVCMD_OP_DOMAIN_LOAD_PVH && c->nfds) {
        respond_err(c, op, c->hdr.id, -EINVAL, "malformed request: unexpected file descriptors");
        return;
    }
    if (op >= sizeof(handlers) / sizeof(handlers[0]) || !handlers[op]) {
        respond_errf(c, op, c->hdr.id, -ENOSYS, "unknown privcmd operation %u", op);
        return;
    }
    handlers[op](c);
}

static void drop_fds(struct conn *c)
{
    for (int i = 0; i < c->nfds; i++)
        close(c->fds[i]);
    c->nfds = 0;
    c->fd_overflow = false;
}

static void take_fds(struct conn *c, struct msghdr *m)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int *fds = (int *)CMSG_DATA(cm);
        for (size_t i = 0; i < n; i++) {
            if (c->nfds < PRIVCMD_MAX_FDS)
                c->fds[c->nfds++] = fds[i];
            else {
                close(fds[i]);
                c->fd_overflow = true;
            }
        }
    }
}

/* Reads what is there; returns false when the connection must go. */
static bool read_some(struct conn *c)
{
    for (;;) {
        if (c->hdr_got < sizeof(c->hdr)) {
            union {
                char buf[CMSG_SPACE(sizeof(int) * 8)];
                struct cmsghdr align;
            } ctl;
            struct iovec iov = {(uint8_t *)&c->hdr + c->hdr_got, sizeof(c->hdr) - c->hdr_got};
            struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                               .msg_controllen = sizeof(ctl.buf)};
            ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
            if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            if (n == 0)
                return false;
            take_fds(c, &m);
            if (m.msg_flags & MSG_CTRUNC)
                c->fd_overflow = true;
            c->hdr_got += (size_t)n;
            if (c->hdr_got < sizeof(c->hdr))
                continue;
            if (c->hdr.magic != PRIVCMD_MAGIC || c->hdr.len > PRIVCMD_MAX_PAYLOAD) {
                /* Framing is lost: say so and hang up on this client only. */
                respond_errf(c, c->hdr.op, c->hdr.id, -EPROTO,
                             c->hdr.magic != PRIVCMD_MAGIC
                                 ? "malformed request: bad magic 0x%08x"
                                 : "malformed request: payload of %u bytes is over the limit",
                             c->hdr.magic != PRIVCMD_MAGIC ? c->hdr.magic : c->hdr.len);
                return false;
            }
            c->body = malloc(c->hdr.len ? c->hdr.len : 1);
            if (!c->body)
                return false;
            c->body_got = 0;
        }
        if (c->body_got < c->hdr.len) {
            ssize_t n = recv(c->fd, c->body + c->body_got, c->hdr.len - c->body_got, MSG_DONTWAIT);
            if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            if (n == 0)
                return false;
            c->body_got += (size_t)n;
            if (c->body_got < c->hdr.len)
                continue;
        }
        if (c->fd_overflow)
            respond_err(c, c->hdr.op, c->hdr.id, -EINVAL,
                        "malformed request: too many file descriptors");
        else
            dispatch(c);
        drop_fds(c);
        free(c->body);
        c->body = NULL;
        c->hdr_got = 0;
        if (c->closing)
            return false;
    }
}

static void on_conn_event(uv_poll_t *p, int status, int events)
{
    struct conn *c = p->data;
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (events & UV_WRITABLE)
        flush_out(c);
    if ((events & UV_READABLE) && !read_some(c)) {
        flush_out(c); /* a parting error message, if it fits */
        conn_close(c);
        return;
    }
    if (c->closing) {
        conn_close(c);
        return;
    }
    update_events(c);
}

/* Re-arms the poll handle only when what it must watch changes: every
 * uv_poll_start is a system call. */
static void update_events(struct conn *c)
{
    int want = UV_READABLE | (c->out_len ? UV_WRITABLE : 0);
    if (c->fd >= 0 && want != c->events && !uv_is_closing((uv_handle_t *)&c->poll)) {
        uv_poll_start(&c->poll, want, on_conn_event);
        c->events = want;
    }
}

static void on_conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    free(c->out);
    free(c);
}

static void conn_close(struct conn *c)
{
    if (c->fd < 0)
        return;
    for (struct waiter **pp = &srv.waiters; *pp;) {
        if ((*pp)->c == c) {
            struct waiter *w = *pp;
            *pp = w->next;
            free(w);
        } else {
            pp = &(*pp)->next;
        }
    }
    for (struct conn **pp = &srv.conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    drop_fds(c);
    free(c->body);
    c->body = NULL;
    dom0_evtchn_release_owner(c);
    release_holds(c);
    uv_poll_stop(&c->poll);
    close(c->fd);
    c->fd = -1;
    uv_close((uv_handle_t *)&c->poll, on_conn_closed);
}

static void on_listen(uv_poll_t *p, int status, int events)
{
    (void)p;
    (void)events;
    if (status < 0)
        return;
    int fd = accept4(srv.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
        (cred.uid != 0 && (srv.admin_gid == (gid_t)-1 || cred.gid != srv.admin_gid))) {
        hv_log("refused a privcmd connection from uid %u", (unsigned)cred.uid);
        static const char msg[] = "permission denied: only root may control xenolithd";
        struct privcmd_hdr h = {.magic = PRIVCMD_MAGIC, .rc = -EACCES, .len = sizeof(msg)};
        (void)!send(fd, &h, sizeof(h), MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)!send(fd, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
        close(fd);
        return;
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->poll.data = c;
    c->next = srv.conns;
    srv.conns = c;
    uv_poll_init(srv.loop, &c->poll, fd);
    uv_poll_start(&c->poll, UV_READABLE, on_conn_event);
    c->events = UV_READABLE;
}

int privcmd_server_start(uv_loop_t *loop, const char *rundir, gid_t admin_gid, char *err,
                         size_t errlen)
{
    srv.loop = loop;
    srv.admin_gid = admin_gid;
    int n = snprintf(srv.path, sizeof(srv.path), "%s/%s", rundir, PRIVCMD_SOCKET_NAME);
    if (n < 0 || (size_t)n >= sizeof(srv.path)) {
        snprintf(err, errlen, "socket path too long under %s", rundir);
        return -ENAMETOOLONG;
    }
    srv.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (srv.listen_fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -errno;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, srv.path, strlen(srv.path) + 1);
    unlink(srv.path); /* the pid-file lock says no other daemon owns it */
    mode_t old = umask(0077);
    int r = bind(srv.listen_fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (r < 0 || listen(srv.listen_fd, 64) < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s: %s", srv.path, strerror(e));
        return -e;
    }
    if (admin_gid != (gid_t)-1) {
        (void)!chown(srv.path, 0, admin_gid);
        chmod(srv.path, 0660);
    }
    uv_async_init(loop, &srv.state_async, on_state_async);
    hv.state_changed = state_changed;
    uv_poll_init(loop, &srv.listen_poll, srv.listen_fd);
    uv_poll_start(&srv.listen_poll, UV_READABLE, on_listen);
    return 0;
}

void privcmd_server_stop(void)
{
    while (srv.conns)
        conn_close(srv.conns);
    if (srv.listen_fd >= 0) {
        uv_poll_stop(&srv.listen_poll);
        uv_close((uv_handle_t *)&srv.listen_poll, NULL);
        close(srv.listen_fd);
        srv.listen_fd = -1;
        unlink(srv.path);
    }
    hv.state_changed = NULL;
    uv_close((uv_handle_t *)&srv.state_async, NULL);
}
