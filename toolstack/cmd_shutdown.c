/* xl shutdown / xl reboot: one domain or all (-a), through
 * xnl_domain_shutdown; -w waits until each has stopped. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

static int shutdown_one(struct xnl_ctx *ctx, const struct privcmd_dominfo *info, bool reboot,
                        bool force, bool wait)
{
    if (xnl_domain_shutdown(ctx, info, reboot, force) < 0) {
        xl_err("%s", xnl_error(ctx));
        return 1;
    }
    if (wait) {
        xenctl *xc = xnl_xenctl(ctx);
        struct privcmd_dominfo end;
        int rc = xenctl_domain_wait(xc, info->domid, &end);
        if (rc < 0 && rc != -ESRCH) {
            xl_err("cannot wait for domain %u (%s): %s", info->domid, info->name, xenctl_error(xc));
            return 1;
        }
    }
    return 0;
}

static int shutdown_or_reboot(int argc, char **argv, bool reboot)
{
    bool force = false, wait = false, all = false;
    struct xl_opt opts[] = {XL_FLAG('F', NULL, &force), XL_FLAG('w', NULL, &wait),
                            XL_FLAG('a', NULL, &all), {0}};
    /* xl reboot takes only -F: its table ends after it. */
    if (reboot)
        opts[1] = (struct xl_opt){0};
    int rc;
    if (!xl_args(argc, argv, opts, 0, &rc))
        return rc;
    if (!all && (rc = xl_need_args(argc, argv, 1)) != 0)
        return rc;
    struct xnl_ctx *ctx = xl_ctx();
    if (!ctx)
        return 1;
    rc = 0;
    if (all) {
        struct privcmd_dominfo *list;
        size_t n;
        if (xl_domain_list(ctx, &list, &n) != 0) {
            rc = 1;
        } else {
            for (size_t i = 0; i < n; i++)
                if (!(list[i].flags & PRIVCMD_DOMINFO_DOM0) &&
                    list[i].state < PRIVCMD_STATE_SHUTDOWN)
                    rc |= shutdown_one(ctx, &list[i], reboot, force, wait);
            free(list);
        }
    } else {
        struct privcmd_dominfo info;
        rc = xl_find_domain(ctx, argv[optind], &info) < 0
                 ? 1
                 : shutdown_one(ctx, &info, reboot, force, wait);
    }
    xnl_ctx_close(ctx);
    return rc;
}

int main_shutdown(int argc, char **argv)
{
    return shutdown_or_reboot(argc, argv, false);
}

int main_reboot(int argc, char **argv)
{
    return shutdown_or_reboot(argc, argv, true);
}
