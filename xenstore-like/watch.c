#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore-like/sorted_kids.h"
#include "xenstore-like/watch.h"

struct wtrie {
    struct wtrie *parent;
    struct wtrie **kids; /* sorted by name */
    unsigned nkids, kcap;
    struct xs_watch *watches;
    size_t namelen;
    char name[];
};

static struct wtrie *trie_new(struct wtrie *parent, const char *name, size_t len)
{
    struct wtrie *t = calloc(1, sizeof(*t) + len + 1);
    if (t) {
        t->parent = parent;
        t->namelen = len;
        memcpy(t->name, name, len);
    }
    return t;
}

static const char *trie_kid_name(const void *kids, size_t i, size_t *len)
{
    const struct wtrie *k = ((struct wtrie *const *)kids)[i];
    *len = k->namelen;
    return k->name;
}

/* Index of the child called name, or -(insertion point) - 1. */
static long tfind(const struct wtrie *t, const char *name, size_t len)
{
    return xs_sorted_kids_find(t->kids, t->nkids, name, len, trie_kid_name);
}

int xs_watches_init(struct xs_watches *ws)
{
    memset(ws, 0, sizeof(*ws));
    ws->root = trie_new(NULL, "", 0);
    return ws->root ? 0 : ENOMEM;
}

static void trie_free(struct wtrie *t)
{
    for (unsigned i = 0; i < t->nkids; i++)
        trie_free(t->kids[i]);
    free(t->kids);
    free(t);
}

static void watch_free(struct xs_watch *w)
{
    free(w->path);
    free(w->token);
    free(w);
}

void xs_watches_free(struct xs_watches *ws)
{
    /* Connections own their watches' lifetime; by now they are gone. */
    if (ws->root)
        trie_free(ws->root);
    ws->root = NULL;
}

/* One step down the trie along path: the kid of t that the component
 * at *p names (created when `create`), with *p moved past that
 * component; t itself at the end of the path; NULL where t has no such
 * kid (or there is no memory for it). */
static struct wtrie *trie_step(struct wtrie *t, const char **p, bool create)
{
    if (**p == '/')
        (*p)++;
    if (!**p)
        return t;
    const char *e = strchrnul(*p, '/');
    size_t len = (size_t)(e - *p);
    long i = tfind(t, *p, len);
    if (i < 0) {
        if (!create)
            return NULL;
        if (t->nkids == t->kcap) {
            unsigned cap = t->kcap ? t->kcap * 2 : 4;
            struct wtrie **k = realloc(t->kids, cap * sizeof(k[0]));
            if (!k)
                return NULL;
            t->kids = k;
            t->kcap = cap;
        }
        struct wtrie *n = trie_new(t, *p, len);
        if (!n)
            return NULL;
        i = -i - 1;
        memmove(&t->kids[i + 1], &t->kids[i], (t->nkids - (unsigned)i) * sizeof(t->kids[0]));
        t->kids[i] = n;
        t->nkids++;
    }
    *p = e;
    return t->kids[i];
}

/* The trie node for an absolute path, created when `create`. */
static struct wtrie *trie_walk(struct wtrie *t, const char *path, bool create)
{
    const char *p = path;
    while (t && *p)
        t = trie_step(t, &p, create);
    return t;
}

/* Drops empty trie nodes from t upwards, so watch churn does not leak. */
static void trie_prune(struct wtrie *t)
{
    while (t && t->parent && !t->watches && t->nkids == 0) {
        struct wtrie *p = t->parent;
        long i = tfind(p, t->name, t->namelen);
        memmove(&p->kids[i], &p->kids[i + 1], (p->nkids - (unsigned)i - 1) * sizeof(p->kids[0]));
        p->nkids--;
        free(t->kids);
        free(t);
        t = p;
    }
}

static struct xs_watch **list_for(struct xs_watches *ws, const char *path, bool create,
                                  struct wtrie **at)
{
    if (path[0] == '@') {
        *at = NULL;
        return &ws->specials;
    }
    *at = trie_walk(ws->root, path, create);
    return *at ? &(*at)->watches : NULL;
}

int xs_watch_add(struct xs_watches *ws, struct xs_conn *conn, struct xs_watch **conn_list,
                 const char *path, const char *token, size_t strip, struct xs_watch **out)
{
    for (struct xs_watch *w = *conn_list; w; w = w->cnext)
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0)
            return EEXIST;
    struct xs_watch *w = calloc(1, sizeof(*w));
    if (!w)
        return ENOMEM;
    w->path = strdup(path);
    w->token = strdup(token);
    struct wtrie *at;
    struct xs_watch **head = w->path && w->token ? list_for(ws, path, true, &at) : NULL;
    if (!head) {
        watch_free(w);
        return ENOMEM;
    }
    /* Appended, so watches on one path fire in the order they were set. */
    while (*head)
        head = &(*head)->tnext;
    w->tpprev = head;
    *head = w;
    w->at = at;
    w->conn = conn;
    w->strip = strip;
    w->cnext = *conn_list;
    *conn_list = w;
    ws->count++;
    if (out)
        *out = w;
    return 0;
}

static void unlink_watch(struct xs_watches *ws, struct xs_watch *w)
{
    *w->tpprev = w->tnext;
    if (w->tnext)
        w->tnext->tpprev = w->tpprev;
    trie_prune(w->at);
    ws->count--;
    watch_free(w);
}

int xs_watch_del(struct xs_watches *ws, struct xs_watch **conn_list, const char *path,
                 const char *token)
{
    for (struct xs_watch **pp = conn_list; *pp; pp = &(*pp)->cnext) {
        struct xs_watch *w = *pp;
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0) {
            *pp = w->cnext;
            unlink_watch(ws, w);
            return 0;
        }
    }
    return ENOENT;
}

void xs_watch_del_all(struct xs_watches *ws, struct xs_watch **conn_list)
{
    while (*conn_list) {
        struct xs_watch *w = *conn_list;
        *conn_list = w->cnext;
        unlink_watch(ws, w);
    }
}

static void fire_list(struct xs_watch *w, const char *epath, xs_watch_fn fn, void *ctx)
{
    for (; w; w = w->tnext)
        fn(ctx, w, epath);
}

static void fire_below(struct wtrie *t, xs_watch_fn fn, void *ctx)
{
    for (unsigned i = 0; i < t->nkids; i++) {
        struct wtrie *k = t->kids[i];
        for (struct xs_watch *w = k->watches; w; w = w->tnext)
            fn(ctx, w, w->path);
        fire_below(k, fn, ctx);
    }
}

void xs_watches_match(struct xs_watches *ws, const char *path, bool subtree, xs_watch_fn fn,
                      void *ctx)
{
    if (path[0] == '@') {
        for (struct xs_watch *w = ws->specials; w; w = w->tnext)
            if (strcmp(w->path, path) == 0)
                fn(ctx, w, path);
        return;
    }
    struct wtrie *t = ws->root;
    fire_list(t->watches, path, fn, ctx);
    const char *p = path;
    while (*p) {
        struct wtrie *kid = trie_step(t, &p, false);
        if (!kid)
            return;
        if (kid == t)
            break; /* a trailing '/' */
        t = kid;
        fire_list(t->watches, path, fn, ctx);
    }
    if (subtree)
        fire_below(t, fn, ctx);
}
