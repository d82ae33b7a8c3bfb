/* libxnl's context: the daemons it talks to, and its one way of saying
 * what went wrong. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/lib/ctx.h"
#include "toolstack/lib/xs_domain.h"

struct xnl_ctx *xnl_ctx_open(const char *rundir, char *err, size_t errlen)
{
    struct xnl_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ctx->xc = xenctl_open(rundir, err, errlen);
    if (!ctx->xc) {
        free(ctx);
        return NULL;
    }
    return ctx;
}

void xnl_ctx_close(struct xnl_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->xsh)
        xs_close(ctx->xsh);
    xenctl_close(ctx->xc);
    free(ctx);
}

void xnl_ctx_set_warn(struct xnl_ctx *ctx, xnl_warn_fn *fn, void *arg)
{
    ctx->warn = fn;
    ctx->warn_arg = arg;
}

const char *xnl_error(const struct xnl_ctx *ctx)
{
    return ctx->error;
}

const char *xnl_rundir(const struct xnl_ctx *ctx)
{
    return xenctl_rundir(ctx->xc);
}

xenctl *xnl_xenctl(struct xnl_ctx *ctx)
{
    return ctx->xc;
}

struct xs_handle *xnl_xs(struct xnl_ctx *ctx)
{
    if (ctx->xsh)
        return ctx->xsh;
    char sock[4200];
    ctx->xsh = xnl_xs_open(xnl_rundir(ctx), sock, sizeof(sock));
    if (!ctx->xsh)
        xnl_fail(ctx, -ENOTCONN, "xenolith-stored is not running (nothing at %s)", sock);
    return ctx->xsh;
}

int xnl_fail(struct xnl_ctx *ctx, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
    va_end(ap);
    return rc;
}

void xnl_fail_more(struct xnl_ctx *ctx, const char *fmt, ...)
{
    size_t used = strlen(ctx->error);
    if (used + 3 >= sizeof(ctx->error))
        return;
    snprintf(ctx->error + used, sizeof(ctx->error) - used, "; ");
    used += 2;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->error + used, sizeof(ctx->error) - used, fmt, ap);
    va_end(ap);
}

void xnl_warn(struct xnl_ctx *ctx, const char *fmt, ...)
{
    if (!ctx->warn)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ctx->warn(ctx->warn_arg, msg);
}
