/*
 * The store's tree: reference-counted nodes shared between the live tree
 * and transaction snapshots. A node shared by more than one parent (or
 * root) is never modified in place; whoever writes copies it first, along
 * with the path above it, so a snapshot is one reference to a root.
 *
 * Children are kept in an array sorted by name: lookups are binary
 * searches, directory listings come out sorted, and a copy is a memcpy of
 * pointers.
 *
 * Every node carries three numbers from the store's generation counter:
 * birth (when this incarnation was created), gen (last change of value or
 * permissions) and cgen (last change of the child list). Transactions
 * compare them to find real conflicts.
 */
#ifndef XENOLITH_XS_TREE_H
#define XENOLITH_XS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstore-like/perms.h"

struct xs_node {
    uint32_t refs;
    uint32_t vlen;
    uint32_t nkids, kcap;
    uint64_t birth, gen, cgen;
    struct xs_perms *perms;
    char *value;
    struct xs_node **kids;
    uint32_t namelen;
    char name[];
};

/* Called for every node a mutation creates or removes (quota accounting). */
struct xs_tree_hooks {
    void (*added)(void *ctx, const struct xs_node *n);
    void (*removed)(void *ctx, const struct xs_node *n);
    void *ctx;
};

/* A fresh root "/" with the given perms (referenced); NULL on ENOMEM. */
struct xs_node *xs_tree_new_root(struct xs_perms *perms, uint64_t gen);
static inline struct xs_node *xs_node_ref(struct xs_node *n)
{
    n->refs++;
    return n;
}
void xs_node_unref(struct xs_node *n);

/* The node at absolute `path`, or NULL. */
const struct xs_node *xs_tree_lookup(const struct xs_node *root, const char *path);
/*
 * The deepest existing node on the way to `path` (the node itself when it
 * exists); *depth_len is the length of its path prefix.
 */
const struct xs_node *xs_tree_nearest(const struct xs_node *root, const char *path,
                                      size_t *prefix_len);

/*
 * The node at `path`, made private to *rootp (copying shared nodes on the
 * way), or NULL when it does not exist or memory ran out (*err says which:
 * ENOENT or ENOMEM).
 */
struct xs_node *xs_tree_own(struct xs_node **rootp, const char *path, int *err);

/*
 * Creates `path` and any missing parents with an empty value and `perms`
 * (each new node takes a reference), all born at `gen`; parents whose child
 * list grows get cgen = gen. Returns the private node at `path` (existing
 * or new) or NULL with *err = ENOMEM. *created counts the new nodes.
 */
struct xs_node *xs_tree_create(struct xs_node **rootp, const char *path, struct xs_perms *perms,
                               uint64_t gen, const struct xs_tree_hooks *hooks,
                               unsigned *created, int *err);

/* Replaces a private node's value; 0 or ENOMEM. */
int xs_node_set_value(struct xs_node *n, const void *val, uint32_t len, uint64_t gen);
/* Replaces a private node's perms (takes the caller's reference). */
void xs_node_set_perms(struct xs_node *n, struct xs_perms *perms, uint64_t gen);

/*
 * Removes `path` and its subtree. 0, ENOENT (no such node) or ENOMEM.
 * Calls hooks->removed for every node of the subtree.
 */
int xs_tree_remove(struct xs_node **rootp, const char *path, uint64_t gen,
                   const struct xs_tree_hooks *hooks);

/* Number of nodes in the subtree at n, n included. */
size_t xs_tree_count(const struct xs_node *n);

#endif
