/*
 * One queue's ring. Every request is copied off the shared page before
 * anything looks at it (the guest can rewrite it under us), then checked:
 * the producer index against the ring size, the operation, segment
 * counts, first/last_sect within the page, the sector range against the
 * disk, indirect page counts, writes to a read-only disk, and every
 * grant (a map that fails is an error response). A request that fails a
 * check gets BLKIF_RSP_ERROR (EOPNOTSUPP for operations we do not
 * offer); a producer more than a ring ahead disconnects this device
 * only. Responses go out as requests finish, in any order.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backends/blkback/blkback.h"

static void submit(struct bb_req *q);

/* XENOLITH_BLKBACK_TRACE=1: one line per request on stderr. */
static int trace = -1;
static bool tracing(void)
{
    if (trace < 0)
        trace = getenv("XENOLITH_BLKBACK_TRACE") && *getenv("XENOLITH_BLKBACK_TRACE");
    return trace;
}

static int16_t check_segs(struct bb_req *q)
{
    struct bb_vbd *v = q->ring->vbd;
    uint64_t n = 0;
    for (unsigned i = 0; i < q->nsegs; i++) {
        const struct blkif_request_segment *s = &q->segs[i];
        if (s->first_sect > s->last_sect || s->last_sect >= BB_SECT_PER_PAGE)
            return BLKIF_RSP_ERROR;
        n += (uint64_t)(s->last_sect - s->first_sect + 1);
    }
    q->nr_sectors = n;
    if (q->sector > v->sectors || n > v->sectors - q->sector)
        return BLKIF_RSP_ERROR;
    if (q->io_op == BLKIF_OP_WRITE && v->readonly)
        return BLKIF_RSP_ERROR;
    return BLKIF_RSP_OKAY;
}

/* The segments of an indirect request, copied out of its pages. */
static int16_t read_indirect(struct bb_req *q, const blkif_request_indirect_t *ind)
{
    struct bb_vbd *v = q->ring->vbd;
    if (ind->indirect_op != BLKIF_OP_READ && ind->indirect_op != BLKIF_OP_WRITE)
        return BLKIF_RSP_ERROR;
    unsigned nsegs = ind->nr_segments;
    if (nsegs == 0 || nsegs > BB_MAX_INDIRECT_SEGS)
        return BLKIF_RSP_ERROR;
    unsigned npages = (nsegs + BB_SEGS_PER_INDIRECT_PAGE - 1) / BB_SEGS_PER_INDIRECT_PAGE;
    uint32_t refs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST], domids[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    for (unsigned i = 0; i < npages; i++) {
        refs[i] = ind->indirect_grefs[i];
        domids[i] = v->domid;
    }
    int16_t status[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    void *pages = xengnttab_map_grant_refs_status(v->ctx->xgt, npages, domids, refs, PROT_READ,
                                                  status);
    if (!pages)
        return BLKIF_RSP_ERROR;
    memcpy(q->segs, pages, nsegs * sizeof(q->segs[0]));
    xengnttab_unmap(v->ctx->xgt, pages, npages);
    q->nsegs = nsegs;
    q->io_op = ind->indirect_op;
    q->sector = ind->sector_number;
    return BLKIF_RSP_OKAY;
}

static int16_t prepare(struct bb_req *q, const blkif_request_t *req)
{
    struct bb_vbd *v = q->ring->vbd;
    q->id = req->id;
    q->op = req->operation;
    q->barrier = false;
    q->nsegs = 0;
    q->nr_sectors = 0;
    q->done_bytes = 0;
    q->temp_addr = NULL;
    q->temp_count = 0;
    switch (req->operation) {
    case BLKIF_OP_WRITE_BARRIER:
        q->barrier = true;
        /* fall through */
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        q->io_op = req->operation == BLKIF_OP_READ ? BLKIF_OP_READ : BLKIF_OP_WRITE;
        q->sector = req->sector_number;
        q->nsegs = req->nr_segments;
        if (q->nsegs > BLKIF_MAX_SEGMENTS_PER_REQUEST || (q->nsegs == 0 && !q->barrier))
            return BLKIF_RSP_ERROR;
        memcpy(q->segs, req->seg, q->nsegs * sizeof(q->segs[0]));
        if (q->nsegs == 0) {
            q->io_op = BLKIF_OP_FLUSH_DISKCACHE;
            return v->readonly ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
        }
        break;
    case BLKIF_OP_INDIRECT: {
        int16_t st = read_indirect(q, (const blkif_request_indirect_t *)req);
        if (st != BLKIF_RSP_OKAY)
            return st;
        break;
    }
    case BLKIF_OP_FLUSH_DISKCACHE:
        q->io_op = BLKIF_OP_FLUSH_DISKCACHE;
        return BLKIF_RSP_OKAY;
    case BLKIF_OP_DISCARD: {
        const blkif_request_discard_t *d = (const blkif_request_discard_t *)req;
        if (!v->discard)
            return BLKIF_RSP_EOPNOTSUPP;
        q->io_op = BLKIF_OP_DISCARD;
        q->sector = d->sector_number;
        q->nr_sectors = d->nr_sectors;
        if (v->readonly || q->sector > v->sectors || q->nr_sectors > v->sectors - q->sector)
            return BLKIF_RSP_ERROR;
        return BLKIF_RSP_OKAY;
    }
    default:
        return BLKIF_RSP_EOPNOTSUPP;
    }
    int16_t st = check_segs(q);
    if (st != BLKIF_RSP_OKAY)
        return st;
    if (bb_grants_map(q, q->io_op == BLKIF_OP_READ) < 0)
        return BLKIF_RSP_ERROR;
    for (unsigned i = 0; i < q->nsegs; i++) {
        const struct blkif_request_segment *s = &q->segs[i];
        q->iov[i].iov_base = (uint8_t *)q->pages[i] + (size_t)s->first_sect * 512;
        q->iov[i].iov_len = (size_t)(s->last_sect - s->first_sect + 1) * 512;
    }
    return BLKIF_RSP_OKAY;
}

static void respond(struct bb_ring *r, struct bb_req *q, int16_t status)
{
    blkif_response_t *rsp = RING_GET_RESPONSE(&r->ring, r->ring.rsp_prod_pvt);
    rsp->id = q->id;
    rsp->operation = q->op;
    rsp->status = status;
    r->ring.rsp_prod_pvt++;
    if (r->journal)
        bb_journal_done(r->journal, q->tag, r->ring.rsp_prod_pvt);
    int notify;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r->ring, notify);
    if (notify)
        xenevtchn_notify(r->vbd->ctx->xce, r->port);
}

static void ring_free(struct bb_ring *r)
{
    bb_grants_flush(r);
    if (r->sring_mem) {
        xengnttab_unmap(r->vbd->ctx->xgt, r->sring_mem, r->npages);
        r->sring_mem = NULL;
    }
    free(r->reqs);
    free(r->free_tags);
    free(r->pgrants);
    r->reqs = NULL;
    r->free_tags = NULL;
    r->pgrants = NULL;
    bb_journal_close(r->journal, true);
    r->journal = NULL;
}

void bb_req_complete(struct bb_req *q, int16_t status)
{
    struct bb_ring *r = q->ring;
    bb_grants_release(q);
    if (status != BLKIF_RSP_OKAY)
        r->nerr++;
    if (tracing())
        bb_log("vbd %u/%u q%u: id %llu op %u sector %llu n %llu -> %d", r->vbd->domid,
               r->vbd->devid, r->idx, (unsigned long long)q->id, q->op,
               (unsigned long long)q->sector, (unsigned long long)q->nr_sectors, status);
    if (r->live)
        respond(r, q, status);
    q->busy = false;
    r->free_tags[r->nfree++] = q->tag;
    r->inflight--;
    if (!r->live) {
        if (r->inflight == 0 && r->reqs) {
            ring_free(r);
            bb_vbd_ring_idle(r->vbd);
        }
        return;
    }
    if (r->pending_barrier && r->inflight == 1) {
        struct bb_req *b = r->pending_barrier;
        r->pending_barrier = NULL;
        submit(b);
        bb_io_flush(r->vbd->ctx);
        return;
    }
    if (r->draining && r->inflight == 0) {
        r->draining = false;
        bb_ring_kick(r);
    }
}

static long stall_ms = -1;

/* The held request stays in flight (its ring cannot be freed under it);
 * the timer is its own allocation, freed once closed. */
struct stall {
    uv_timer_t timer;
    struct bb_req *q;
    int16_t status;
};

static void stall_closed(uv_handle_t *h)
{
    free(h->data);
}

static void on_stall(uv_timer_t *t)
{
    struct stall *st = t->data;
    bb_req_complete(st->q, st->status);
    uv_close((uv_handle_t *)&st->timer, stall_closed);
}

void bb_req_finished(struct bb_req *q, int16_t status)
{
    if (stall_ms < 0) {
        const char *e = getenv("XENOLITH_BLKBACK_STALL_MS");
        stall_ms = e && *e ? strtol(e, NULL, 10) : 0;
    }
    struct stall *st = stall_ms > 0 ? malloc(sizeof(*st)) : NULL;
    if (!st) {
        bb_req_complete(q, status);
        return;
    }
    st->q = q;
    st->status = status;
    uv_timer_init(q->ring->vbd->ctx->loop, &st->timer);
    st->timer.data = st;
    uv_timer_start(&st->timer, on_stall, (uint64_t)stall_ms, 0);
}

static void submit(struct bb_req *q)
{
    bb_io_submit(q->ring->vbd->ctx, q);
}

/* Takes one request copy into a tag and starts it. */
static void start(struct bb_ring *r, const blkif_request_t *req, RING_IDX idx, bool journal)
{
    unsigned tag = r->free_tags[--r->nfree];
    struct bb_req *q = &r->reqs[tag];
    q->busy = true;
    q->ring = r;
    q->tag = tag;
    r->inflight++;
    r->nreq++;
    if (journal && r->journal)
        bb_journal_take(r->journal, tag, idx, req);
    int16_t st = prepare(q, req);
    if (st != BLKIF_RSP_OKAY) {
        bb_req_complete(q, st);
        return;
    }
    /* A barrier write waits for every earlier request, and nothing later
     * starts until it is done: draining stops the consumer. */
    if (q->barrier) {
        r->draining = true;
        if (r->inflight > 1) {
            r->pending_barrier = q;
            return;
        }
    }
    submit(q);
}

struct replay {
    struct bb_ring *r;
};

static void replay_one(void *arg, const blkif_request_t *req)
{
    struct replay *rp = arg;
    struct bb_ring *r = rp->r;
    if (r->nfree == 0 || !r->live)
        return;
    /* The journal entry is rewritten by start(): idx 0 keeps it below
     * req_cons, so it counts as in flight again. */
    start(r, req, r->ring.req_cons - 1, true);
}

void bb_ring_kick(struct bb_ring *r)
{
    while (r->live && !r->draining) {
        RING_IDX rp = r->ring.sring->req_prod;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (tracing())
            bb_log("vbd %u/%u q%u: kick prod %u cons %u", r->vbd->domid, r->vbd->devid, r->idx,
                   rp, r->ring.req_cons);
        /* Also a producer that went back past our consumer. */
        if (RING_REQUEST_PROD_OVERFLOW(&r->ring, rp) || rp - r->ring.req_cons > r->size) {
            xbb_fail(r->vbd->dev,
                     "queue %u: request producer %u is more than a ring ahead of %u; disconnecting",
                     r->idx, rp, r->ring.rsp_prod_pvt);
            return;
        }
        while (r->live && !r->draining && r->ring.req_cons != rp && r->nfree > 0) {
            blkif_request_t req;
            RING_IDX idx = r->ring.req_cons;
            RING_COPY_REQUEST(&r->ring, idx, &req);
            r->ring.req_cons = idx + 1;
            if (r->journal)
                bb_journal_take(r->journal, r->free_tags[r->nfree - 1], idx, &req);
            if (r->journal)
                bb_journal_consumed(r->journal, r->ring.req_cons);
            start(r, &req, idx, false);
        }
        if (!r->live || r->draining)
            break;
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&r->ring, more);
        if (!more)
            break;
    }
    bb_io_flush(r->vbd->ctx);
}

static int read_refs(struct bb_vbd *v, const char *dir, unsigned order, uint32_t *refs,
                     unsigned long *port)
{
    struct xbb_dev *d = v->dev;
    char key[160];
    unsigned n = 1u << order;
    for (unsigned i = 0; i < n; i++) {
        unsigned long ref;
        if (order == 0)
            snprintf(key, sizeof(key), "%s%sring-ref", dir, *dir ? "/" : "");
        else
            snprintf(key, sizeof(key), "%s%sring-ref%u", dir, *dir ? "/" : "", i);
        if (xbb_read_front_uint(d, key, UINT32_MAX, &ref) < 0) {
            xbb_log(d, "frontend key %s missing or not a number", key);
            return -1;
        }
        refs[i] = (uint32_t)ref;
    }
    snprintf(key, sizeof(key), "%s%sevent-channel", dir, *dir ? "/" : "");
    if (xbb_read_front_uint(d, key, UINT32_MAX, port) < 0) {
        xbb_log(d, "frontend key %s missing or not a number", key);
        return -1;
    }
    return 0;
}

int bb_ring_connect(struct bb_vbd *v, unsigned idx, const char *dir, unsigned order,
                    bool reconnect)
{
    struct bb_ring *r = &v->rings[idx];
    struct bb_ctx *c = v->ctx;
    if (r->live || r->reqs) {
        /* The xenbus walk holds the device Closing while a ring drains
         * (ops->busy); wiping one here would leave its requests pointing
         * at the new ring. */
        xbb_log(v->dev, "queue %u: %u request%s of the last connection still in flight; not "
                "connecting", idx, r->inflight, r->inflight == 1 ? "" : "s");
        return -1;
    }
    memset(r, 0, sizeof(*r));
    r->vbd = v;
    r->idx = idx;
    uint32_t refs[BB_MAX_RING_PAGES];
    unsigned long rport;
    if (read_refs(v, dir, order, refs, &rport) < 0)
        return -1;
    r->npages = 1u << order;
    r->sring_mem = xengnttab_map_domain_grant_refs(c->xgt, r->npages, v->dev->domid, refs,
                                                   PROT_READ | PROT_WRITE);
    if (!r->sring_mem) {
        xbb_log(v->dev, "cannot map ring %u: %s", idx, xengnttab_error(c->xgt));
        return -1;
    }
    blkif_sring_t *sring = r->sring_mem;
    BACK_RING_INIT(&r->ring, sring, (size_t)r->npages * BB_PAGE_SIZE);
    r->size = RING_SIZE(&r->ring);
    r->reqs = calloc(r->size, sizeof(*r->reqs));
    r->free_tags = calloc(r->size, sizeof(*r->free_tags));
    r->pgrants = v->persistent ? calloc(BB_PGRANT_HASH, sizeof(*r->pgrants)) : NULL;
    if (!r->reqs || !r->free_tags || (v->persistent && !r->pgrants)) {
        xbb_log(v->dev, "out of memory");
        ring_free(r);
        return -1;
    }
    for (unsigned i = 0; i < r->size; i++)
        r->free_tags[r->nfree++] = r->size - 1 - i;
    r->journal = bb_journal_open(c->rundir, v->domid, v->devid, idx, r->size, reconnect);

    RING_IDX rsp_pvt = 0, req_cons = 0;
    bool resume = false;
    if (reconnect) {
        RING_IDX rsp_prod = sring->rsp_prod, req_prod = sring->req_prod;
        if (r->journal && bb_journal_state(r->journal, &rsp_pvt, &req_cons) &&
            rsp_pvt - rsp_prod <= r->size && req_cons - rsp_pvt <= r->size &&
            req_prod - req_cons <= r->size) {
            resume = true;
        } else {
            /* No journal: answer from what the ring shows. */
            rsp_pvt = req_cons = rsp_prod;
        }
        r->ring.rsp_prod_pvt = rsp_pvt;
        r->ring.req_cons = req_cons;
    }

    int port = xenevtchn_bind_interdomain(c->xce, v->dev->domid, (evtchn_port_t)rport);
    if (port < 0 || (unsigned)port >= sizeof(c->by_port) / sizeof(c->by_port[0])) {
        xbb_log(v->dev, "cannot bind event channel %lu: %s", rport, xenevtchn_error(c->xce));
        if (port >= 0)
            xenevtchn_unbind(c->xce, (evtchn_port_t)port);
        ring_free(r);
        return -1;
    }
    r->port = (evtchn_port_t)port;
    c->by_port[port] = r;
    r->live = true;

    if (reconnect) {
        /* Responses counted before the last daemon died but not pushed. */
        unsigned pushed = r->ring.rsp_prod_pvt - sring->rsp_prod;
        uint64_t before = r->nreq;
        if (pushed) {
            int notify;
            RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r->ring, notify);
            (void)notify;
        }
        if (resume) {
            struct replay rp = {.r = r};
            bb_journal_each(r->journal, req_cons, replay_one, &rp);
        }
        xbb_log(v->dev, "queue %u resumed from %s: %u response%s published, %llu request%s replayed",
                idx, resume ? "its journal" : "the ring", pushed, pushed == 1 ? "" : "s",
                (unsigned long long)(r->nreq - before), r->nreq - before == 1 ? "" : "s");
        xenevtchn_notify(c->xce, r->port);
    }
    bb_ring_kick(r);
    return 0;
}

void bb_ring_disconnect(struct bb_ring *r)
{
    struct bb_ctx *c = r->vbd->ctx;
    if (!r->live)
        return;
    r->live = false;
    if (r->pending_barrier) {
        struct bb_req *b = r->pending_barrier;
        r->pending_barrier = NULL;
        bb_req_complete(b, BLKIF_RSP_ERROR);
    }
    xenevtchn_unbind(c->xce, r->port);
    if (r->port < sizeof(c->by_port) / sizeof(c->by_port[0]))
        c->by_port[r->port] = NULL;
    if (r->inflight == 0)
        ring_free(r);
}
