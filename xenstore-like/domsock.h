/*
 * A stand-in for guest rings, for tests and for Dom0 tools that act for a
 * domain: with --domain-sockets, INTRODUCE opens
 * <dir>/domain/<domid>, a socket whose clients speak as that domain
 * (relative paths, permissions, quotas), and RELEASE closes it and its
 * connections. It plugs into the same xs_ring_ops as the ring transport.
 */
#ifndef XENOLITH_XS_DOMSOCK_H
#define XENOLITH_XS_DOMSOCK_H

#include <uv.h>

#include "xenstore-like/store.h"

/* Installs the transport; dir is the daemon's socket directory. 0 or errno. */
int xs_domsock_install(struct xs_store *st, uv_loop_t *loop, const char *dir);

#endif
