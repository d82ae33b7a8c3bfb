/*
 * Test harness for xenolith-stored's core: connections whose transport is
 * a buffer, so tests speak the real wire protocol to the real dispatcher
 * and read back replies and watch events. Included by each test_xs_*.c.
 */
#ifndef XENOLITH_TEST_XS_HARNESS_H
#define XENOLITH_TEST_XS_HARNESS_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenstore-like/conn.h"
#include "xenstore-like/store.h"
#include "xenstore-like/txn.h"

#define T_OUT (1 << 20)
#define T_EVENTS 256

struct tconn {
    struct xs_conn c;
    char out[T_OUT];
    size_t len;
    bool closed;
    uint32_t next_req;
    /* watch events seen, "path token" each */
    char *events[T_EVENTS];
    int nevents, evread;
    size_t queued; /* what ops->queued reports (outstanding quota tests) */
};

static __attribute__((unused)) int t_write(struct xs_conn *c, const void *msg, size_t len)
{
    struct tconn *t = c->tp;
    if (t->len + len > T_OUT)
        return -ENOBUFS;
    memcpy(t->out + t->len, msg, len);
    t->len += len;
    return 0;
}
static __attribute__((unused)) void t_flush(struct xs_conn *c) { (void)c; }
static __attribute__((unused)) size_t t_queued(struct xs_conn *c) { return ((struct tconn *)c->tp)->queued; }
static __attribute__((unused)) void t_close(struct xs_conn *c) { ((struct tconn *)c->tp)->closed = true; }

static const struct xs_conn_ops t_ops = {t_write, t_flush, t_queued, t_close};

static __attribute__((unused)) struct xs_store *t_store(void)
{
    struct xs_quota q = XS_QUOTA_DEFAULTS;
    struct xs_store *st = xs_store_new(&q);
    ck_assert_ptr_nonnull(st);
    return st;
}

static __attribute__((unused)) struct tconn *t_conn(struct xs_store *st, uint32_t domid)
{
    struct tconn *t = calloc(1, sizeof(*t));
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(xs_conn_init(&t->c, st, &t_ops, t, domid), 0);
    t->next_req = 1;
    return t;
}

/* Frees the harness side; the store must be freed (or t closed) first. */
static __attribute__((unused)) void t_free(struct tconn *t)
{
    for (int i = 0; i < t->nevents; i++)
        free(t->events[i]);
    free(t);
}

/* Moves watch events out of the output into t->events; returns the reply
 * to req_id (type and payload copied into rbuf, NUL-terminated). */
static __attribute__((unused)) uint32_t t_collect(struct tconn *t, uint32_t req_id, char *rbuf, size_t *rlen)
{
    uint32_t type = UINT32_MAX;
    size_t off = 0;
    while (off + sizeof(struct xsd_sockmsg) <= t->len) {
        struct xsd_sockmsg h;
        memcpy(&h, t->out + off, sizeof(h));
        const char *p = t->out + off + sizeof(h);
        if (h.type == XS_WATCH_EVENT) {
            ck_assert_int_lt(t->nevents, T_EVENTS);
            const char *tok = p + strlen(p) + 1;
            char *e = malloc(h.len + 2);
            snprintf(e, h.len + 2, "%s %s", p, tok);
            t->events[t->nevents++] = e;
        } else if (h.req_id == req_id && rbuf) {
            type = h.type;
            memcpy(rbuf, p, h.len);
            rbuf[h.len] = '\0';
            if (rlen)
                *rlen = h.len;
        }
        off += sizeof(h) + h.len;
    }
    t->len = 0;
    return type;
}

/* Sends raw bytes as if they arrived from the transport. */
static __attribute__((unused)) bool t_raw(struct tconn *t, const void *bytes, size_t len)
{
    size_t avail;
    char *p = xs_conn_in_space(&t->c, &avail);
    ck_assert_uint_le(len, avail);
    memcpy(p, bytes, len);
    return xs_conn_input(&t->c, len);
}

/* One request; returns the reply type; reply payload in rbuf. */
static __attribute__((unused)) uint32_t t_req(struct tconn *t, uint32_t type, uint32_t tx, const void *payload, size_t len,
                      char *rbuf, size_t *rlen)
{
    char msg[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    struct xsd_sockmsg h = {.type = type, .req_id = t->next_req++, .tx_id = tx,
                            .len = (uint32_t)len};
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), payload, len);
    t_raw(t, msg, sizeof(h) + len);
    return t_collect(t, h.req_id, rbuf, rlen);
}

/*
 * A request whose payload is the given strings, each NUL-terminated
 * (the last one too unless it is value-like: pass raw=true for WRITE).
 * Returns the reply as text: the payload for success, "E..." for errors.
 */
static char t_reply[XENSTORE_PAYLOAD_MAX + 1];
static __attribute__((unused)) const char *t_call(struct tconn *t, uint32_t type, uint32_t tx, int n, ...)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t len = 0;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *s = va_arg(ap, const char *);
        size_t l = strlen(s);
        memcpy(buf + len, s, l);
        len += l;
        if (!(type == XS_WRITE && i == n - 1))
            buf[len++] = '\0';
    }
    va_end(ap);
    size_t rlen = 0;
    uint32_t rt = t_req(t, type, tx, buf, len, t_reply, &rlen);
    ck_assert_uint_ne(rt, UINT32_MAX);
    /* NULs between strings shown as '|' so lists compare as text. */
    for (size_t i = 0; i + 1 < rlen; i++)
        if (t_reply[i] == '\0')
            t_reply[i] = '|';
    if (rt == XS_ERROR)
        return t_reply;
    ck_assert_uint_eq(rt, type);
    return t_reply;
}

#define T_READ(t, tx, p) t_call((t), XS_READ, (tx), 1, (p))
#define T_WRITE(t, tx, p, v) t_call((t), XS_WRITE, (tx), 2, (p), (v))
#define T_RM(t, tx, p) t_call((t), XS_RM, (tx), 1, (p))
#define T_MKDIR(t, tx, p) t_call((t), XS_MKDIR, (tx), 1, (p))
#define T_DIR(t, tx, p) t_call((t), XS_DIRECTORY, (tx), 1, (p))
#define T_WATCH(t, p, tok) t_call((t), XS_WATCH, 0, 2, (p), (tok))
#define T_UNWATCH(t, p, tok) t_call((t), XS_UNWATCH, 0, 2, (p), (tok))

static __attribute__((unused)) uint32_t t_tx_start(struct tconn *t)
{
    const char *r = t_call(t, XS_TRANSACTION_START, 0, 1, "");
    ck_assert_msg(r[0] >= '1' && r[0] <= '9', "TRANSACTION_START gave %s", r);
    return (uint32_t)strtoul(r, NULL, 10);
}

#define T_TX_END(t, tx, commit) t_call((t), XS_TRANSACTION_END, (tx), 1, (commit) ? "T" : "F")

/* The next unread event ("path token"), or NULL. */
static __attribute__((unused)) const char *t_event(struct tconn *t)
{
    t_collect(t, 0, NULL, NULL);
    return t->evread < t->nevents ? t->events[t->evread++] : NULL;
}

static __attribute__((unused)) void t_no_events(struct tconn *t)
{
    const char *e = t_event(t);
    ck_assert_msg(e == NULL, "unexpected watch event '%s'", e);
}

#define T_EXPECT_EVENT(t, s)                                                   \
    do {                                                                       \
        const char *e_ = t_event(t);                                           \
        ck_assert_msg(e_ != NULL, "no watch event, expected '%s'", (s));       \
        ck_assert_str_eq(e_, (s));                                             \
    } while (0)

/* Drains events so a test can start clean. */
static __attribute__((unused)) void t_drain(struct tconn *t)
{
    while (t_event(t))
        ;
}

#endif
