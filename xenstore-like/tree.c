#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore-like/sorted_kids.h"
#include "xenstore-like/tree.h"

static struct xs_node *node_alloc(const char *name, size_t namelen)
{
    struct xs_node *n = calloc(1, sizeof(*n) + namelen + 1);
    if (!n)
        return NULL;
    n->refs = 1;
    n->namelen = (uint32_t)namelen;
    memcpy(n->name, name, namelen);
    return n;
}

struct xs_node *xs_tree_new_root(struct xs_perms *perms, uint64_t gen)
{
    struct xs_node *n = node_alloc("", 0);
    if (n) {
        n->perms = xs_perms_ref(perms);
        n->birth = n->gen = n->cgen = gen;
    }
    return n;
}

void xs_node_unref(struct xs_node *n)
{
    /* Iterative on the last child would be nicer for deep trees, but paths
     * are at most 3072 bytes, so recursion is bounded by ~1500 levels. */
    if (!n || --n->refs > 0)
        return;
    for (uint32_t i = 0; i < n->nkids; i++)
        xs_node_unref(n->kids[i]);
    free(n->kids);
    free(n->value);
    xs_perms_unref(n->perms);
    free(n);
}

static const char *kid_name(const void *kids, size_t i, size_t *len)
{
    const struct xs_node *k = ((struct xs_node *const *)kids)[i];
    *len = k->namelen;
    return k->name;
}

/* Index of the child called name, or -(insertion point) - 1. */
static long find_kid(const struct xs_node *n, const char *name, size_t len)
{
    return xs_sorted_kids_find(n->kids, n->nkids, name, len, kid_name);
}

/* The next component of *p (skipping its leading '/'); its length. */
static size_t next_component(const char **p)
{
    if (**p == '/')
        (*p)++;
    const char *e = strchrnul(*p, '/');
    return (size_t)(e - *p);
}

const struct xs_node *xs_tree_nearest(const struct xs_node *root, const char *path,
                                      size_t *prefix_len)
{
    const struct xs_node *n = root;
    const char *p = path;
    *prefix_len = 1; /* "/" */
    while (*p && !(p[0] == '/' && p[1] == '\0')) {
        size_t len = next_component(&p);
        if (len == 0)
            break;
        long i = find_kid(n, p, len);
        if (i < 0)
            return n;
        n = n->kids[i];
        p += len;
        *prefix_len = (size_t)(p - path);
    }
    return n;
}

const struct xs_node *xs_tree_lookup(const struct xs_node *root, const char *path)
{
    size_t plen;
    const struct xs_node *n = xs_tree_nearest(root, path, &plen);
    return (plen == strlen(path) || (path[0] == '/' && path[1] == '\0')) ? n : NULL;
}

static struct xs_node *node_copy(const struct xs_node *o)
{
    struct xs_node *n = node_alloc(o->name, o->namelen);
    if (!n)
        return NULL;
    if (o->vlen) {
        n->value = malloc(o->vlen);
        if (!n->value)
            goto fail;
        memcpy(n->value, o->value, o->vlen);
    }
    if (o->nkids) {
        n->kids = malloc(o->nkids * sizeof(n->kids[0]));
        if (!n->kids)
            goto fail;
        memcpy(n->kids, o->kids, o->nkids * sizeof(n->kids[0]));
        for (uint32_t i = 0; i < o->nkids; i++)
            o->kids[i]->refs++;
    }
    n->vlen = o->vlen;
    n->nkids = n->kcap = o->nkids;
    n->birth = o->birth;
    n->gen = o->gen;
    n->cgen = o->cgen;
    n->perms = xs_perms_ref(o->perms);
    return n;
fail:
    free(n->value);
    free(n);
    return NULL;
}

/* Makes *slot private to its holder; false on ENOMEM. */
static bool own_slot(struct xs_node **slot)
{
    if ((*slot)->refs == 1)
        return true;
    struct xs_node *c = node_copy(*slot);
    if (!c)
        return false;
    (*slot)->refs--;
    *slot = c;
    return true;
}

struct xs_node *xs_tree_own(struct xs_node **rootp, const char *path, int *err)
{
    /* Look first, so that a miss copies nothing. */
    if (!xs_tree_lookup(*rootp, path)) {
        *err = ENOENT;
        return NULL;
    }
    struct xs_node **slot = rootp;
    const char *p = path;
    for (;;) {
        if (!own_slot(slot)) {
            *err = ENOMEM;
            return NULL;
        }
        if (!*p || (p[0] == '/' && p[1] == '\0'))
            return *slot;
        size_t len = next_component(&p);
        long i = find_kid(*slot, p, len);
        slot = &(*slot)->kids[i];
        p += len;
    }
}

static bool insert_kid(struct xs_node *parent, long at, struct xs_node *kid)
{
    if (parent->nkids == parent->kcap) {
        uint32_t cap = parent->kcap ? parent->kcap * 2 : 4;
        struct xs_node **k = realloc(parent->kids, cap * sizeof(k[0]));
        if (!k)
            return false;
        parent->kids = k;
        parent->kcap = cap;
    }
    memmove(&parent->kids[at + 1], &parent->kids[at],
            (parent->nkids - (uint32_t)at) * sizeof(parent->kids[0]));
    parent->kids[at] = kid;
    parent->nkids++;
    return true;
}

struct xs_node *xs_tree_create(struct xs_node **rootp, const char *path, struct xs_perms *perms,
                               uint64_t gen, const struct xs_tree_hooks *hooks,
                               unsigned *created, int *err)
{
    struct xs_node **slot = rootp;
    const char *p = path;
    *created = 0;
    for (;;) {
        if (!own_slot(slot)) {
            *err = ENOMEM;
            return NULL;
        }
        struct xs_node *n = *slot;
        if (!*p || (p[0] == '/' && p[1] == '\0'))
            return n;
        size_t len = next_component(&p);
        long i = find_kid(n, p, len);
        if (i < 0) {
            struct xs_node *k = node_alloc(p, len);
            if (!k || !insert_kid(n, -i - 1, k)) {
                free(k);
                *err = ENOMEM;
                return NULL;
            }
            k->perms = xs_perms_ref(perms);
            k->birth = k->gen = k->cgen = gen;
            n->cgen = gen;
            (*created)++;
            if (hooks && hooks->added)
                hooks->added(hooks->ctx, k);
            i = -i - 1;
        }
        slot = &n->kids[i];
        p += len;
    }
}

int xs_node_set_value(struct xs_node *n, const void *val, uint32_t len, uint64_t gen)
{
    char *v = NULL;
    if (len) {
        if (len == n->vlen) {
            memcpy(n->value, val, len); /* common for rewrites: no malloc */
            n->gen = gen;
            return 0;
        }
        v = malloc(len);
        if (!v)
            return ENOMEM;
        memcpy(v, val, len);
    }
    free(n->value);
    n->value = v;
    n->vlen = len;
    n->gen = gen;
    return 0;
}

void xs_node_set_perms(struct xs_node *n, struct xs_perms *perms, uint64_t gen)
{
    xs_perms_unref(n->perms);
    n->perms = perms;
    n->gen = gen;
}

static void walk_removed(const struct xs_node *n, const struct xs_tree_hooks *hooks)
{
    hooks->removed(hooks->ctx, n);
    for (uint32_t i = 0; i < n->nkids; i++)
        walk_removed(n->kids[i], hooks);
}

int xs_tree_remove(struct xs_node **rootp, const char *path, uint64_t gen,
                   const struct xs_tree_hooks *hooks)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash[1] == '\0')
        return ENOENT; /* the root is not removable */
    char parent[slash == path ? 2 : (size_t)(slash - path) + 1];
    if (slash == path) {
        parent[0] = '/';
        parent[1] = '\0';
    } else {
        memcpy(parent, path, (size_t)(slash - path));
        parent[slash - path] = '\0';
    }
    const struct xs_node *pn = xs_tree_lookup(*rootp, parent);
    if (!pn)
        return ENOENT;
    const char *leaf = slash + 1;
    if (find_kid(pn, leaf, strlen(leaf)) < 0)
        return ENOENT;
    int err;
    struct xs_node *p = xs_tree_own(rootp, parent, &err);
    if (!p)
        return err;
    long i = find_kid(p, leaf, strlen(leaf));
    struct xs_node *victim = p->kids[i];
    memmove(&p->kids[i], &p->kids[i + 1], (p->nkids - (uint32_t)i - 1) * sizeof(p->kids[0]));
    p->nkids--;
    p->cgen = gen;
    if (hooks && hooks->removed)
        walk_removed(victim, hooks);
    xs_node_unref(victim);
    return 0;
}

size_t xs_tree_count(const struct xs_node *n)
{
    size_t c = 1;
    for (uint32_t i = 0; i < n->nkids; i++)
        c += xs_tree_count(n->kids[i]);
    return c;
}
