/* xl domid and xl domname: a name to an id and back. */
#include "config.h"

#include <stdio.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

static int lookup(int argc, char **argv, int want_id)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    const char *arg = argv[optind];
    /* xl domid takes a name and xl domname an id; an id given to domid
     * (or a name to domname) would make scripts silently wrong. */
    if (want_id == xnl_is_domid(arg)) {
        xl_err(want_id ? "'%s' is a domain id, not a name" : "'%s' is not a domain id", arg);
        return 1;
    }
    struct privcmd_dominfo info;
    struct xnl_ctx *ctx = xl_ctx_domain(arg, &info);
    if (!ctx)
        return 1;
    xnl_ctx_close(ctx);
    if (want_id)
        printf("%u\n", info.domid);
    else
        printf("%s\n", info.name);
    return 0;
}

int main_domid(int argc, char **argv)
{
    return lookup(argc, argv, 1);
}

int main_domname(int argc, char **argv)
{
    return lookup(argc, argv, 0);
}
