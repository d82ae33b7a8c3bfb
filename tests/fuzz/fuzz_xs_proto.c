/*
 * libFuzzer harness: XenStore wire messages from a client (a guest, over
 * its ring, or a Dom0 process over the socket) into xenolith-stored's
 * dispatcher and store. The transport is a buffer, as in the unit tests
 * (tests/unit/test_xs_harness.h). The first byte picks the caller (Dom0 or
 * an unprivileged guest) and the size of the pieces the bytes arrive in,
 * so messages split across reads are exercised too.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore-like/conn.h"
#include "xenstore-like/store.h"

struct fconn {
    struct xs_conn c;
    bool closed;
};

static int f_write(struct xs_conn *c, const void *msg, size_t len)
{
    (void)c;
    (void)msg;
    (void)len;
    return 0;
}
static void f_flush(struct xs_conn *c) { (void)c; }
static size_t f_queued(struct xs_conn *c) { (void)c; return 0; }
static void f_close(struct xs_conn *c) { ((struct fconn *)c->tp)->closed = true; }
static const struct xs_conn_ops f_ops = {f_write, f_flush, f_queued, f_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    data++;
    size--;
    struct xs_quota q = XS_QUOTA_DEFAULTS;
    struct xs_store *st = xs_store_new(&q);
    if (!st)
        return 0;
    struct fconn *f = calloc(1, sizeof(*f));
    uint32_t domid = (ctl & 1) ? 1 : 0;
    if (domid)
        (void)xs_introduce(st, domid, 0xfeff0, 1);
    if (!f || xs_conn_init(&f->c, st, &f_ops, f, domid) != 0) {
        xs_store_free(st);
        free(f);
        return 0;
    }
    /* Piece size: whole messages at once (0), or 1..127 bytes per read. */
    size_t piece = ctl >> 1;
    while (size > 0 && !f->closed) {
        size_t avail;
        char *p = xs_conn_in_space(&f->c, &avail);
        size_t n = piece ? piece : size;
        if (n > avail)
            n = avail;
        if (n > size)
            n = size;
        if (n == 0)
            break;
        memcpy(p, data, n);
        data += n;
        size -= n;
        if (!xs_conn_input(&f->c, n))
            break;
    }
    xs_store_free(st);
    free(f);
    return 0;
}
