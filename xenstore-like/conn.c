#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xenstore-like/conn.h"
#include "xenstore-like/proto.h"
#include "xenstore-like/store.h"
#include "xenstore-like/txn.h"

int xs_conn_init(struct xs_conn *c, struct xs_store *st, const struct xs_conn_ops *ops, void *tp,
                 uint32_t domid)
{
    memset(c, 0, offsetof(struct xs_conn, in));
    c->dom = xs_domain_get(&st->doms, domid);
    if (!c->dom)
        return ENOMEM;
    c->ops = ops;
    c->tp = tp;
    c->st = st;
    c->id = st->next_conn_id++;
    c->priv = domid == 0;
    c->dom_next = c->dom->conns;
    c->dom->conns = c;
    c->next = st->conns;
    if (c->next)
        c->next->pprev = &c->next;
    c->pprev = &st->conns;
    st->conns = c;
    return 0;
}

void xs_conn_destroy(struct xs_conn *c)
{
    if (c->pprev) {
        *c->pprev = c->next;
        if (c->next)
            c->next->pprev = c->pprev;
        c->pprev = NULL;
    }
}

/* Trace lines: time, connection, direction, type, ids, payload with NULs
 * shown as spaces (values are text by convention). */
static void trace(struct xs_conn *c, const char *dir, const struct xsd_sockmsg *h,
                  const char *payload)
{
    FILE *f = c->st->trace;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    fprintf(f, "%02d:%02d:%02d.%06ld conn %u dom %u %s %s req %u tx %u len %u \"", tm.tm_hour,
            tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000, c->id, c->dom->domid, dir,
            xs_type_name(h->type), h->req_id, h->tx_id, h->len);
    uint32_t n = h->len > XENSTORE_PAYLOAD_MAX ? 0 : h->len;
    for (uint32_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)payload[i];
        if (ch == 0)
            fputc(' ', f);
        else if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
    fputs("\"\n", f);
    fflush(f);
}

static void send_msg(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
                     const void *payload, size_t len)
{
    if (c->dead)
        return;
    struct xsd_sockmsg h = {.type = type, .req_id = req_id, .tx_id = tx_id, .len = (uint32_t)len};
    memcpy(c->out, &h, sizeof(h));
    if (len && payload != c->out + sizeof(h))
        memcpy(c->out + sizeof(h), payload, len);
    if (c->st->trace)
        trace(c, "OUT", &h, c->out + sizeof(h));
    if (c->ops->write(c, c->out, sizeof(h) + len) < 0) {
        xs_conn_kill(c, "cannot queue more output");
        return;
    }
    if (!c->dirty) {
        c->dirty = true;
        c->dirty_next = c->st->dirty;
        c->st->dirty = c;
    }
}

void xs_store_flush(struct xs_store *st)
{
    while (st->dirty) {
        struct xs_conn *c = st->dirty;
        st->dirty = c->dirty_next;
        c->dirty = false;
        /* A connection about to be dropped still gets what was queued
         * (the error that explains why) before it closes. */
        c->ops->flush(c);
    }
    xs_store_reap(st);
}

void xs_conn_reply(struct xs_conn *c, const struct xsd_sockmsg *req, uint32_t type,
                   const void *payload, size_t len)
{
    if (len > XENSTORE_PAYLOAD_MAX) {
        xs_conn_error(c, req, E2BIG);
        return;
    }
    send_msg(c, type, req->req_id, req->tx_id, payload, len);
}

void xs_conn_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err)
{
    const char *name = xs_errno_name(err);
    send_msg(c, XS_ERROR, req->req_id, req->tx_id, name, strlen(name) + 1);
}

void xs_conn_send_event(struct xs_conn *c, const char *path, const char *token)
{
    size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
    if (pl + tl > XENSTORE_PAYLOAD_MAX)
        return; /* cannot happen with valid paths and tokens */
    char *p = c->out + sizeof(struct xsd_sockmsg);
    memcpy(p, path, pl);
    memcpy(p + pl, token, tl);
    send_msg(c, XS_WATCH_EVENT, 0, 0, p, pl + tl);
}

void xs_conn_kill(struct xs_conn *c, const char *why)
{
    if (c->dead)
        return;
    xs_store_log(c->st, "dropping connection %u (domain %u): %s", c->id, c->dom->domid, why);
    c->dead = true;
    c->reap_next = c->st->reap;
    c->st->reap = c;
}

void xs_conn_close_now(struct xs_conn *c)
{
    struct xs_store *st = c->st;
    c->dead = true;
    for (struct xs_watch *w = c->watches; w; w = w->cnext)
        c->dom->watches--;
    xs_watch_del_all(&st->watches, &c->watches);
    if (c->dirty) {
        for (struct xs_conn **pp = &st->dirty; *pp; pp = &(*pp)->dirty_next)
            if (*pp == c) {
                *pp = c->dirty_next;
                break;
            }
        c->dirty = false;
    }
    while (c->txns) {
        struct xs_txn *tx = c->txns;
        c->txns = tx->next;
        xs_txn_free(st, tx);
    }
    for (struct xs_conn **pp = &c->dom->conns; *pp; pp = &(*pp)->dom_next)
        if (*pp == c) {
            *pp = c->dom_next;
            break;
        }
    /* Unlink from the store now, so a store freed before the transport's
     * close callback runs never walks a dangling connection. */
    xs_conn_destroy(c);
    c->ops->close(c);
}

void xs_store_reap(struct xs_store *st)
{
    while (st->reap) {
        struct xs_conn *c = st->reap;
        st->reap = c->reap_next;
        xs_conn_close_now(c);
    }
}

bool xs_conn_input(struct xs_conn *c, size_t n)
{
    struct xs_store *st = c->st;
    c->in_used += n;
    size_t off = 0;
    while (!c->dead && c->in_used - off >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg h;
        memcpy(&h, c->in + off, sizeof(h));
        if (h.len > XENSTORE_PAYLOAD_MAX) {
            /* The stream cannot be resynchronised: say why, then drop it. */
            xs_conn_error(c, &h, E2BIG);
            xs_conn_kill(c, "payload length over 4096");
            break;
        }
        if (c->in_used - off < sizeof(h) + h.len)
            break;
        /* A guest that does not take its replies stops being read. */
        if (!c->priv && c->ops->queued(c) >= st->quota.outstanding)
            break;
        char *payload = c->in + off + sizeof(h);
        if (st->trace)
            trace(c, "IN", &h, payload);
        xs_proto_handle(c, &h, payload);
        st->requests++;
        off += sizeof(h) + h.len;
    }
    if (off && !c->dead) {
        memmove(c->in, c->in + off, c->in_used - off);
        c->in_used -= off;
    }
    bool alive = !c->dead;
    /* This connection's replies and any events others received. */
    xs_store_flush(st);
    return alive;
}
