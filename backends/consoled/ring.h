/*
 * The backend's side of a console ring (struct xencons_interface of
 * io/console.h): guest output from out[], input into in[]. The page is
 * shared with a guest we do not trust, so the indices we own (out_cons,
 * in_prod) live here and the ones the guest owns are checked on every
 * read before they are used.
 */
#ifndef XENOLITH_CONSOLED_RING_H
#define XENOLITH_CONSOLED_RING_H

#include <stddef.h>
#include <sys/types.h>

#include "include/xen_public.h"
#include <xen/io/console.h>

struct cons_ring {
    struct xencons_interface *intf;
    XENCONS_RING_IDX out_cons;     /* ours */
    XENCONS_RING_IDX in_prod;      /* ours */
    XENCONS_RING_IDX in_cons_seen; /* the guest's, as last checked */
    char why[160];                 /* what was wrong, once corrupt */
};

/* Takes the ring over as the page has it (a restarted backend carries
 * on where the last one stopped). */
void cons_ring_attach(struct cons_ring *r, struct xencons_interface *intf);

/* Copies up to len bytes of guest output into buf and hands the space
 * back to the guest. Bytes copied, or -1 when the guest's out_prod is
 * impossible (more than a ring ahead of out_cons), with r->why set. */
ssize_t cons_ring_read(struct cons_ring *r, char *buf, size_t len);

/* Copies as much of buf as in[] has room for. Bytes copied, or -1 when
 * the guest's in_cons is outside what we produced, with r->why set. */
ssize_t cons_ring_write(struct cons_ring *r, const char *buf, size_t len);

#endif
