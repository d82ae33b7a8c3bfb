/* xl rename: a domain's new name (xnl_domain_rename). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

int main_rename(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 2, &rc))
        return rc;
    const char *name = argv[optind + 1];
    if (!name[0] || xnl_is_domid(name)) {
        xl_err("cannot rename domain %s to '%s': a name must not be empty or all digits "
               "(it would read as a domain id)", argv[optind], name);
        return 1;
    }
    struct privcmd_dominfo info;
    struct xnl_ctx *ctx = xl_ctx_domain(argv[optind], &info);
    if (!ctx)
        return 1;
    rc = 1;
    if (info.domid == 0)
        xl_err("cannot rename Domain-0");
    else if (xnl_domain_rename(ctx, info.domid, name) < 0)
        xl_err("cannot rename domain %u (%s) to '%s': %s", info.domid, info.name, name,
               xnl_error(ctx));
    else
        rc = 0;
    xnl_ctx_close(ctx);
    return rc;
}
