/*
 * The store: the live tree, the domains, the watches, and the operations
 * of the protocol on absolute paths, with permission and quota checks.
 * It knows nothing of transports; events go to connections through
 * xs_conn_send() (conn.h).
 */
#ifndef XENOLITH_XS_STORE_H
#define XENOLITH_XS_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xenstore-like/domain.h"
#include "xenstore-like/tree.h"
#include "xenstore-like/watch.h"

struct xs_conn;
struct xs_txn;
struct xs_store;

/*
 * The guest-ring transport, supplied by the daemon once the Dom0
 * foreign-memory and event-channel library exists. attach() is called on
 * INTRODUCE with d->gfn and d->port set: it maps the page, binds the
 * channel, and creates the domain's connection with xs_conn_init() and
 * dom = d. detach() is called on RELEASE or death after the core has
 * closed the domain's connections: it unmaps and unbinds. Without ring
 * ops a domain still exists in the store's view, with no connection.
 */
struct xs_ring_ops {
    int (*attach)(void *ctx, struct xs_store *st, struct xs_domain *d);
    void (*detach)(void *ctx, struct xs_store *st, struct xs_domain *d);
    void *ctx;
};

/* A deferred watch event (transaction commits fire theirs in path order). */
struct xs_event {
    char *path;
    struct xs_perms *perms;
    bool subtree;
};

struct xs_store {
    struct xs_node *root;
    uint64_t gen;
    struct xs_domains doms;
    struct xs_watches watches;
    struct xs_quota quota;
    struct xs_perms *special_perms[2]; /* @introduceDomain, @releaseDomain */
    uint32_t next_txid;
    uint32_t next_conn_id;
    struct xs_ring_ops ring;
    struct xs_conn *conns;  /* every live connection */
    struct xs_conn *reap;   /* connections to close at the end of the batch */
    struct xs_conn *dirty;  /* connections with output to flush */
    bool defer_events;
    struct xs_event *deferred;
    size_t ndeferred, deferred_cap;
    FILE *trace;           /* request trace, when on */
    char *trace_path;
    void (*log)(const char *msg); /* daemon log; NULL: silent */
    /* Counters for CONTROL and the tests. */
    uint64_t commits, conflicts, requests;
};

/* Who a request comes from, and in which transaction. */
struct xs_caller {
    struct xs_conn *conn;   /* NULL for internal callers */
    struct xs_domain *dom;
    bool priv;              /* Dom0: no permission or quota checks */
    struct xs_txn *tx;      /* NULL: the live tree */
    bool replay;            /* re-applying a validated transaction */
};

/* Creates the store with / , /local/domain/0 and the tool paths. */
struct xs_store *xs_store_new(const struct xs_quota *quota);
void xs_store_free(struct xs_store *st);

/* The caller for a connection's request (tx already looked up). */
struct xs_caller xs_caller_of(struct xs_conn *c, struct xs_txn *tx);
/* An internal Dom0 caller (start-up, tests). */
struct xs_caller xs_caller_dom0(struct xs_store *st);

/* Operations on absolute paths. Return 0 or an errno from xs_wire.h. */
int xs_store_read(struct xs_store *st, const struct xs_caller *c, const char *path,
            const struct xs_node **out);
int xs_store_directory(struct xs_store *st, const struct xs_caller *c, const char *path,
                 const struct xs_node **out);
int xs_store_write(struct xs_store *st, const struct xs_caller *c, const char *path, const void *val,
             uint32_t len);
int xs_store_mkdir(struct xs_store *st, const struct xs_caller *c, const char *path);
int xs_store_rm(struct xs_store *st, const struct xs_caller *c, const char *path);
/* *out is referenced; unref it. Works on @introduceDomain/@releaseDomain. */
int xs_store_get_perms(struct xs_store *st, const struct xs_caller *c, const char *path,
                 struct xs_perms **out);
/* Takes the reference to perms whatever the outcome. */
int xs_store_set_perms(struct xs_store *st, const struct xs_caller *c, const char *path,
                 struct xs_perms *perms);

/* Fires the watches a change of path concerns (or queues them). */
void xs_fire(struct xs_store *st, const char *path, struct xs_perms *perms, bool subtree);

/* Fires what a commit queued, sorted by path, each change once. */
void xs_fire_deferred(struct xs_store *st);
/* Fires @introduceDomain (0) or @releaseDomain (1). */
void xs_fire_special(struct xs_store *st, int which);

/* Node accounting, also used by the transaction code. */
extern const struct xs_tree_hooks xs_main_hooks_proto;

/* Domain lifecycle (domain_ops.c). */
int xs_introduce(struct xs_store *st, uint32_t domid, uint64_t gfn, uint32_t port);
int xs_release(struct xs_store *st, uint32_t domid);
int xs_resume(struct xs_store *st, uint32_t domid);
int xs_store_set_target(struct xs_store *st, uint32_t domid, uint32_t target);
bool xs_is_introduced(struct xs_store *st, uint32_t domid);

/*
 * Domain death, for the daemon's VIRQ_DOM_EXC handler: after the
 * hypervisor signals that some domain changed state, the daemon calls
 * xs_domains_check() with a probe that asks xenolithd about one domain.
 * Shut-down domains fire @releaseDomain once (until RESUME); domains that
 * are dying or gone are released (connections, watches and transactions
 * dropped, ring detached) and fire it too.
 */
enum xs_dom_state { XS_DOM_RUNNING, XS_DOM_SHUTDOWN, XS_DOM_GONE };
typedef enum xs_dom_state (*xs_dom_probe)(void *ctx, uint32_t domid);
void xs_domains_check(struct xs_store *st, xs_dom_probe probe, void *ctx);

/* Turns the request trace on (appending to trace_path) or off. 0 or errno. */
int xs_trace_set(struct xs_store *st, bool on);

void xs_store_log(struct xs_store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
