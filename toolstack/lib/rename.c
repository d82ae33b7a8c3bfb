/* A domain's new name in xenolithd and in XenStore (/local/domain/<id>/name
 * and /vm/<uuid>/name), as libxl renames, and in its saved config. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/lib/ctx.h"
#include "toolstack/lib/userdata.h"
#include "toolstack/lib/xs_domain.h"

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

int xnl_domain_rename(struct xnl_ctx *ctx, uint32_t domid, const char *name)
{
    xenctl *xc = ctx->xc;
    struct privcmd_dominfo info;
    int rc = xenctl_domain_info(xc, domid, &info);
    if (rc < 0)
        return xnl_fail(ctx, rc, "%s", xenctl_error(xc));
    char old[PRIVCMD_NAME_LEN];
    snprintf(old, sizeof(old), "%.*s", (int)sizeof(info.name) - 1, info.name);
    if ((rc = xenctl_domain_rename(xc, domid, name)) < 0)
        return xnl_fail(ctx, rc, "%s", xenctl_error(xc));
    char sock[4200];
    struct xs_handle *xsh = xnl_xs_open(xnl_rundir(ctx), sock, sizeof(sock));
    struct rename r = {.domid = domid, .name = name};
    if (xsh && !xlxs_transact(xsh, write_names, &r)) {
        rc = xnl_fail(ctx, errno ? -errno : -EIO,
                      "its XenStore name could not be updated (%s); name left as it was",
                      strerror(errno ? errno : EIO));
        xenctl_domain_rename(xc, domid, old);
    }
    if (xsh)
        xs_close(xsh);
    /* xl list -l shows the config under the new name, as libxl keeps it. */
    if (rc == 0)
        userdata_set_name(xnl_rundir(ctx), domid, info.uuid, name);
    return rc;
}
