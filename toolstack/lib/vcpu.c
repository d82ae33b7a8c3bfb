/* vCPU hotplug: how many of a domain's vCPUs are online, through
 * cpu/<n>/availability, which the guest watches. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "toolstack/lib/ctx.h"
#include "toolstack/lib/xs_domain.h"

struct availability {
    uint32_t domid;
    unsigned max, n;
};

/* Every availability key in one transaction, so the guest sees the new
 * count at once rather than each step on the way. */
static bool write_availability(struct xs_handle *xsh, xs_transaction_t t, void *arg)
{
    const struct availability *a = arg;
    for (unsigned i = 0; i < a->max; i++) {
        char path[96];
        const char *v = i < a->n ? "online" : "offline";
        snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability", a->domid, i);
        if (!xs_write(xsh, t, path, v, (unsigned)strlen(v)))
            return false;
    }
    return true;
}

int xnl_vcpus_set(struct xnl_ctx *ctx, const struct privcmd_dominfo *info, unsigned n,
                  bool check_host)
{
    if (info->domid == 0)
        return xnl_fail(ctx, -EPERM,
                        "cannot change the vCPUs of Domain-0: they are the host's CPUs");
    if (n < 1 || n > info->vcpus)
        return xnl_fail(ctx, -EINVAL, "cannot set domain %u (%s) to %u vCPUs: it has 1 to %u "
                        "(maxvcpus)", info->domid, info->name, n, info->vcpus);
    struct privcmd_hostinfo host;
    if (check_host && xenctl_host_info(ctx->xc, &host) == 0 && n > info->vcpus_online &&
        n > host.nr_cpus)
        return xnl_fail(ctx, -EINVAL, "You are overcommmitting! You have %u physical CPUs and "
                        "want %u vCPUs! Aborting, use --ignore-host to continue", host.nr_cpus,
                        n);
    struct xs_handle *xsh = xnl_xs(ctx);
    if (!xsh)
        return xnl_fail(ctx, -ENOTCONN, "cannot set the vCPUs of domain %u (%s): %s",
                        info->domid, info->name, xnl_error(ctx));
    struct availability a = {.domid = info->domid, .max = info->vcpus, .n = n};
    if (!xlxs_transact(xsh, write_availability, &a))
        return xnl_fail(ctx, errno ? -errno : -EIO, "cannot set domain %u (%s) to %u vCPUs: "
                        "writing cpu/*/availability: %s", info->domid, info->name, n,
                        strerror(errno));
    return 0;
}
