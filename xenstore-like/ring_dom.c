/*
 * One guest's store ring. The page is shared with a guest we do not
 * trust: we keep our own copies of the indices we own (req_cons,
 * rsp_prod) and of the last values the guest published, check every
 * index the guest writes before using it, and copy bytes out of the ring
 * into the connection's buffer before the core parses anything, so the
 * guest cannot change a message under the parser.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "dom0/byte_ring.h"
#include "dom0/guest_memory.h"
#include "xenstore-like/conn.h"
#include "xenstore-like/ring_int.h"

/* Output a guest has not taken (its watch events pile up here if it
 * stops reading); past this its connection is dropped. */
#define RING_OUT_MAX (1u << 20)

struct ring_dom {
    struct xs_conn c;
    struct ring_hv *hv;
    uint32_t domid;
    struct guest_memory gm;
    struct xenstore_domain_interface *intf;
    xenevtchn_handle *xce;
    evtchn_port_t local_port;
    uv_poll_t poll;
    uv_timer_t kick;   /* services the ring once after attach */
    int open_handles;  /* freed when both handles have closed */
    bool conn_open;    /* the core's connection is live */
    bool in_service;   /* notify once at the end, not per flush */
    bool notify_due;
    bool notify_failed;
    /* Our indices, and what the guest last published for its own. */
    XENSTORE_RING_IDX req_cons, req_prod_seen, rsp_prod, rsp_cons_seen;
    /* Bytes queued for the rsp ring: out[out_head, out_head + out_len). */
    char *out;
    size_t out_head, out_len, out_cap;
    /* Where each queued message ends (in queued_bytes), so queued() can
     * count whole messages still waiting: the outstanding-requests quota. */
    uint64_t *ends;
    size_t ends_head, ends_len, ends_cap;
    uint64_t queued_bytes, ringed_bytes;
};

static struct ring_dom *rd_of(struct xs_conn *c)
{
    return c->tp;
}

static int rd_write(struct xs_conn *c, const void *msg, size_t len)
{
    struct ring_dom *rd = rd_of(c);
    if (rd->out_len + len > RING_OUT_MAX)
        return -ENOBUFS;
    if (rd->out_head + rd->out_len + len > rd->out_cap) {
        if (rd->out_len) /* out is NULL until the first message */
            memmove(rd->out, rd->out + rd->out_head, rd->out_len);
        rd->out_head = 0;
        if (rd->out_len + len > rd->out_cap) {
            size_t cap = rd->out_cap ? rd->out_cap : 8192;
            while (cap < rd->out_len + len)
                cap *= 2;
            char *o = realloc(rd->out, cap);
            if (!o)
                return -ENOMEM;
            rd->out = o;
            rd->out_cap = cap;
        }
    }
    if (rd->ends_head + rd->ends_len == rd->ends_cap) {
        if (rd->ends_head) {
            memmove(rd->ends, rd->ends + rd->ends_head, rd->ends_len * sizeof(rd->ends[0]));
            rd->ends_head = 0;
        } else {
            size_t cap = rd->ends_cap ? rd->ends_cap * 2 : 32;
            uint64_t *e = realloc(rd->ends, cap * sizeof(e[0]));
            if (!e)
                return -ENOMEM;
            rd->ends = e;
            rd->ends_cap = cap;
        }
    }
    memcpy(rd->out + rd->out_head + rd->out_len, msg, len);
    rd->out_len += len;
    rd->queued_bytes += len;
    rd->ends[rd->ends_head + rd->ends_len++] = rd->queued_bytes;
    return 0;
}

static size_t rd_queued(struct xs_conn *c)
{
    return rd_of(c)->ends_len;
}

/* The guest broke the ring protocol: tell it through the page's error
 * field (XENSTORE_SERVER_FEATURE_ERROR) and drop its connection. */
static void corrupt(struct ring_dom *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void corrupt(struct ring_dom *rd, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    __atomic_store_n(&rd->intf->error, XENSTORE_ERROR_RINGIDX, __ATOMIC_RELEASE);
    xs_conn_kill(&rd->c, why);
}

static void notify(struct ring_dom *rd)
{
    rd->notify_due = false;
    if (xenevtchn_notify(rd->xce, rd->local_port) < 0 && !rd->notify_failed) {
        rd->notify_failed = true; /* say it once; the domain is probably dying */
        xs_store_log(rd->c.st, "domain %u: cannot notify port %u: %s", rd->domid, rd->local_port,
                     xenevtchn_error(rd->xce));
    }
}

/* Copies queued output into the rsp ring as far as it has room. False
 * when the guest's rsp_cons is impossible. */
static bool push_output(struct ring_dom *rd)
{
    struct xenstore_domain_interface *in = rd->intf;
    XENSTORE_RING_IDX cons = __atomic_load_n(&in->rsp_cons, __ATOMIC_ACQUIRE);
    /* The guest may only move rsp_cons forward, and not past what we
     * produced. */
    if ((XENSTORE_RING_IDX)(cons - rd->rsp_cons_seen) >
        (XENSTORE_RING_IDX)(rd->rsp_prod - rd->rsp_cons_seen)) {
        corrupt(rd, "ring indices corrupt: rsp_cons %#x outside [%#x, %#x]", cons,
                rd->rsp_cons_seen, rd->rsp_prod);
        return false;
    }
    rd->rsp_cons_seen = cons;
    size_t room = XENSTORE_RING_SIZE - (rd->rsp_prod - cons);
    size_t n = rd->out_len < room ? rd->out_len : room;
    if (n == 0)
        return true;
    const char *src = rd->out + rd->out_head;
    size_t at, first = byte_ring_split(XENSTORE_RING_SIZE, rd->rsp_prod, n, &at);
    memcpy(in->rsp + at, src, first);
    memcpy(in->rsp, src + first, n - first);
    rd->rsp_prod += (XENSTORE_RING_IDX)n;
    /* The bytes are in place before the guest can see the index move. */
    __atomic_store_n(&in->rsp_prod, rd->rsp_prod, __ATOMIC_RELEASE);
    rd->out_head += n;
    rd->out_len -= n;
    if (rd->out_len == 0)
        rd->out_head = 0;
    rd->ringed_bytes += n;
    while (rd->ends_len && rd->ends[rd->ends_head] <= rd->ringed_bytes) {
        rd->ends_head++;
        rd->ends_len--;
    }
    if (rd->ends_len == 0)
        rd->ends_head = 0;
    rd->notify_due = true;
    return true;
}

/* Copies requests from the req ring into the connection's buffer, as
 * much as fits. Bytes copied, or -1 when the guest's req_prod is
 * impossible. */
static ssize_t pull_input(struct ring_dom *rd)
{
    struct xenstore_domain_interface *in = rd->intf;
    XENSTORE_RING_IDX prod = __atomic_load_n(&in->req_prod, __ATOMIC_ACQUIRE);
    if ((int32_t)(prod - rd->req_prod_seen) < 0) {
        corrupt(rd, "ring indices corrupt: req_prod moved back from %#x to %#x",
                rd->req_prod_seen, prod);
        return -1;
    }
    if ((XENSTORE_RING_IDX)(prod - rd->req_cons) > XENSTORE_RING_SIZE) {
        corrupt(rd, "ring indices corrupt: req_prod %#x is more than a ring ahead of req_cons %#x",
                prod, rd->req_cons);
        return -1;
    }
    rd->req_prod_seen = prod;
    size_t space;
    char *dst = xs_conn_in_space(&rd->c, &space);
    size_t avail = prod - rd->req_cons;
    size_t n = avail < space ? avail : space;
    if (n) {
        size_t at, first = byte_ring_split(XENSTORE_RING_SIZE, rd->req_cons, n, &at);
        memcpy(dst, in->req + at, first);
        memcpy(dst + first, in->req, n - first);
        rd->req_cons += (XENSTORE_RING_IDX)n;
        /* Copied out before the guest may reuse the space. */
        __atomic_store_n(&in->req_cons, rd->req_cons, __ATOMIC_RELEASE);
        rd->notify_due = true; /* a writer may be waiting for room */
    }
    return (ssize_t)n;
}

static void on_kick(uv_timer_t *t);

static void rd_flush(struct xs_conn *c)
{
    struct ring_dom *rd = rd_of(c);
    if (!rd->conn_open)
        return;
    if (push_output(rd) && !rd->in_service && rd->notify_due)
        notify(rd);
}

/* Ring-fulls of requests one wakeup takes from a guest: a guest that
 * keeps its ring full then waits its turn behind the others (the rest
 * is taken from the next loop iteration) instead of holding the daemon. */
#define SERVICE_ROUNDS 8

/* What the ring has for us, until nothing moves or the round budget is
 * spent. */
static void service(struct ring_dom *rd)
{
    struct xs_store *st = rd->c.st;
    unsigned rounds = 0;
    rd->in_service = true;
    while (rd->conn_open && !rd->c.dead) {
        if (++rounds > SERVICE_ROUNDS) {
            uv_timer_start(&rd->kick, on_kick, 0, 0);
            break;
        }
        if (!push_output(rd))
            break;
        size_t before = rd->c.in_used;
        ssize_t n = pull_input(rd);
        if (n < 0)
            break;
        if (n == 0 && before == 0)
            break;
        /* With n == 0 this resumes requests held back by the
         * outstanding limit, now that the guest took replies. */
        if (!xs_conn_input(&rd->c, (size_t)n))
            break;
        if (n == 0 && rd->c.in_used == before)
            break;
    }
    rd->in_service = false;
    if (rd->conn_open && !rd->c.dead && rd->notify_due)
        notify(rd);
    xs_store_flush(st); /* reaps a connection dropped above */
}

static void on_event(uv_poll_t *p, int status, int events)
{
    (void)events;
    struct ring_dom *rd = p->data;
    if (status < 0) {
        xs_store_log(rd->c.st, "domain %u: event channel poll failed: %s", rd->domid,
                     uv_strerror(status));
        return;
    }
    /* Clear what is pending first: a notify that comes while we work
     * then wakes us again rather than being lost. */
    while (xenevtchn_pending(rd->xce) >= 0)
        ;
    if (rd->conn_open)
        service(rd);
}

static void on_kick(uv_timer_t *t)
{
    struct ring_dom *rd = t->data;
    if (rd->conn_open)
        service(rd);
}

static void rd_close(struct xs_conn *c)
{
    struct ring_dom *rd = rd_of(c);
    rd->conn_open = false;
    uv_poll_stop(&rd->poll);
    uv_timer_stop(&rd->kick);
    free(rd->out);
    free(rd->ends);
    rd->out = NULL;
    rd->ends = NULL;
    rd->out_len = rd->out_cap = rd->out_head = 0;
    rd->ends_len = rd->ends_cap = rd->ends_head = 0;
    xs_conn_destroy(c);
}

static const struct xs_conn_ops ring_ops = {
    .write = rd_write,
    .flush = rd_flush,
    .queued = rd_queued,
    .close = rd_close,
};

static void on_handle_closed(uv_handle_t *h)
{
    struct ring_dom *rd = h->data;
    if (--rd->open_handles == 0)
        free(rd);
}

static void release_resources(struct ring_dom *rd)
{
    if (rd->xce) {
        /* Fails harmlessly when the domain is already gone. */
        if (rd->local_port)
            xenevtchn_unbind(rd->xce, rd->local_port);
        xenevtchn_close(rd->xce);
        rd->xce = NULL;
    }
    if (rd->gm.fd >= 0)
        guest_memory_close(&rd->gm);
    rd->intf = NULL;
}

struct ring_dom *ring_dom_open(struct ring_hv *hv, struct xs_domain *d, int *err)
{
    struct xs_store *st = hv->st;
    struct ring_dom *rd = calloc(1, sizeof(*rd));
    if (!rd) {
        *err = ENOMEM;
        return NULL;
    }
    rd->hv = hv;
    rd->domid = d->domid;
    rd->gm.fd = -1;
    int rc = guest_memory_open(hv->xc, d->domid, 0, &rd->gm);
    if (rc < 0) {
        xs_store_log(st, "cannot introduce domain %u: cannot map its memory: %s", d->domid,
                     xenctl_error(hv->xc));
        *err = rc == -ESRCH ? ENOENT : EIO;
        goto fail;
    }
    rd->intf = guest_memory_frame(&rd->gm, d->gfn);
    if (!rd->intf) {
        xs_store_log(st, "cannot introduce domain %u: store gfn %#llx is not a frame of it",
                     d->domid, (unsigned long long)d->gfn);
        *err = EINVAL;
        goto fail;
    }
    rd->xce = xenevtchn_open(NULL, 0);
    if (!rd->xce) {
        xs_store_log(st, "cannot introduce domain %u: cannot open an event channel handle: %s",
                     d->domid, strerror(errno));
        *err = EIO;
        goto fail;
    }
    int port = xenevtchn_bind_interdomain(rd->xce, d->domid, d->port);
    if (port < 0) {
        xs_store_log(st, "cannot introduce domain %u: cannot bind its port %u: %s", d->domid,
                     d->port, xenevtchn_error(rd->xce));
        *err = EINVAL;
        goto fail;
    }
    rd->local_port = (evtchn_port_t)port;
    /* Start from what the page says (a re-introduced guest keeps its
     * ring); the first service checks it like any later update. */
    struct xenstore_domain_interface *in = rd->intf;
    rd->req_cons = rd->req_prod_seen = __atomic_load_n(&in->req_cons, __ATOMIC_ACQUIRE);
    rd->rsp_prod = rd->rsp_cons_seen = __atomic_load_n(&in->rsp_prod, __ATOMIC_ACQUIRE);
    in->server_features = XENSTORE_SERVER_FEATURE_ERROR;
    in->connection = XENSTORE_CONNECTED;
    in->error = XENSTORE_ERROR_NONE;
    if (xs_conn_init(&rd->c, st, &ring_ops, rd, d->domid) != 0) {
        *err = ENOMEM;
        goto fail;
    }
    rd->conn_open = true;
    uv_poll_init(hv->loop, &rd->poll, xenevtchn_fd(rd->xce));
    uv_timer_init(hv->loop, &rd->kick);
    rd->poll.data = rd->kick.data = rd;
    rd->open_handles = 2;
    uv_poll_start(&rd->poll, UV_READABLE, on_event);
    /* Requests the guest queued before we bound would raise no event;
     * look once from the loop, not from inside INTRODUCE's handler. */
    uv_timer_start(&rd->kick, on_kick, 0, 0);
    return rd;
fail:
    release_resources(rd);
    free(rd);
    return NULL;
}

void ring_dom_close(struct ring_dom *rd)
{
    if (rd->conn_open)
        xs_conn_close_now(&rd->c); /* the core normally has done this */
    /* Stop watching the fd before it is closed under libuv. */
    uv_close((uv_handle_t *)&rd->poll, on_handle_closed);
    uv_close((uv_handle_t *)&rd->kick, on_handle_closed);
    release_resources(rd);
}
