/* xl rename: a new name in xenolithd and in XenStore
 * (/local/domain/<id>/name and /vm/<uuid>/name), as libxl renames. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/domain_ops.h"
#include "toolstack/userdata.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xs_domain.h"

struct rename {
    uint32_t domid;
    const char *name;
};

static bool write_names(struct xs_handle *xsh, xs_transaction_t t, void *arg)
{
    const struct rename *r = arg;
    char path[96], vm_name[256];
    snprintf(path, sizeof(path), "/local/domain/%u/vm", r->domid);
    unsigned len;
    char *vm = xs_read(xsh, t, path, &len);
    snprintf(path, sizeof(path), "/local/domain/%u/name", r->domid);
    bool ok = xs_write(xsh, t, path, r->name, (unsigned)strlen(r->name));
    if (ok && vm && vm[0]) {
        snprintf(vm_name, sizeof(vm_name), "%s/name", vm);
        ok = xs_write(xsh, t, vm_name, r->name, (unsigned)strlen(r->name));
    }
    free(vm);
    return ok;
}

int xl_domain_rename(xenctl *xc, uint32_t domid, const char *name, char *err, size_t errlen)
{
    struct privcmd_dominfo info;
    int rc = xenctl_domain_info(xc, domid, &info);
    if (rc < 0) {
        snprintf(err, errlen, "%s", xenctl_error(xc));
        return rc;
    }
    char old[PRIVCMD_NAME_LEN];
    snprintf(old, sizeof(old), "%.*s", (int)sizeof(info.name) - 1, info.name);
    if ((rc = xenctl_domain_rename(xc, domid, name)) < 0) {
        snprintf(err, errlen, "%s", xenctl_error(xc));
        return rc;
    }
    char sock[4200];
    struct xs_handle *xsh = xlxs_open(xenctl_rundir(xc), sock, sizeof(sock));
    struct rename r = {.domid = domid, .name = name};
    if (xsh && !xlxs_transact(xsh, write_names, &r)) {
        rc = errno ? -errno : -EIO;
        snprintf(err, errlen, "its XenStore name could not be updated (%s); name left as it was",
                 strerror(-rc));
        xenctl_domain_rename(xc, domid, old);
    }
    if (xsh)
        xs_close(xsh);
    /* xl list -l shows the config under the new name, as libxl keeps it. */
    if (rc == 0)
        userdata_set_name(xenctl_rundir(xc), domid, info.uuid, name);
    return rc;
}

int main_rename(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 2, &rc))
        return rc;
    const char *name = argv[optind + 1];
    if (!name[0] || xl_is_domid(name)) {
        xl_err("cannot rename domain %s to '%s': a name must not be empty or all digits "
               "(it would read as a domain id)", argv[optind], name);
        return 1;
    }
    xenctl *xc = xl_open();
    if (!xc)
        return 1;
    struct privcmd_dominfo info;
    rc = 1;
    char err[512];
    if (xl_find_domain(xc, argv[optind], &info) < 0)
        ;
    else if (info.domid == 0)
        xl_err("cannot rename Domain-0");
    else if (xl_domain_rename(xc, info.domid, name, err, sizeof(err)) < 0)
        xl_err("cannot rename domain %u (%s) to '%s': %s", info.domid, info.name, name, err);
    else
        rc = 0;
    xenctl_close(xc);
    return rc;
}
