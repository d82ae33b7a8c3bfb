/* xl shutdown / xl reboot: ask the guest through control/shutdown and wait
 * for it to acknowledge; -F falls back to stopping it from the hypervisor
 * when the guest does not answer (or never said it would). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "include/xen_public.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xs_domain.h"

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

static int shutdown_one(xenctl *xc, struct xs_handle *xsh, const struct privcmd_dominfo *info,
                        bool reboot, bool force, bool wait)
{
    const char *what = reboot ? "reboot" : "poweroff";
    uint32_t reason = reboot ? SHUTDOWN_reboot : SHUTDOWN_poweroff;
    bool pv = xsh && guest_supports(xsh, info->domid, what);
    if (pv && request_acknowledged(xsh, info->domid, what)) {
        /* the guest is on its way down */
    } else if (force) {
        if (xenctl_domain_shutdown(xc, info->domid, reason) < 0) {
            xl_err("cannot %s domain %u (%s): %s", what, info->domid, info->name, xenctl_error(xc));
            return 1;
        }
    } else {
        xl_err("domain %u (%s) %s; use -F to %s it from the hypervisor", info->domid, info->name,
               !xsh ? "cannot be asked: xenolith-stored is not running"
               : !pv ? "has no PV control interface (no control/feature-" : "did not acknowledge the request within 10 s",
               reboot ? "reboot" : "stop");
        return 1;
    }
    if (wait) {
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
    xenctl *xc = xl_open();
    if (!xc)
        return 1;
    char sock[4200];
    struct xs_handle *xsh = xlxs_open(xenctl_rundir(xc), sock, sizeof(sock));
    rc = 0;
    if (all) {
        struct privcmd_dominfo *list;
        size_t n;
        if (xenctl_domain_list(xc, &list, &n) < 0) {
            xl_err("cannot list domains: %s", xenctl_error(xc));
            rc = 1;
        } else {
            for (size_t i = 0; i < n; i++)
                if (!(list[i].flags & PRIVCMD_DOMINFO_DOM0) && list[i].state < PRIVCMD_STATE_SHUTDOWN)
                    rc |= shutdown_one(xc, xsh, &list[i], reboot, force, wait);
            free(list);
        }
    } else {
        struct privcmd_dominfo info;
        if (xl_find_domain(xc, argv[optind], &info) < 0) {
            rc = 1;
        } else if (info.flags & PRIVCMD_DOMINFO_DOM0) {
            xl_err("cannot %s Domain-0, the privileged domain", reboot ? "reboot" : "shut down");
            rc = 1;
        } else {
            rc = shutdown_one(xc, xsh, &info, reboot, force, wait);
        }
    }
    if (xsh)
        xs_close(xsh);
    xenctl_close(xc);
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
