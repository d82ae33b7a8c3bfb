/*
 * A connection: one client speaking the wire protocol, whatever carries
 * the bytes. A transport (the unix socket, a guest's ring, the test
 * transport for domain sockets) fills the input buffer and implements
 * four operations; the core frames messages, runs them, and writes whole
 * messages back through the transport.
 */
#ifndef XENOLITH_XS_CONN_H
#define XENOLITH_XS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstore-like/xs_wire.h"

struct xs_store;
struct xs_domain;
struct xs_watch;
struct xs_txn;
struct xs_conn;

struct xs_conn_ops {
    /*
     * Queue one whole message (header and payload) for the peer, copying
     * it. Never blocks. 0, or -errno when the connection cannot take it
     * (the core then drops the connection).
     */
    int (*write)(struct xs_conn *c, const void *msg, size_t len);
    /* End of a batch: push what write() queued and wake the peer once
     * (a ring transport notifies the event channel here). */
    void (*flush)(struct xs_conn *c);
    /* Messages queued that the peer has not taken yet. */
    size_t (*queued)(struct xs_conn *c);
    /*
     * The core is done with the connection (watches and transactions are
     * gone): stop I/O and free the transport's state, then call
     * xs_conn_destroy(c) once nothing refers to c (it may be later, from
     * the event loop).
     */
    void (*close)(struct xs_conn *c);
};

/* Room for a few pipelined messages, so one read can carry many. */
#define XS_CONN_INBUF (4 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX))

struct xs_conn {
    const struct xs_conn_ops *ops;
    void *tp; /* the transport's state */
    struct xs_store *st;
    struct xs_domain *dom; /* who speaks on it */
    uint32_t id;           /* for logs and the trace */
    bool priv;
    bool dead;
    struct xs_watch *watches;
    struct xs_txn *txns;
    struct xs_conn *dom_next;     /* the domain's connections */
    struct xs_conn *next, **pprev; /* the store's connections */
    struct xs_conn *reap_next;
    struct xs_conn *dirty_next; /* has output to flush at the batch end */
    bool dirty;
    size_t in_used;
    char in[XS_CONN_INBUF];
    char out[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
};

/*
 * Sets up c (allocated by the transport) for domain domid and links it in.
 * Dom0 connections are privileged. 0 or ENOMEM.
 */
int xs_conn_init(struct xs_conn *c, struct xs_store *st, const struct xs_conn_ops *ops, void *tp,
                 uint32_t domid);
/* The last step of ops->close: unlinks c from the store. */
void xs_conn_destroy(struct xs_conn *c);

/* Where the transport may put input bytes, and how many. */
static inline char *xs_conn_in_space(struct xs_conn *c, size_t *avail)
{
    *avail = sizeof(c->in) - c->in_used;
    return c->in + c->in_used;
}
/*
 * n bytes arrived: runs every whole message, then flushes. Also call it
 * with n = 0 when the transport's queue drains, to resume after the
 * outstanding-requests limit. Returns false when the connection was
 * dropped (it is being closed).
 */
bool xs_conn_input(struct xs_conn *c, size_t n);

/* Sends a reply to the request in hdr; payload over 4096 bytes becomes E2BIG. */
void xs_conn_reply(struct xs_conn *c, const struct xsd_sockmsg *req, uint32_t type,
                   const void *payload, size_t len);
void xs_conn_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err);
void xs_conn_send_event(struct xs_conn *c, const char *path, const char *token);

/* Marks c for closing at the end of the current batch (safe anywhere). */
void xs_conn_kill(struct xs_conn *c, const char *why);
/* Flushes every connection with queued output, then closes what was
 * marked. Call after anything that may fire watches outside a request. */
void xs_store_flush(struct xs_store *st);
/* Closes what was marked. */
void xs_store_reap(struct xs_store *st);
/* Closes c at once (not while its watches are being walked). */
void xs_conn_close_now(struct xs_conn *c);

#endif
