/*
 * A vif's rings: requests are copied off the shared page before they are
 * looked at (the guest can rewrite them under us), every index, size,
 * offset and slot count is checked, and each batch costs one grant copy
 * through xenolithd and one notification.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "backends/netback/csum.h"
#include "backends/netback/netback.h"

#define PAGE 4096u
#define ETH_HLEN 14
/* Per batch: packets, copy segments and bytes (the bytes travel over the
 * privcmd socket, whose messages stop at 1 MiB). */
#define BATCH_PACKETS 64
#define BATCH_SEGS 256
#define BATCH_BYTES (512u * 1024)
#define MAX_FRAME 65536u

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct vq *vq_by_port(struct netback *nb, evtchn_port_t port)
{
    for (struct vif *v = nb->vifs; v; v = v->next)
        for (unsigned i = 0; v->connected && i < v->nq; i++)
            if (v->q[i].port == port || v->q[i].port_rx == port)
                return &v->q[i];
    return NULL;
}

/* What a guest's bad request makes us say: the first few, then one in a
 * thousand, so that a guest cannot fill Dom0's disk with our log. */
#define WARN_FIRST 20
#define WARN_EVERY 1000
static void vif_warn(struct vif *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void vif_warn(struct vif *v, const char *fmt, ...)
{
    uint64_t n = v->warnings++;
    if (n >= WARN_FIRST && n % WARN_EVERY)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < WARN_FIRST)
        nb_log("vif%u.%u: %s", v->domid, v->devid, msg);
    else
        nb_log("vif%u.%u: %s (%" PRIu64 " such messages so far)", v->domid, v->devid, msg, n + 1);
}

static void notify(struct vif *v, evtchn_port_t port)
{
    if (xenevtchn_notify(v->nb->xce, port) < 0)
        nb_log("vif%u.%u: notify failed: %s", v->domid, v->devid, xenevtchn_error(v->nb->xce));
}

static void stop_tap(struct vif *v);

static void on_tap(uv_poll_t *p, int status, int events)
{
    (void)events;
    struct vif *v = p->data;
    /* The interface was deleted under us (vif-bridge offline): nothing
     * more will come; the vif's removal follows. */
    if (status < 0) {
        stop_tap(v);
        return;
    }
    vif_rx_work(v);
}

void vif_start_tap(struct vif *v)
{
    if (v->tap_fd < 0 || v->tap_polling || !v->connected)
        return;
    if (!v->tap_poll_init) {
        uv_poll_init(v->nb->loop, &v->tap_poll, v->tap_fd);
        v->tap_poll.data = v;
        v->tap_poll_init = true;
    }
    uv_poll_start(&v->tap_poll, UV_READABLE, on_tap);
    v->tap_polling = true;
}

static void stop_tap(struct vif *v)
{
    if (v->tap_polling)
        uv_poll_stop(&v->tap_poll);
    v->tap_polling = false;
}

static void kick(uv_timer_t *t)
{
    struct vif *v = t->data;
    for (unsigned i = 0; i < v->nq && v->connected; i++)
        vif_tx_work(&v->q[i]);
    vif_rx_work(v);
}

static void unmap_queue(struct vq *q)
{
    struct netback *nb = q->v->nb;
    if (!q->mapped)
        return;
    xenevtchn_unbind(nb->xce, q->port);
    if (q->port_rx != q->port)
        xenevtchn_unbind(nb->xce, q->port_rx);
    xengnttab_unmap(nb->xgt, q->tx_page, 1);
    xengnttab_unmap(nb->xgt, q->rx_page, 1);
    q->tx_page = q->rx_page = NULL;
    q->mapped = false;
}

static int map_queue(struct vq *q, const struct vq_keys *k, char *err, size_t errlen)
{
    struct vif *v = q->v;
    struct netback *nb = v->nb;
    q->tx_page = xengnttab_map_grant_ref(nb->xgt, v->domid, k->tx_ref, PROT_READ | PROT_WRITE);
    if (!q->tx_page) {
        snprintf(err, errlen, "queue %u: cannot map tx-ring-ref %u: %s", q->idx, k->tx_ref,
                 xengnttab_error(nb->xgt));
        return -1;
    }
    q->rx_page = xengnttab_map_grant_ref(nb->xgt, v->domid, k->rx_ref, PROT_READ | PROT_WRITE);
    if (!q->rx_page) {
        snprintf(err, errlen, "queue %u: cannot map rx-ring-ref %u: %s", q->idx, k->rx_ref,
                 xengnttab_error(nb->xgt));
        xengnttab_unmap(nb->xgt, q->tx_page, 1);
        return -1;
    }
    int port = xenevtchn_bind_interdomain(nb->xce, v->domid, k->evt);
    int port_rx = port;
    if (port >= 0 && k->evt_rx != k->evt) {
        port_rx = xenevtchn_bind_interdomain(nb->xce, v->domid, k->evt_rx);
        if (port_rx < 0) {
            xenevtchn_unbind(nb->xce, (evtchn_port_t)port);
            port = -1;
        }
    }
    if (port < 0) {
        snprintf(err, errlen, "queue %u: cannot bind event channel %u: %s", q->idx, k->evt,
                 xenevtchn_error(nb->xce));
        xengnttab_unmap(nb->xgt, q->tx_page, 1);
        xengnttab_unmap(nb->xgt, q->rx_page, 1);
        return -1;
    }
    q->port = (evtchn_port_t)port;
    q->port_rx = (evtchn_port_t)port_rx;
    /* Whatever a previous netback answered is answered; requests past
     * the last response are (re)done. A fresh ring has both at 0. */
    netif_tx_sring_t *txs = q->tx_page;
    netif_rx_sring_t *rxs = q->rx_page;
    BACK_RING_ATTACH(&q->tx, txs, txs->rsp_prod, PAGE);
    BACK_RING_ATTACH(&q->rx, rxs, rxs->rsp_prod, PAGE);
    q->mapped = true;
    return 0;
}

int vif_connect(struct vif *v, const struct vq_keys *keys, unsigned nq, char *err,
                size_t errlen)
{
    if (nq < 1 || nq > NB_MAX_QUEUES) {
        snprintf(err, errlen, "%u queues asked for; 1 to %d are offered", nq, NB_MAX_QUEUES);
        return -1;
    }
    for (unsigned i = 0; i < nq; i++) {
        v->q[i] = (struct vq){.v = v, .idx = i};
        if (map_queue(&v->q[i], &keys[i], err, errlen) < 0) {
            while (i-- > 0)
                unmap_queue(&v->q[i]);
            return -1;
        }
    }
    v->nq = nq;
    v->connected = true;
    vif_start_tap(v);
    /* Anything the guest queued while nobody listened, once the state
     * machine has marked us connected. */
    uv_timer_start(&v->kick, kick, 0, 0);
    return 0;
}

void vif_disconnect(struct vif *v)
{
    stop_tap(v);
    uv_timer_stop(&v->kick);
    if (v->rate_timer_init)
        uv_timer_stop(&v->rate_timer);
    v->rate_waiting = false;
    if (!v->connected)
        return;
    for (unsigned i = 0; i < v->nq; i++)
        unmap_queue(&v->q[i]);
    v->connected = false;
    free(v->pending);
    v->pending = NULL;
    v->pending_len = 0;
}

void vif_fail(struct vif *v, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (v->dev)
        xbb_fail(v->dev, "disconnecting: %s", why); /* disconnects through the state machine */
    vif_disconnect(v);
}

/* ---- guest to tap ---- */

struct tx_pkt {
    RING_IDX first;     /* its first slot */
    unsigned nslots;    /* every slot it used, extras included */
    /* The ids to answer: data slots up to the limit, and the extras. */
    uint16_t ids[XEN_NETIF_NR_SLOTS_MIN + XEN_NETIF_EXTRA_TYPE_MAX - 1];
    bool extra[XEN_NETIF_NR_SLOTS_MIN + XEN_NETIF_EXTRA_TYPE_MAX - 1];
    unsigned nids;
    int16_t status;
    bool csum_blank;
    uint8_t *data;
    size_t len;
    unsigned seg0, nseg;
};

static void tx_respond(struct vq *q, uint16_t id, int16_t status)
{
    netif_tx_response_t *r = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);
    r->id = id;
    r->status = status;
    q->tx.rsp_prod_pvt++;
}

static void rate_wake(uv_timer_t *t)
{
    struct vif *v = t->data;
    v->rate_waiting = false;
    for (unsigned i = 0; i < v->nq && v->connected; i++)
        vif_tx_work(&v->q[i]);
}

static void rate_wait(struct vif *v)
{
    if (!v->rate_timer_init) {
        uv_timer_init(v->nb->loop, &v->rate_timer);
        v->rate_timer.data = v;
        v->rate_timer_init = true;
    }
    uint64_t ms = (rate_wait_ns(&v->rate, now_ns()) + 999999) / 1000000;
    v->rate_waiting = true;
    uv_timer_start(&v->rate_timer, rate_wake, ms ? ms : 1, 0);
}

/*
 * Reads the packet starting at cons (copied slot by slot). Returns the
 * slots it takes (its status says whether it is good), 0 when it is not
 * all on the ring yet, or -1 when the guest broke the ring.
 */
static int tx_parse(struct vq *q, RING_IDX cons, RING_IDX prod, struct tx_pkt *p,
                    netif_tx_request_t *slots, unsigned *nslots)
{
    netif_tx_request_t req;
    RING_IDX i = cons;
    unsigned n = 0;
    *p = (struct tx_pkt){.first = cons, .status = NETIF_RSP_OKAY};
    if (i == prod)
        return 0;
    RING_COPY_REQUEST(&q->tx, i, &req);
    i++;
    p->ids[p->nids++] = req.id;
    slots[n++] = req;
    p->csum_blank = req.flags & NETTXF_csum_blank;
    uint16_t flags = req.flags;
    if (flags & NETTXF_extra_info) {
        netif_extra_info_t ex;
        /* One extra of each type at most, as Linux's netback takes. */
        do {
            if (i == prod)
                return 0;
            if (i - cons >= RING_SIZE(&q->tx))
                return -1;
            /* An extra overlays a request slot. */
            union {
                netif_tx_request_t req;
                netif_extra_info_t ex;
            } slot;
            RING_COPY_REQUEST(&q->tx, i, &slot.req);
            ex = slot.ex;
            i++;
            p->extra[p->nids] = true;
            p->ids[p->nids++] = 0;
            /* No GSO was offered: a segmentation request cannot be met. */
            if (ex.type == XEN_NETIF_EXTRA_TYPE_NONE || ex.type >= XEN_NETIF_EXTRA_TYPE_MAX ||
                ex.type == XEN_NETIF_EXTRA_TYPE_GSO)
                p->status = NETIF_RSP_ERROR;
        } while ((ex.flags & XEN_NETIF_EXTRA_FLAG_MORE) && p->nids < XEN_NETIF_EXTRA_TYPE_MAX);
        if (ex.flags & XEN_NETIF_EXTRA_FLAG_MORE)
            return -1;
    }
    while (flags & NETTXF_more_data) {
        if (i == prod)
            return 0;
        /* A chain longer than the ring can never end. */
        if (i - cons >= RING_SIZE(&q->tx))
            return -1;
        RING_COPY_REQUEST(&q->tx, i, &req);
        i++;
        flags = req.flags;
        if (n < XEN_NETIF_NR_SLOTS_MIN) {
            slots[n] = req;
            p->ids[p->nids++] = req.id;
        } else {
            if (p->status == NETIF_RSP_OKAY)
                vif_warn(q->v, "packet at %u has more than %d slots: dropped", cons,
                         XEN_NETIF_NR_SLOTS_MIN);
            p->status = NETIF_RSP_ERROR;
            /* Slots past the limit still get their error response. */
            if (p->nids < sizeof(p->ids) / sizeof(p->ids[0]))
                p->ids[p->nids++] = req.id;
        }
        n++;
    }
    p->nslots = i - cons;
    *nslots = n;
    return (int)p->nslots;
}

/* Sizes and offsets: the first slot's size is the whole packet's. */
static bool tx_valid(struct vif *v, const netif_tx_request_t *s, unsigned n, size_t *total)
{
    if (n > XEN_NETIF_NR_SLOTS_MIN) {
        vif_warn(v, "packet of %u slots (limit %d) dropped", n, XEN_NETIF_NR_SLOTS_MIN);
        return false;
    }
    size_t rest = 0;
    for (unsigned k = 1; k < n; k++)
        rest += s[k].size;
    if (s[0].size < rest || s[0].size < ETH_HLEN) {
        vif_warn(v, "packet size %u is less than its slots' %zu or a header", s[0].size,
                 rest);
        return false;
    }
    for (unsigned k = 0; k < n; k++) {
        size_t len = k ? s[k].size : s[0].size - rest;
        if (s[k].offset + len > PAGE) {
            vif_warn(v, "slot %u: offset %u + size %zu is past the page", k, s[k].offset,
                     len);
            return false;
        }
    }
    *total = s[0].size;
    return true;
}

/* Batches one wakeup takes from a queue: a guest that keeps its tx ring
 * full waits its turn behind the other vifs (the vif's kick timer takes
 * the rest from the next loop iteration) instead of holding netback. */
#define TX_BATCHES_PER_WAKEUP 4

void vif_tx_work(struct vq *q)
{
    struct vif *v = q->v;
    struct netback *nb = v->nb;
    if (!v->connected || v->rate_waiting)
        return;
    for (unsigned batches = 0;; batches++) {
        if (batches == TX_BATCHES_PER_WAKEUP) {
            uv_timer_start(&v->kick, kick, 0, 0);
            return;
        }
        struct tx_pkt pk[BATCH_PACKETS];
        unsigned npk = 0, nseg = 0;
        size_t bytes = 0;
        bool stop = false;
        RING_IDX prod = q->tx.sring->req_prod;
        xen_rmb();
        if (prod - q->tx.req_cons > RING_SIZE(&q->tx)) {
            vif_fail(v, "tx producer %u is more than a ring ahead of our consumer %u", prod,
                     q->tx.req_cons);
            return;
        }
        while (npk < BATCH_PACKETS && !stop) {
            netif_tx_request_t slots[XEN_NETIF_NR_SLOTS_MIN];
            unsigned n = 0;
            struct tx_pkt *p = &pk[npk];
            int used = tx_parse(q, q->tx.req_cons, prod, p, slots, &n);
            if (used < 0) {
                vif_fail(v, "tx request chain at %u runs the whole ring", q->tx.req_cons);
                return;
            }
            if (used == 0)
                break;
            size_t total = 0;
            if (p->status == NETIF_RSP_OKAY && !tx_valid(v, slots, n, &total))
                p->status = NETIF_RSP_ERROR;
            if (p->status == NETIF_RSP_OKAY) {
                if (nseg + n > BATCH_SEGS || bytes + total > BATCH_BYTES) {
                    stop = true;
                    break;
                }
                if (!rate_take(&v->rate, total, now_ns())) {
                    rate_wait(v);
                    stop = true;
                    break;
                }
                p->data = nb->buf + bytes;
                p->len = total;
                p->seg0 = nseg;
                p->nseg = n;
                size_t rest = 0;
                for (unsigned k = 1; k < n; k++)
                    rest += slots[k].size;
                size_t at = 0;
                for (unsigned k = 0; k < n; k++) {
                    size_t len = k ? slots[k].size : slots[0].size - rest;
                    xengnttab_grant_copy_segment_t *s = &nb->segs[nseg++];
                    *s = (xengnttab_grant_copy_segment_t){
                        .source.foreign = {.ref = slots[k].gref, .offset = slots[k].offset,
                                           .domid = (domid_t)v->domid},
                        .dest.virt = p->data + at,
                        .len = (uint16_t)len,
                        .flags = GNTCOPY_source_gref,
                    };
                    at += len;
                }
                bytes += total;
            }
            q->tx.req_cons += (RING_IDX)used;
            npk++;
        }
        if (npk == 0)
            break;
        if (nseg && xengnttab_grant_copy(nb->xgt, nseg, nb->segs) < 0) {
            nb_log("vif%u.%u: grant copy failed: %s", v->domid, v->devid,
                   xengnttab_error(nb->xgt));
            for (unsigned k = 0; k < nseg; k++)
                nb->segs[k].status = GNTST_general_error;
        }
        for (unsigned k = 0; k < npk; k++) {
            struct tx_pkt *p = &pk[k];
            for (unsigned s = 0; p->status == NETIF_RSP_OKAY && s < p->nseg; s++)
                if (nb->segs[p->seg0 + s].status != GNTST_okay) {
                    vif_warn(v, "tx copy from grant %u: status %d",
                             nb->segs[p->seg0 + s].source.foreign.ref,
                             nb->segs[p->seg0 + s].status);
                    p->status = NETIF_RSP_ERROR;
                }
            if (p->status == NETIF_RSP_OKAY) {
                if (p->csum_blank)
                    (void)csum_fill_ipv4(p->data, p->len);
                if (write(v->tap_fd, p->data, p->len) < 0)
                    v->tx_errors++; /* the tap is down or full: dropped, as on a wire */
                v->tx_packets++;
            } else {
                v->tx_errors++;
            }
            for (unsigned s = 0; s < p->nids; s++)
                tx_respond(q, p->ids[s], p->extra[s] ? NETIF_RSP_NULL : p->status);
            /* Slots past those we kept ids for: answered by position. */
            for (unsigned s = p->nids; s < p->nslots; s++) {
                netif_tx_request_t req;
                RING_COPY_REQUEST(&q->tx, p->first + s, &req);
                tx_respond(q, req.id, NETIF_RSP_ERROR);
            }
        }
        int ntf;
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, ntf);
        if (ntf)
            notify(v, q->port);
        if (stop)
            break;
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
        if (!more)
            break;
    }
}

/* ---- tap to guest ---- */

static bool read_pending(struct vif *v)
{
    if (v->pending_len)
        return true;
    if (!v->pending && !(v->pending = malloc(MAX_FRAME)))
        return false;
    ssize_t n = read(v->tap_fd, v->pending, MAX_FRAME);
    if (n <= 0)
        return false;
    v->pending_len = (size_t)n;
    return true;
}

/* Which queue a frame goes to: by its IPv4 flow (addresses, protocol,
 * ports), so that one flow's packets stay in order on one queue. */
static unsigned pick_queue(const struct vif *v, const uint8_t *f, size_t len)
{
    if (v->nq == 1 || len < ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00)
        return 0;
    const uint8_t *ip = f + ETH_HLEN;
    uint32_t h = ip[9];
    for (int i = 12; i < 20; i++)
        h = h * 31 + ip[i];
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    if ((ip[9] == 6 || ip[9] == 17) && len >= ETH_HLEN + ihl + 4)
        for (size_t i = 0; i < 4; i++)
            h = h * 31 + ip[ihl + i];
    return h % v->nq;
}

static bool rx_sane(struct vq *q)
{
    RING_IDX prod = q->rx.sring->req_prod;
    xen_rmb();
    if (prod - q->rx.req_cons > RING_SIZE(&q->rx)) {
        vif_fail(q->v, "queue %u: rx producer %u is more than a ring ahead of our consumer %u",
                 q->idx, prod, q->rx.req_cons);
        return false;
    }
    return true;
}

void vif_rx_work(struct vif *v)
{
    struct netback *nb = v->nb;
    while (v->connected) {
        /* Each copy segment's queue and response slot. */
        struct vq *seg_q[BATCH_SEGS];
        RING_IDX seg_rsp[BATCH_SEGS];
        unsigned pend[NB_MAX_QUEUES] = {0};
        unsigned npk = 0, nseg = 0;
        size_t bytes = 0;
        struct vq *starved = NULL;
        for (unsigned i = 0; i < v->nq; i++)
            if (!rx_sane(&v->q[i]))
                return;
        while (npk < BATCH_PACKETS && read_pending(v)) {
            size_t len = v->pending_len;
            unsigned need = (unsigned)((len + PAGE - 1) / PAGE);
            if (need > 1 && !v->fe_sg) {
                v->rx_dropped++;
                v->pending_len = 0;
                continue;
            }
            struct vq *q = &v->q[pick_queue(v, v->pending, len)];
            if (!rx_sane(q))
                return;
            if (q->rx.sring->req_prod - q->rx.req_cons < need) {
                starved = q;
                break;
            }
            if (nseg + need > BATCH_SEGS || bytes + len > BATCH_BYTES)
                break;
            uint8_t *data = nb->buf + bytes;
            memcpy(data, v->pending, len);
            bytes += len;
            v->pending_len = 0;
            npk++;
            for (unsigned k = 0; k < need; k++) {
                netif_rx_request_t req;
                RING_COPY_REQUEST(&q->rx, q->rx.req_cons, &req);
                q->rx.req_cons++;
                size_t chunk = len - k * PAGE < PAGE ? len - k * PAGE : PAGE;
                nb->segs[nseg] = (xengnttab_grant_copy_segment_t){
                    .source.virt = data + k * PAGE,
                    .dest.foreign = {.ref = req.gref, .offset = 0, .domid = (domid_t)v->domid},
                    .len = (uint16_t)chunk,
                    .flags = GNTCOPY_dest_gref,
                };
                seg_q[nseg] = q;
                seg_rsp[nseg] = q->rx.rsp_prod_pvt + pend[q->idx]++;
                netif_rx_response_t *r = RING_GET_RESPONSE(&q->rx, seg_rsp[nseg]);
                r->id = req.id;
                r->offset = 0;
                /* Not data_validated: nothing here checked the checksums
                 * (the tap hands over complete ones). */
                r->flags = (uint16_t)(k + 1 < need ? NETRXF_more_data : 0);
                r->status = (int16_t)chunk;
                nseg++;
            }
        }
        if (npk) {
            if (xengnttab_grant_copy(nb->xgt, nseg, nb->segs) < 0) {
                nb_log("vif%u.%u: grant copy failed: %s", v->domid, v->devid,
                       xengnttab_error(nb->xgt));
                for (unsigned k = 0; k < nseg; k++)
                    nb->segs[k].status = GNTST_general_error;
            }
            for (unsigned k = 0; k < nseg; k++) {
                if (nb->segs[k].status == GNTST_okay)
                    continue;
                vif_warn(v, "rx copy to grant %u: status %d", nb->segs[k].dest.foreign.ref,
                         nb->segs[k].status);
                RING_GET_RESPONSE(&seg_q[k]->rx, seg_rsp[k])->status = NETIF_RSP_ERROR;
            }
            v->rx_packets += npk;
            for (unsigned i = 0; i < v->nq; i++) {
                struct vq *q = &v->q[i];
                if (!pend[i])
                    continue;
                q->rx.rsp_prod_pvt += pend[i];
                int ntf;
                RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, ntf);
                if (ntf)
                    notify(v, q->port_rx);
            }
        }
        if (starved) {
            /* Wait for the guest to post buffers on that queue; its notify
             * resumes us (req_event asks for one as soon as it posts). */
            stop_tap(v);
            int more;
            RING_FINAL_CHECK_FOR_REQUESTS(&starved->rx, more);
            unsigned need = (unsigned)((v->pending_len + PAGE - 1) / PAGE);
            if (!more || starved->rx.sring->req_prod - starved->rx.req_cons < need)
                return;
            continue;
        }
        vif_start_tap(v);
        if (npk < BATCH_PACKETS && !v->pending_len)
            return;
    }
}
