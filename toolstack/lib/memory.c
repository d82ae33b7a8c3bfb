/* A domain's memory: the balloon target in memory/target, and the most
 * it may have (xenolithd's limit and memory/static-max). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/lib/ctx.h"

/* A KiB value under the domain's memory/; -1 when absent. */
static int64_t read_kib(struct xs_handle *xsh, uint32_t domid, const char *key)
{
    char path[96];
    snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", domid, key);
    unsigned len;
    char *v = xs_read(xsh, XBT_NULL, path, &len);
    if (!v)
        return -1;
    char *end;
    long long n = strtoll(v, &end, 10);
    bool ok = end != v && *end == '\0' && n >= 0;
    free(v);
    return ok ? n : -1;
}

static bool write_kib(struct xs_handle *xsh, uint32_t domid, const char *key, int64_t kib)
{
    char path[96], val[32];
    snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", domid, key);
    snprintf(val, sizeof(val), "%" PRId64, kib);
    return xs_write(xsh, XBT_NULL, path, val, (unsigned)strlen(val));
}

int xnl_memory_set_target(struct xnl_ctx *ctx, const struct privcmd_dominfo *info, int64_t kib)
{
    struct xs_handle *xsh = xnl_xs(ctx);
    if (!xsh)
        return -ENOTCONN;
    int64_t max = read_kib(xsh, info->domid, "static-max");
    if (max < 0)
        max = (int64_t)info->max_memory_kib;
    if (kib > max)
        return xnl_fail(ctx, -EINVAL, "cannot set the memory target of domain %u (%s) to %" PRId64
                        " KiB: above its maximum of %" PRId64 " KiB (memory/static-max; see xl "
                        "mem-max)", info->domid, info->name, kib, max);
    if (kib < 1024)
        return xnl_fail(ctx, -EINVAL, "cannot set the memory target of domain %u (%s) to %" PRId64
                        " KiB: a domain needs at least 1 MiB", info->domid, info->name, kib);
    if (!write_kib(xsh, info->domid, "target", kib))
        return xnl_fail(ctx, -errno, "cannot set domid %u dynamic max memory to : %" PRId64
                        "k: writing memory/target: %s", info->domid, kib, strerror(errno));
    return 0;
}

int xnl_memory_set_max(struct xnl_ctx *ctx, const struct privcmd_dominfo *info, int64_t kib)
{
    struct xs_handle *xsh = xnl_xs(ctx);
    if (!xsh)
        return -ENOTCONN;
    int64_t target = read_kib(xsh, info->domid, "target");
    if (target >= 0 && kib < target)
        return xnl_fail(ctx, -EINVAL, "cannot set the maximum memory of domain %u (%s) to %" PRId64
                        " KiB: below its memory target of %" PRId64 " KiB (lower it first with "
                        "xl mem-set)", info->domid, info->name, kib, target);
    int rc = xenctl_domain_set_maxmem(ctx->xc, info->domid, (uint64_t)kib);
    if (rc < 0)
        return xnl_fail(ctx, rc, "cannot set domid %u static max memory to : %" PRId64 "k: %s",
                        info->domid, kib, xenctl_error(ctx->xc));
    if (!write_kib(xsh, info->domid, "static-max", kib))
        return xnl_fail(ctx, -errno, "cannot set domid %u static max memory to : %" PRId64
                        "k: writing memory/static-max: %s", info->domid, kib, strerror(errno));
    return 0;
}
