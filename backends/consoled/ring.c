#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backends/consoled/ring.h"
#include "dom0/byte_ring.h"

void cons_ring_attach(struct cons_ring *r, struct xencons_interface *intf)
{
    r->intf = intf;
    r->out_cons = __atomic_load_n(&intf->out_cons, __ATOMIC_ACQUIRE);
    r->in_prod = __atomic_load_n(&intf->in_prod, __ATOMIC_ACQUIRE);
    r->in_cons_seen = __atomic_load_n(&intf->in_cons, __ATOMIC_ACQUIRE);
    /* A guest's in_cons ahead of in_prod would make room look negative. */
    if ((XENCONS_RING_IDX)(r->in_prod - r->in_cons_seen) > sizeof(intf->in))
        r->in_cons_seen = r->in_prod;
    r->why[0] = '\0';
}

ssize_t cons_ring_read(struct cons_ring *r, char *buf, size_t len)
{
    struct xencons_interface *in = r->intf;
    XENCONS_RING_IDX prod = __atomic_load_n(&in->out_prod, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX avail = prod - r->out_cons;
    if (avail > sizeof(in->out)) {
        snprintf(r->why, sizeof(r->why),
                 "out_prod %#x is %u bytes ahead of out_cons %#x, past the %zu-byte ring", prod,
                 avail, r->out_cons, sizeof(in->out));
        return -1;
    }
    size_t n = avail < len ? avail : len;
    if (n) {
        size_t at, first = byte_ring_split(sizeof(in->out), r->out_cons, n, &at);
        memcpy(buf, in->out + at, first);
        memcpy(buf + first, in->out, n - first);
        r->out_cons += (XENCONS_RING_IDX)n;
        /* Copied before the guest may write over it. */
        __atomic_store_n(&in->out_cons, r->out_cons, __ATOMIC_RELEASE);
    }
    return (ssize_t)n;
}

ssize_t cons_ring_write(struct cons_ring *r, const char *buf, size_t len)
{
    struct xencons_interface *in = r->intf;
    XENCONS_RING_IDX cons = __atomic_load_n(&in->in_cons, __ATOMIC_ACQUIRE);
    /* The guest may only move in_cons forward, and not past in_prod. */
    if ((XENCONS_RING_IDX)(cons - r->in_cons_seen) > (XENCONS_RING_IDX)(r->in_prod - r->in_cons_seen)) {
        snprintf(r->why, sizeof(r->why), "in_cons %#x outside [%#x, %#x]", cons, r->in_cons_seen,
                 r->in_prod);
        return -1;
    }
    r->in_cons_seen = cons;
    size_t room = sizeof(in->in) - (XENCONS_RING_IDX)(r->in_prod - cons);
    size_t n = len < room ? len : room;
    if (n) {
        size_t at, first = byte_ring_split(sizeof(in->in), r->in_prod, n, &at);
        memcpy(in->in + at, buf, first);
        memcpy(in->in, buf + first, n - first);
        r->in_prod += (XENCONS_RING_IDX)n;
        /* The bytes are in place before the guest can see the index move. */
        __atomic_store_n(&in->in_prod, r->in_prod, __ATOMIC_RELEASE);
    }
    return (ssize_t)n;
}
