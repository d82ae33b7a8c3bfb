/* xl console: attach to a domain's console through xenolith-consoled. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_console.h"
#include "toolstack/xl_util.h"

int main_console(int argc, char **argv)
{
    const char *type = "pv", *esc = NULL, *num = NULL;
    const struct xl_opt opts[] = {XL_VALUE('t', NULL, &type), XL_VALUE('n', NULL, &num),
                                  XL_VALUE('e', NULL, &esc), {0}};
    int rc, escape = XL_CONSOLE_ESCAPE;
    if (!xl_args(argc, argv, opts, 0, &rc))
        return rc;
    if (esc && (escape = xl_console_parse_escape(esc)) < 0) {
        xl_err("bad escape character '%s': give one character or ^X for Ctrl-X", esc);
        return 2;
    }
    if (num && strcmp(num, "0") != 0) {
        xl_err("domains have one console here: -n %s does not exist", num);
        return 1;
    }
    if ((rc = xl_need_args(argc, argv, 1)) != 0)
        return rc;
    if (strcmp(type, "pv") != 0) {
        xl_err("console type '%s' is not available: PVH domains have a pv console only (-t pv)",
               type);
        return 1;
    }
    struct privcmd_dominfo info;
    struct xnl_ctx *ctx = xl_ctx_domain(argv[optind], &info);
    if (!ctx)
        return 1;
    char rundir[4096];
    snprintf(rundir, sizeof(rundir), "%s", xnl_rundir(ctx));
    xnl_ctx_close(ctx);
    if (info.domid == 0) {
        xl_err("Domain-0 has no console to attach to: it is this host");
        return 1;
    }
    return xl_console_attach(rundir, info.domid, info.name, escape);
}
