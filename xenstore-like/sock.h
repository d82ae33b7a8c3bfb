/*
 * The unix-socket transport: a listening socket whose clients all speak
 * as one domain. The daemon's main socket speaks as Dom0; the test
 * transport (domsock.c) opens one per introduced domain.
 */
#ifndef XENOLITH_XS_SOCK_H
#define XENOLITH_XS_SOCK_H

#include <stdint.h>
#include <uv.h>

struct xs_store;
struct xs_listener;

/* Listens on path (replacing a stale socket), mode 0600. NULL with *err. */
struct xs_listener *xs_listen(uv_loop_t *loop, struct xs_store *st, const char *path,
                              uint32_t domid, int *err);
/* Stops listening and removes the socket; connections live on. */
void xs_listener_close(struct xs_listener *l);

#endif
