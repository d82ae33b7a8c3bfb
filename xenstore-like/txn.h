/*
 * Transactions. A transaction works on its own copy-on-write tree, taken
 * from the live root at start (one reference, no copying). It remembers
 * which paths it read or wrote and how, and the operations it made. At
 * commit, each remembered path is compared between the snapshot and the
 * live tree by the nodes' generation numbers; only a real conflict (a node
 * the transaction depended on changed since the snapshot) gives EAGAIN.
 * Otherwise the operations are re-applied to the live tree, which yields
 * exactly the transaction's result because nothing they depend on moved,
 * and the watch events fire, in path order.
 */
#ifndef XENOLITH_XS_TXN_H
#define XENOLITH_XS_TXN_H

#include <stdbool.h>
#include <stdint.h>

#include "xenstore-like/store.h"

/* What a transaction's outcome depends on, per path. */
enum {
    XS_DEP_CONTENT = 1,  /* value and permissions (and existence) */
    XS_DEP_CHILDREN = 2, /* the child list (and existence) */
    XS_DEP_EXISTS = 4,   /* only that this incarnation exists, or not */
};

enum xs_txop_type { XS_TXOP_WRITE, XS_TXOP_MKDIR, XS_TXOP_RM, XS_TXOP_SETPERMS };

struct xs_txop;

struct xs_txn {
    uint32_t id;
    struct xs_conn *conn;
    struct xs_txn *next; /* the connection's list */
    struct xs_domain *dom;
    struct xs_node *base; /* snapshot; never modified while we hold it */
    struct xs_node *root; /* our working tree */
    /* paths depended on: open addressing, power-of-two capacity */
    char **dep_path;
    uint8_t *dep_flags;
    size_t ndeps, dep_cap;
    struct xs_txop **ops;
    size_t nops, ops_cap;
    size_t limit;       /* of ndeps and of nops; 0: none (Dom0) */
    int32_t node_delta; /* nodes gained by dom, for its quota */
    int failed;         /* an errno that makes commit impossible */
    struct xs_tree_hooks hooks;
};

/* 0, ENOSPC (transaction quota), ENOMEM. */
int xs_txn_start(struct xs_store *st, struct xs_conn *conn, struct xs_domain *dom,
                 struct xs_txn **out);
/* Ends (commit or abort) and frees tx. 0, EAGAIN (conflict), ENOSPC, ENOMEM. */
int xs_txn_end(struct xs_store *st, struct xs_txn *tx, bool commit, bool priv);
/* Frees without committing (connection gone). */
void xs_txn_free(struct xs_store *st, struct xs_txn *tx);

/* Records that the transaction's result depends on path. 0, or ENOSPC
 * when that is one path more than the quota allows: the transaction then
 * fails at commit (the request's answer may not reflect a dependency it
 * could not record). */
int xs_txn_depend(struct xs_txn *tx, const char *path, unsigned flags);
/* 0 when one more operation may be logged, else ENOSPC (and the
 * transaction fails at commit); asked before an operation changes the
 * transaction's tree. */
int xs_txn_log_room(struct xs_txn *tx);
/* Logs an operation for replay at commit. */
void xs_txn_log(struct xs_txn *tx, enum xs_txop_type type, const char *path, const void *data,
                uint32_t len, struct xs_perms *perms);

#endif
