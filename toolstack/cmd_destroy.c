/* xl destroy: end a domain at once, without asking the guest. */
#include "config.h"

#include "toolstack/userdata.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xs_domain.h"

int main_destroy(int argc, char **argv)
{
    /* -f is xl's too; destroying is always forced here. */
    const struct xl_opt opts[] = {XL_FLAG('f', NULL, NULL), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 1, &rc))
        return rc;
    xenctl *xc = xl_open();
    if (!xc)
        return 1;
    struct privcmd_dominfo info;
    if (xl_find_domain(xc, argv[optind], &info) < 0) {
        xenctl_close(xc);
        return 1;
    }
    if (info.domid == 0 || (info.flags & PRIVCMD_DOMINFO_DOM0)) {
        xl_err("cannot destroy Domain-0, the privileged domain");
        xenctl_close(xc);
        return 1;
    }
    rc = 0;
    if (xenctl_domain_destroy(xc, info.domid) < 0) {
        xl_err("cannot destroy domain %u (%s): %s", info.domid, info.name, xenctl_error(xc));
        rc = 1;
    } else {
        /* The monitor cleans up a domain that dies; one kept by preserve
         * has no monitor left, so whoever destroys it does. */
        xlxs_domain_teardown(xenctl_rundir(xc), info.domid, stderr);
        userdata_remove(xenctl_rundir(xc), info.domid);
    }
    xenctl_close(xc);
    return rc;
}
