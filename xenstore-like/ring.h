/*
 * Guests' store rings, xenolith-stored's default transport. On INTRODUCE
 * the daemon maps the domain's ring page (struct
 * xenstore_domain_interface) through the privcmd library, binds the
 * guest's event channel, and moves whole messages between the ring and
 * the core. It also binds VIRQ_DOM_EXC so that a domain that shuts down,
 * crashes or is destroyed is noticed (@releaseDomain, and release of the
 * dead).
 *
 * xenolithd may be absent (the socket-only tests, the benchmarks) or
 * start later: the daemon then runs without rings, tries again on each
 * INTRODUCE, and a domain introduced meanwhile exists with no connection.
 */
#ifndef XENOLITH_XS_RING_H
#define XENOLITH_XS_RING_H

#include <uv.h>

#include "xenstore-like/store.h"

/* Installs the ring transport as st->ring. 0 or ENOMEM. */
int xs_ring_install(struct xs_store *st, uv_loop_t *loop);
/* After every domain has been released: stops watching VIRQ_DOM_EXC and
 * frees the transport (its handles close on the loop's next turn). */
void xs_ring_shutdown(struct xs_store *st);

#endif
