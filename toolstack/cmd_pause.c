/* xl pause / xl unpause: stop and restart a domain's vCPUs, keeping the
 * domain and everything it holds. */
#include "config.h"

#include <stdbool.h>

#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

/* Both commands take one domain and differ only in the call and the verb
 * their messages use. */
static int pause_or_unpause(int argc, char **argv, bool pause)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    const char *verb = pause ? "pause" : "unpause";
    xenctl *xc = xl_open();
    if (!xc)
        return 1;
    struct privcmd_dominfo info;
    if (xl_find_domain(xc, argv[optind], &info) < 0) {
        xenctl_close(xc);
        return 1;
    }
    /* Domain-0 is the host itself: xenolithd runs no vCPUs of its own to stop,
     * and stopping the toolstack's own domain would leave no way back. */
    if (info.domid == 0 || (info.flags & PRIVCMD_DOMINFO_DOM0)) {
        xl_err("cannot %s Domain-0, the privileged domain", verb);
        xenctl_close(xc);
        return 1;
    }
    int e = pause ? xenctl_domain_pause(xc, info.domid) : xenctl_domain_unpause(xc, info.domid);
    rc = 0;
    if (e < 0) {
        xl_err("cannot %s domain %u (%s): %s", verb, info.domid, info.name, xenctl_error(xc));
        rc = 1;
    }
    xenctl_close(xc);
    return rc;
}

int main_pause(int argc, char **argv)
{
    return pause_or_unpause(argc, argv, true);
}

int main_unpause(int argc, char **argv)
{
    return pause_or_unpause(argc, argv, false);
}
