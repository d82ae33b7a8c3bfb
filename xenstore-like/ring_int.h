/*
 * Inside the ring transport: the daemon-wide part (ring_hv.c: the
 * xenolithd connection, VIRQ_DOM_EXC, the xs_ring_ops) and one ring per
 * domain (ring_dom.c).
 */
#ifndef XENOLITH_XS_RING_INT_H
#define XENOLITH_XS_RING_INT_H

#include <stdbool.h>
#include <uv.h>

#include "dom0/xenctl.h"
#include "dom0/xenevtchn.h"
#include "xenstore-like/store.h"

struct ring_hv {
    struct xs_store *st;
    uv_loop_t *loop;
    xenctl *xc;                /* NULL while xenolithd is out of reach */
    xenevtchn_handle *virq;    /* VIRQ_DOM_EXC, when bound */
    uv_poll_t virq_poll;
    bool virq_polling;
    bool warned_absent;        /* said once that xenolithd is missing */
};

struct ring_dom;

/* Maps domain d's ring and binds its port; NULL with *err (an errno the
 * wire protocol knows) after logging why. */
struct ring_dom *ring_dom_open(struct ring_hv *hv, struct xs_domain *d, int *err);
/* Unbinds and unmaps; the memory goes once the loop has closed the
 * handles. The domain's connection must be closed already. */
void ring_dom_close(struct ring_dom *rd);

#endif
