#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore-like/conn.h"
#include "xenstore-like/path.h"
#include "xenstore-like/store.h"
#include "xenstore-like/txn.h"

static const char *const special_names[2] = {"@introduceDomain", "@releaseDomain"};

void xs_store_log(struct xs_store *st, const char *fmt, ...)
{
    if (!st->log)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    st->log(buf);
}

static void count_node(struct xs_store *st, uint32_t owner, int delta)
{
    struct xs_domain *d = xs_domain_get(&st->doms, owner);
    if (d)
        d->nodes += delta;
}

static void main_added(void *ctx, const struct xs_node *n)
{
    count_node(ctx, xs_perms_owner(n->perms), 1);
}

static void main_removed(void *ctx, const struct xs_node *n)
{
    count_node(ctx, xs_perms_owner(n->perms), -1);
}

const struct xs_tree_hooks xs_main_hooks_proto = {.added = main_added, .removed = main_removed};

static struct xs_tree_hooks main_hooks(struct xs_store *st)
{
    struct xs_tree_hooks h = xs_main_hooks_proto;
    h.ctx = st;
    return h;
}

struct xs_caller xs_caller_dom0(struct xs_store *st)
{
    return (struct xs_caller){.dom = xs_domain_get(&st->doms, 0), .priv = true};
}

struct xs_caller xs_caller_of(struct xs_conn *c, struct xs_txn *tx)
{
    return (struct xs_caller){.conn = c, .dom = c->dom, .priv = c->priv, .tx = tx};
}

static struct xs_node **view(struct xs_store *st, const struct xs_caller *c)
{
    return c->tx ? &c->tx->root : &st->root;
}

static int depend(const struct xs_caller *c, const char *path, unsigned flags)
{
    return c->tx ? xs_txn_depend(c->tx, path, flags) : 0;
}

/* Whether a change may go into the caller's view: in a transaction, only
 * while its log has room. */
static int log_room(const struct xs_caller *c)
{
    return c->tx ? xs_txn_log_room(c->tx) : 0;
}

static unsigned access_of(const struct xs_caller *c, const struct xs_perms *p)
{
    if (c->priv || c->replay)
        return XS_ACC_READ | XS_ACC_WRITE;
    return xs_perms_access(p, c->dom->domid, c->dom->target);
}

static bool unlimited(const struct xs_caller *c)
{
    return c->priv || c->replay;
}

/* The node at path for a reader, its reading recorded in the caller's
 * transaction as deps. */
static int readable(struct xs_store *st, const struct xs_caller *c, const char *path,
                    unsigned deps, const struct xs_node **out)
{
    const struct xs_node *n = xs_tree_lookup(*view(st, c), path);
    int err = depend(c, path, deps);
    if (err)
        return err;
    if (!n)
        return ENOENT;
    if (!(access_of(c, n->perms) & XS_ACC_READ))
        return EACCES;
    *out = n;
    return 0;
}

int xs_store_read(struct xs_store *st, const struct xs_caller *c, const char *path,
            const struct xs_node **out)
{
    return readable(st, c, path, XS_DEP_CONTENT, out);
}

int xs_store_directory(struct xs_store *st, const struct xs_caller *c, const char *path,
                 const struct xs_node **out)
{
    return readable(st, c, path, XS_DEP_CHILDREN | (c->priv ? 0 : XS_DEP_CONTENT), out);
}

/* Perms for a node created below `parent`: inherited, but a guest owns
 * what it creates (so its quota pays for it). */
static struct xs_perms *perms_for_new(const struct xs_caller *c, struct xs_perms *parent)
{
    if (c->priv || xs_perms_owner(parent) == c->dom->domid)
        return xs_perms_ref(parent);
    return xs_perms_with_owner(parent, c->dom->domid);
}

static unsigned count_missing(const char *path, size_t prefix_len)
{
    unsigned n = 0;
    for (const char *p = path + prefix_len; *p; p++)
        n += *p == '/';
    return n;
}

static struct xs_tree_hooks hooks_for(struct xs_store *st, const struct xs_caller *c)
{
    return c->tx ? c->tx->hooks : main_hooks(st);
}

static int32_t nodes_used(const struct xs_caller *c)
{
    return c->dom->nodes + (c->tx ? c->tx->node_delta : 0);
}

/*
 * Finds or creates path; on success *out is private to the caller's view
 * and *created says whether it is new.
 */
static int make_node(struct xs_store *st, const struct xs_caller *c, const char *path,
                     struct xs_node **out, bool *created)
{
    struct xs_node **rootp = view(st, c);
    size_t plen;
    const struct xs_node *near = xs_tree_nearest(*rootp, path, &plen);
    bool exists = plen == strlen(path) || strcmp(path, "/") == 0;
    int err;
    if (exists) {
        if ((err = depend(c, path, XS_DEP_CONTENT)))
            return err;
        if (!(access_of(c, near->perms) & XS_ACC_WRITE))
            return EACCES;
        *created = false;
        *out = xs_tree_own(rootp, path, &err);
        return *out ? 0 : err;
    }
    /* Creation depends on the path being free and on the nearest existing
     * ancestor (its permissions decide, and it must still exist); not on
     * its other children, so siblings created elsewhere do not conflict. */
    char anc[XS_PATH_BUF];
    memcpy(anc, path, plen);
    anc[plen] = '\0';
    if ((err = depend(c, path, XS_DEP_CONTENT)) || (err = depend(c, anc, XS_DEP_CONTENT)))
        return err;
    if (!(access_of(c, near->perms) & XS_ACC_WRITE))
        return EACCES;
    unsigned missing = count_missing(path, plen == 1 ? 0 : plen);
    if (!unlimited(c) && (uint32_t)nodes_used(c) + missing > st->quota.nodes)
        return ENOSPC;
    struct xs_perms *p = perms_for_new(c, near->perms);
    if (!p)
        return ENOMEM;
    struct xs_tree_hooks h = hooks_for(st, c);
    unsigned made;
    *out = xs_tree_create(rootp, path, p, ++st->gen, &h, &made, &err);
    xs_perms_unref(p);
    *created = true;
    return *out ? 0 : err;
}

int xs_store_write(struct xs_store *st, const struct xs_caller *c, const char *path, const void *val,
             uint32_t len)
{
    if (!unlimited(c) && len > st->quota.node_size)
        return ENOSPC;
    struct xs_node *n;
    bool created;
    int err = log_room(c);
    if (!err)
        err = make_node(st, c, path, &n, &created);
    if (err)
        return err;
    err = xs_node_set_value(n, val, len, ++st->gen);
    if (err)
        return err;
    if (c->tx)
        xs_txn_log(c->tx, XS_TXOP_WRITE, path, val, len, NULL);
    else
        xs_fire(st, path, n->perms, false);
    return 0;
}

int xs_store_mkdir(struct xs_store *st, const struct xs_caller *c, const char *path)
{
    struct xs_node *n;
    bool created;
    int err = log_room(c);
    if (!err)
        err = make_node(st, c, path, &n, &created);
    if (err || !created)
        return err;
    if (c->tx)
        xs_txn_log(c->tx, XS_TXOP_MKDIR, path, NULL, 0, NULL);
    else
        xs_fire(st, path, n->perms, false);
    return 0;
}

static void parent_of(const char *path, char *out)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    memcpy(out, path, n);
    out[n] = '\0';
}

int xs_store_rm(struct xs_store *st, const struct xs_caller *c, const char *path)
{
    if (strcmp(path, "/") == 0)
        return EINVAL;
    struct xs_node **rootp = view(st, c);
    char parent[XS_PATH_BUF];
    parent_of(path, parent);
    int err = depend(c, parent, XS_DEP_EXISTS);
    if (!err)
        err = depend(c, path, XS_DEP_CONTENT);
    if (!err)
        err = log_room(c);
    if (err)
        return err;
    const struct xs_node *n = xs_tree_lookup(*rootp, path);
    if (!n)
        return xs_tree_lookup(*rootp, parent) ? 0 : ENOENT;
    if (!(access_of(c, n->perms) & XS_ACC_WRITE))
        return EACCES;
    struct xs_perms *perms = xs_perms_ref(n->perms);
    struct xs_tree_hooks h = hooks_for(st, c);
    err = xs_tree_remove(rootp, path, ++st->gen, &h);
    if (!err) {
        if (c->tx)
            xs_txn_log(c->tx, XS_TXOP_RM, path, NULL, 0, NULL);
        else
            xs_fire(st, path, perms, true);
    }
    xs_perms_unref(perms);
    return err;
}

static int special_index(const char *path)
{
    for (int i = 0; i < 2; i++)
        if (strcmp(path, special_names[i]) == 0)
            return i;
    return -1;
}

int xs_store_get_perms(struct xs_store *st, const struct xs_caller *c, const char *path,
                 struct xs_perms **out)
{
    struct xs_perms *p;
    if (path[0] == '@') {
        int i = special_index(path);
        if (i < 0)
            return ENOENT;
        p = st->special_perms[i];
    } else {
        int err = depend(c, path, XS_DEP_CONTENT);
        if (err)
            return err;
        const struct xs_node *n = xs_tree_lookup(*view(st, c), path);
        if (!n)
            return ENOENT;
        p = n->perms;
    }
    if (!(access_of(c, p) & XS_ACC_READ))
        return EACCES;
    *out = xs_perms_ref(p);
    return 0;
}

static bool may_admin(const struct xs_caller *c, const struct xs_perms *p)
{
    uint32_t owner = xs_perms_owner(p);
    return c->priv || c->replay || owner == c->dom->domid || owner == c->dom->target;
}

int xs_store_set_perms(struct xs_store *st, const struct xs_caller *c, const char *path,
                 struct xs_perms *perms)
{
    int err = 0;
    if (!unlimited(c) && perms->n > st->quota.permissions) {
        err = ENOSPC;
        goto out;
    }
    if (path[0] == '@') {
        int i = special_index(path);
        if (i < 0)
            err = ENOENT;
        else if (!c->priv)
            err = EACCES;
        else {
            xs_perms_unref(st->special_perms[i]);
            st->special_perms[i] = xs_perms_ref(perms);
        }
        goto out;
    }
    struct xs_node **rootp = view(st, c);
    if ((err = depend(c, path, XS_DEP_CONTENT)) || (err = log_room(c)))
        goto out;
    const struct xs_node *old = xs_tree_lookup(*rootp, path);
    if (!old) {
        err = ENOENT;
        goto out;
    }
    if (!may_admin(c, old->perms)) {
        err = EACCES;
        goto out;
    }
    uint32_t was = xs_perms_owner(old->perms), now = xs_perms_owner(perms);
    if (!unlimited(c) && was != now) {
        err = EPERM; /* a guest cannot hand its nodes (and quota) to another */
        goto out;
    }
    struct xs_node *n = xs_tree_own(rootp, path, &err);
    if (!n)
        goto out;
    xs_node_set_perms(n, xs_perms_ref(perms), ++st->gen);
    if (c->tx) {
        if (c->tx->dom && was != now)
            c->tx->node_delta += (now == c->tx->dom->domid) - (was == c->tx->dom->domid);
        xs_txn_log(c->tx, XS_TXOP_SETPERMS, path, NULL, 0, perms);
    } else {
        count_node(st, was, -1);
        count_node(st, now, 1);
        xs_fire(st, path, perms, false);
    }
out:
    xs_perms_unref(perms);
    return err;
}

struct fire_ctx {
    struct xs_store *st;
    const struct xs_perms *perms;
};

static void deliver(void *ctx, struct xs_watch *w, const char *epath)
{
    struct fire_ctx *f = ctx;
    struct xs_conn *c = w->conn;
    if (c->dead)
        return;
    /* A guest hears only of nodes it may read. */
    if (!c->priv && f->perms &&
        !(xs_perms_access(f->perms, c->dom->domid, c->dom->target) & XS_ACC_READ))
        return;
    const char *rel = epath;
    if (w->strip && strlen(epath) >= w->strip)
        rel = epath + w->strip;
    xs_conn_send_event(c, rel, w->token);
}

static int event_cmp(const void *a, const void *b)
{
    const struct xs_event *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : (int)x->subtree - (int)y->subtree;
}

void xs_fire(struct xs_store *st, const char *path, struct xs_perms *perms, bool subtree)
{
    if (st->defer_events) {
        if (st->ndeferred == st->deferred_cap) {
            size_t cap = st->deferred_cap ? st->deferred_cap * 2 : 16;
            struct xs_event *e = realloc(st->deferred, cap * sizeof(e[0]));
            if (!e)
                return; /* watches may fire spuriously, and may be lost on ENOMEM */
            st->deferred = e;
            st->deferred_cap = cap;
        }
        char *p = strdup(path);
        if (!p)
            return;
        st->deferred[st->ndeferred++] =
            (struct xs_event){.path = p, .perms = perms ? xs_perms_ref(perms) : NULL,
                              .subtree = subtree};
        return;
    }
    struct fire_ctx f = {.st = st, .perms = perms};
    xs_watches_match(&st->watches, path, subtree, deliver, &f);
}

void xs_fire_deferred(struct xs_store *st)
{
    st->defer_events = false;
    if (st->ndeferred > 1)
        qsort(st->deferred, st->ndeferred, sizeof(st->deferred[0]), event_cmp);
    for (size_t i = 0; i < st->ndeferred; i++) {
        struct xs_event *e = &st->deferred[i];
        if (i == 0 || event_cmp(e, &st->deferred[i - 1]) != 0)
            xs_fire(st, e->path, e->perms, e->subtree);
    }
    for (size_t i = 0; i < st->ndeferred; i++) {
        free(st->deferred[i].path);
        xs_perms_unref(st->deferred[i].perms);
    }
    st->ndeferred = 0;
}

void xs_fire_special(struct xs_store *st, int which)
{
    xs_fire(st, special_names[which], st->special_perms[which], false);
}

static int mk(struct xs_store *st, const char *path, const char *value)
{
    struct xs_caller c = xs_caller_dom0(st);
    return value ? xs_store_write(st, &c, path, value, (uint32_t)strlen(value)) : xs_store_mkdir(st, &c, path);
}

struct xs_store *xs_store_new(const struct xs_quota *quota)
{
    struct xs_store *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->quota = *quota;
    st->next_txid = 1;
    st->next_conn_id = 1;
    struct xs_perms *rootp = xs_perms_new1(0, 'n');
    st->special_perms[0] = xs_perms_new1(0, 'n');
    st->special_perms[1] = xs_perms_new1(0, 'n');
    if (!rootp || !st->special_perms[0] || !st->special_perms[1] ||
        xs_watches_init(&st->watches) || !xs_domain_get(&st->doms, 0))
        goto fail;
    st->root = xs_tree_new_root(rootp, ++st->gen);
    if (!st->root)
        goto fail;
    count_node(st, 0, 1);
    xs_perms_unref(rootp);
    rootp = NULL;
    /* What Xen's xenstored and xen-init-dom0 leave in a fresh store. */
    if (mk(st, "/tool/xenstored", NULL) || mk(st, "/local/domain/0/domid", "0") ||
        mk(st, "/local/domain/0/name", "Domain-0"))
        goto fail;
    xs_domain_get(&st->doms, 0)->introduced = true;
    return st;
fail:
    xs_perms_unref(rootp);
    xs_store_free(st);
    return NULL;
}

void xs_store_free(struct xs_store *st)
{
    if (!st)
        return;
    while (st->conns)
        xs_conn_close_now(st->conns);
    xs_node_unref(st->root);
    xs_watches_free(&st->watches);
    xs_domains_free(&st->doms);
    xs_perms_unref(st->special_perms[0]);
    xs_perms_unref(st->special_perms[1]);
    free(st->deferred);
    if (st->trace)
        fclose(st->trace);
    free(st->trace_path);
    free(st);
}
