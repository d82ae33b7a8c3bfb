/* Asking a guest to power off or reboot through control/shutdown, and
 * waiting for it to acknowledge; with force, the hypervisor stops a
 * guest that does not answer (or never said it would). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "include/xen_public.h"

#include "toolstack/lib/ctx.h"

/* How long a guest has to take the request off control/shutdown. */
#define ACK_TIMEOUT_MS 10000

/* true when the guest announced control/feature-<what>. */
static bool guest_supports(struct xs_handle *xsh, uint32_t domid, const char *what)
{
    char path[96];
    snprintf(path, sizeof(path), "/local/domain/%u/control/feature-%s", domid, what);
    unsigned len = 0;
    char *v = xs_read(xsh, XBT_NULL, path, &len);
    bool yes = v && strcmp(v, "1") == 0;
    free(v);
    return yes;
}

/* Writes the request and waits for the guest to clear it. */
static bool request_acknowledged(struct xs_handle *xsh, uint32_t domid, const char *what)
{
    char path[96];
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
    if (!xs_write(xsh, XBT_NULL, path, what, (unsigned)strlen(what)))
        return false;
    for (int waited = 0; waited < ACK_TIMEOUT_MS; waited += 20) {
        unsigned len = 1;
        char *v = xs_read(xsh, XBT_NULL, path, &len);
        /* Gone is cleared too: the guest acknowledged and stopped, and
         * its monitor removed its entries (destroy, restart) already. */
        bool cleared = v ? len == 0 : errno == ENOENT;
        free(v);
        if (cleared)
            return true;
        nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
    }
    return false;
}

int xnl_domain_shutdown(struct xnl_ctx *ctx, const struct privcmd_dominfo *info, bool reboot,
                        bool force)
{
    const char *what = reboot ? "reboot" : "poweroff";
    uint32_t reason = reboot ? SHUTDOWN_reboot : SHUTDOWN_poweroff;
    if (info->flags & PRIVCMD_DOMINFO_DOM0)
        return xnl_fail(ctx, -EPERM, "cannot %s Domain-0, the privileged domain",
                        reboot ? "reboot" : "shut down");
    struct xs_handle *xsh = xnl_xs(ctx);
    bool pv = xsh && guest_supports(xsh, info->domid, what);
    if (pv && request_acknowledged(xsh, info->domid, what))
        return 0; /* the guest is on its way down */
    if (force) {
        int rc = xenctl_domain_shutdown(ctx->xc, info->domid, reason);
        return rc < 0 ? xnl_fail(ctx, rc, "cannot %s domain %u (%s): %s", what, info->domid,
                                 info->name, xenctl_error(ctx->xc))
                      : 0;
    }
    return xnl_fail(ctx, -ETIMEDOUT, "domain %u (%s) %s; use -F to %s it from the hypervisor",
                    info->domid, info->name,
                    !xsh ? "cannot be asked: xenolith-stored is not running"
                    : !pv ? "has no PV control interface (no control/feature-"
                          : "did not acknowledge the request within 10 s",
                    reboot ? "reboot" : "stop");
}
