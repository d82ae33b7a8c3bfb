/*
 * The privcmd socket's transport: listening on <rundir>/privcmd.sock,
 * who may connect (SO_PEERCRED), framing requests and responses
 * (include/privcmd_abi.h), file descriptors both ways (SCM_RIGHTS), and a
 * connection's life. It hands each whole request to privcmd_dispatch
 * (privcmd_ops.h) and tells privcmd_conn_released when a client goes;
 * the operations answer through the privcmd_respond functions. Event-loop
 * thread only.
 */
#ifndef XENOLITH_PRIVCMD_TRANSPORT_H
#define XENOLITH_PRIVCMD_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "hypervisor/privcmd_grant_holds.h"
#include "include/privcmd_abi.h"

/* One client. An operation reads the request (hdr, body, fds) and keeps
 * its per-client state in holds; the rest is the transport's. */
struct privcmd_conn {
    struct privcmd_hdr hdr;
    uint8_t *body;       /* hdr.len bytes, valid while the operation runs */
    int fds[PRIVCMD_MAX_FDS]; /* what came with the request; closed after it */
    int nfds;
    /* Grant mappings this client holds, released if it goes away. */
    struct privcmd_grant_holds holds;

    uv_poll_t poll;
    int fd;
    struct privcmd_conn *next;
    size_t hdr_got;
    size_t body_got;
    bool fd_overflow;
    uint8_t *out;
    size_t out_len;
    bool closing;
    int events;          /* what the poll handle watches now */
};

/* Listens on <rundir>/privcmd.sock; admin_gid (or -1) may connect
 * besides root. 0, or -errno with a message. */
int privcmd_transport_listen(uv_loop_t *loop, const char *rundir, gid_t admin_gid, char *err,
                             size_t errlen);
/* Closes every connection and the socket. */
void privcmd_transport_stop(void);

/* The response to request (op, id) with rc and body. A connection that
 * cannot take it is closed. */
void privcmd_respond(struct privcmd_conn *c, uint32_t op, uint32_t id, int32_t rc,
                     const void *body, size_t len);
/* A failure: rc (-errno) and msg, the message the client's library keeps. */
void privcmd_respond_err(struct privcmd_conn *c, uint32_t op, uint32_t id, int32_t rc,
                         const char *msg);
__attribute__((format(printf, 5, 6))) void privcmd_respond_errf(struct privcmd_conn *c,
                                                                uint32_t op, uint32_t id,
                                                                int32_t rc, const char *fmt,
                                                                ...);
/* The answer of an operation that returns nothing but its outcome: rc 0,
 * or rc with err. */
void privcmd_respond_rc(struct privcmd_conn *c, uint32_t op, uint32_t id, int32_t rc,
                        const char *err);
/* A success that carries nfds file descriptors (still the caller's to
 * close). */
void privcmd_respond_fds(struct privcmd_conn *c, uint32_t op, uint32_t id, const void *body,
                         size_t len, const int *fds, int nfds);

/* Whether the request's body is want bytes long; if not, the client has
 * its answer (-EINVAL, "malformed request: ..."). */
bool privcmd_body_is(struct privcmd_conn *c, size_t want);
/* privcmd_body_is, then the body copied into out: handlers read their
 * request from the copy. */
bool privcmd_body_take(struct privcmd_conn *c, void *out, size_t len);

#endif
