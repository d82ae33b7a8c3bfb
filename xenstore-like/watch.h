/*
 * Watch registry. Watches hang off a trie of path components, so a
 * change to /a/b/c visits only the trie nodes /, a, b and c (and, for a
 * removal, what lies below c) instead of every watch in the daemon.
 * Special names (@introduceDomain, @releaseDomain, any @word) live in
 * their own list.
 */
#ifndef XENOLITH_XS_WATCH_H
#define XENOLITH_XS_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct xs_conn;
struct wtrie;

struct xs_watch {
    struct xs_watch *tnext, **tpprev; /* trie node's (or specials') list */
    struct xs_watch *cnext;           /* the connection's list */
    struct wtrie *at;                 /* NULL for a special */
    struct xs_conn *conn;
    size_t strip;  /* bytes to drop from event paths (relative watches) */
    char *path;    /* absolute, or @special */
    char *token;
};

struct xs_watches {
    struct wtrie *root;
    struct xs_watch *specials;
    size_t count;
};

/* Called for each matching watch, with the path the event reports. */
typedef void (*xs_watch_fn)(void *ctx, struct xs_watch *w, const char *epath);

int xs_watches_init(struct xs_watches *ws);
void xs_watches_free(struct xs_watches *ws);

/*
 * Adds a watch for conn on absolute `path` (or @special); strip is the
 * length of the home prefix (with its slash) for relative watches, else 0.
 * Links it at the front of *conn_list. 0, EEXIST (same path and token on
 * this connection) or ENOMEM.
 */
int xs_watch_add(struct xs_watches *ws, struct xs_conn *conn, struct xs_watch **conn_list,
                 const char *path, const char *token, size_t strip, struct xs_watch **out);
/* Removes the watch (path, token) of conn; 0 or ENOENT. */
int xs_watch_del(struct xs_watches *ws, struct xs_watch **conn_list, const char *path,
                 const char *token);
/* Removes every watch on the list. */
void xs_watch_del_all(struct xs_watches *ws, struct xs_watch **conn_list);

/*
 * Calls fn for every watch a change of `path` fires, in path order: those
 * on path and on each ancestor with epath = path; and when `subtree` (the
 * node and everything below it went away) those below path with epath =
 * the watch's own path.
 */
void xs_watches_match(struct xs_watches *ws, const char *path, bool subtree, xs_watch_fn fn,
                      void *ctx);

#endif
