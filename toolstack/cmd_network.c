/* xl network-attach, network-detach and network-list: a running domain's
 * vifs, with xl's arguments and output. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

#define MAX_VIFS 64

static int parse(const char *spec, void *v, char *err, size_t errlen)
{
    return vif_spec_parse(spec, v, err, errlen);
}

int main_network_attach(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    /* As xl: every argument after the domain is one key=value of the spec. */
    struct vif_spec v;
    if (xl_parse_spec(argc, argv, optind + 1, parse, &v))
        return 1;
    uint32_t domid;
    struct xnl_ctx *ctx = xl_device_open(argv[optind], &domid);
    rc = !ctx || xnl_vif_add(ctx, domid, &v) < 0;
    if (ctx && rc)
        xl_err("%s", xnl_error(ctx));
    vif_spec_free(&v);
    xnl_ctx_close(ctx);
    return rc;
}

int main_network_detach(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 2, &rc))
        return rc;
    uint32_t domid;
    struct xnl_ctx *ctx = xl_device_open(argv[optind], &domid);
    rc = !ctx || xnl_vif_remove(ctx, domid, argv[optind + 1]) < 0;
    if (ctx && rc)
        xl_err("%s", xnl_error(ctx));
    xnl_ctx_close(ctx);
    return rc;
}

int main_network_list(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.", "handle",
           "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    struct xnl_ctx *ctx = xl_ctx();
    if (!ctx)
        return 1;
    for (int a = optind; a < argc; a++) {
        uint32_t domid;
        if (xl_device_domain(ctx, argv[a], &domid) != 0) {
            rc = 1;
            continue;
        }
        uint32_t ids[MAX_VIFS];
        int n = xnl_device_list(ctx, "vif", domid, ids, MAX_VIFS);
        for (int i = 0; i < n && i < MAX_VIFS; i++) {
            char *mac = xnl_device_read(ctx, "vif", domid, ids[i], false, "mac");
            char be[256];
            xnl_device_backend_path(be, sizeof(be), "vif", domid, ids[i]);
            printf("%-3u %-2d %-17s %6u %5d %6d %5d/%-11d %-30s\n", ids[i], 0, mac ? mac : "-",
                   ids[i], xnl_device_read_int(ctx, "vif", domid, ids[i], true, "state", -1),
                   xnl_device_read_int(ctx, "vif", domid, ids[i], true, "event-channel", -1),
                   xnl_device_read_int(ctx, "vif", domid, ids[i], true, "tx-ring-ref", -1),
                   xnl_device_read_int(ctx, "vif", domid, ids[i], true, "rx-ring-ref", -1), be);
            free(mac);
        }
    }
    xnl_ctx_close(ctx);
    return rc;
}
