#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "xenstore-like/conn.h"
#include "xenstore-like/txn.h"

struct xs_txop {
    enum xs_txop_type type;
    uint32_t len;
    struct xs_perms *perms;
    char *path;
    char data[];
};

static void tx_added(void *ctx, const struct xs_node *n)
{
    struct xs_txn *tx = ctx;
    tx->node_delta += xs_perms_owner(n->perms) == tx->dom->domid;
}

static void tx_removed(void *ctx, const struct xs_node *n)
{
    struct xs_txn *tx = ctx;
    tx->node_delta -= xs_perms_owner(n->perms) == tx->dom->domid;
}

int xs_txn_start(struct xs_store *st, struct xs_conn *conn, struct xs_domain *dom,
                 struct xs_txn **out)
{
    bool priv = conn ? conn->priv : dom->domid == 0;
    if (!priv && (uint32_t)dom->txns >= st->quota.transactions)
        return ENOSPC;
    struct xs_txn *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return ENOMEM;
    tx->id = st->next_txid++;
    if (st->next_txid == 0)
        st->next_txid = 1;
    tx->conn = conn;
    tx->dom = dom;
    tx->base = xs_node_ref(st->root);
    tx->root = xs_node_ref(st->root);
    tx->hooks = (struct xs_tree_hooks){.added = tx_added, .removed = tx_removed, .ctx = tx};
    tx->limit = priv ? 0 : st->quota.transaction_nodes;
    dom->txns++;
    *out = tx;
    return 0;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool dep_grow(struct xs_txn *tx)
{
    size_t cap = tx->dep_cap ? tx->dep_cap * 2 : 16;
    char **paths = calloc(cap, sizeof(paths[0]));
    uint8_t *flags = calloc(cap, 1);
    if (!paths || !flags) {
        free(paths);
        free(flags);
        return false;
    }
    for (size_t i = 0; i < tx->dep_cap; i++) {
        if (!tx->dep_path[i])
            continue;
        size_t j = hash_str(tx->dep_path[i]) & (cap - 1);
        while (paths[j])
            j = (j + 1) & (cap - 1);
        paths[j] = tx->dep_path[i];
        flags[j] = tx->dep_flags[i];
    }
    free(tx->dep_path);
    free(tx->dep_flags);
    tx->dep_path = paths;
    tx->dep_flags = flags;
    tx->dep_cap = cap;
    return true;
}

int xs_txn_depend(struct xs_txn *tx, const char *path, unsigned flags)
{
    if ((tx->ndeps + 1) * 4 > tx->dep_cap * 3 && !dep_grow(tx)) {
        tx->failed = ENOMEM;
        return 0;
    }
    size_t j = hash_str(path) & (tx->dep_cap - 1);
    while (tx->dep_path[j]) {
        if (strcmp(tx->dep_path[j], path) == 0) {
            tx->dep_flags[j] |= (uint8_t)flags;
            return 0;
        }
        j = (j + 1) & (tx->dep_cap - 1);
    }
    if (tx->limit && tx->ndeps >= tx->limit) {
        tx->failed = ENOSPC;
        return ENOSPC;
    }
    tx->dep_path[j] = strdup(path);
    if (!tx->dep_path[j]) {
        tx->failed = ENOMEM;
        return 0;
    }
    tx->dep_flags[j] = (uint8_t)flags;
    tx->ndeps++;
    return 0;
}

int xs_txn_log_room(struct xs_txn *tx)
{
    if (tx->limit && tx->nops >= tx->limit)
        return tx->failed = ENOSPC;
    return 0;
}

void xs_txn_log(struct xs_txn *tx, enum xs_txop_type type, const char *path, const void *data,
                uint32_t len, struct xs_perms *perms)
{
    if (tx->nops == tx->ops_cap) {
        size_t cap = tx->ops_cap ? tx->ops_cap * 2 : 8;
        struct xs_txop **o = realloc(tx->ops, cap * sizeof(o[0]));
        if (!o) {
            tx->failed = ENOMEM;
            return;
        }
        tx->ops = o;
        tx->ops_cap = cap;
    }
    size_t plen = strlen(path) + 1;
    struct xs_txop *op = malloc(sizeof(*op) + len + plen);
    if (!op) {
        tx->failed = ENOMEM;
        return;
    }
    op->type = type;
    op->len = len;
    op->perms = perms ? xs_perms_ref(perms) : NULL;
    if (len)
        memcpy(op->data, data, len);
    op->path = op->data + len;
    memcpy(op->path, path, plen);
    tx->ops[tx->nops++] = op;
}

/* Whether the live tree still agrees with the snapshot on what tx used. */
static bool still_valid(struct xs_store *st, struct xs_txn *tx)
{
    if (st->root == tx->base)
        return true; /* nothing at all was written since the start */
    for (size_t i = 0; i < tx->dep_cap; i++) {
        const char *path = tx->dep_path[i];
        if (!path)
            continue;
        unsigned f = tx->dep_flags[i];
        const struct xs_node *b = xs_tree_lookup(tx->base, path);
        const struct xs_node *m = xs_tree_lookup(st->root, path);
        if (!b != !m)
            return false;
        if (!b)
            continue;
        if (b->birth != m->birth)
            return false;
        if ((f & XS_DEP_CONTENT) && b->gen != m->gen)
            return false;
        if ((f & XS_DEP_CHILDREN) && b->cgen != m->cgen)
            return false;
    }
    return true;
}

static void release_trees(struct xs_txn *tx)
{
    xs_node_unref(tx->root);
    xs_node_unref(tx->base);
    tx->root = tx->base = NULL;
}

static void replay(struct xs_store *st, struct xs_txn *tx, bool priv)
{
    struct xs_caller c = {.conn = tx->conn, .dom = tx->dom, .priv = priv, .replay = true};
    st->defer_events = true;
    for (size_t i = 0; i < tx->nops; i++) {
        struct xs_txop *op = tx->ops[i];
        int err = 0;
        switch (op->type) {
        case XS_TXOP_WRITE:
            err = xs_store_write(st, &c, op->path, op->data, op->len);
            break;
        case XS_TXOP_MKDIR:
            err = xs_store_mkdir(st, &c, op->path);
            break;
        case XS_TXOP_RM:
            err = xs_store_rm(st, &c, op->path);
            break;
        case XS_TXOP_SETPERMS:
            err = xs_store_set_perms(st, &c, op->path, xs_perms_ref(op->perms));
            break;
        }
        if (err)
            xs_store_log(st, "transaction %u: replaying %s gave errno %d", tx->id, op->path, err);
    }
    xs_fire_deferred(st);
}

int xs_txn_end(struct xs_store *st, struct xs_txn *tx, bool commit, bool priv)
{
    int err = 0;
    if (commit) {
        if (tx->failed)
            err = tx->failed;
        else if (!still_valid(st, tx)) {
            err = EAGAIN;
            st->conflicts++;
        } else if (!priv && tx->node_delta > 0 &&
                   (uint32_t)(tx->dom->nodes + tx->node_delta) > st->quota.nodes)
            err = ENOSPC;
        if (!err) {
            /* Drop our trees first: the live tree then writes in place. */
            release_trees(tx);
            replay(st, tx, priv);
            st->commits++;
        }
    }
    xs_txn_free(st, tx);
    return err;
}

void xs_txn_free(struct xs_store *st, struct xs_txn *tx)
{
    (void)st;
    release_trees(tx);
    for (size_t i = 0; i < tx->dep_cap; i++)
        free(tx->dep_path[i]);
    free(tx->dep_path);
    free(tx->dep_flags);
    for (size_t i = 0; i < tx->nops; i++) {
        xs_perms_unref(tx->ops[i]->perms);
        free(tx->ops[i]);
    }
    free(tx->ops);
    tx->dom->txns--;
    free(tx);
}
