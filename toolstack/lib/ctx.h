/* Inside libxnl: the context's fields and how a call reports. */
#ifndef XENOLITH_XNL_CTX_H
#define XENOLITH_XNL_CTX_H

#include <xenstore.h>

#include "dom0/xenctl.h"
#include "toolstack/lib/xnl.h"

struct xnl_ctx {
    xenctl *xc;
    struct xs_handle *xsh; /* NULL until xnl_xs opens it */
    xnl_warn_fn *warn;
    void *warn_arg;
    char error[1536];
};

/* Sets the context's message; returns rc (a -errno), for
 * "return xnl_fail(ctx, -EINVAL, ...)". */
int xnl_fail(struct xnl_ctx *ctx, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds "; <more>" to the message of the failure being reported. */
void xnl_fail_more(struct xnl_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands one line to the caller's warning function. */
void xnl_warn(struct xnl_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
