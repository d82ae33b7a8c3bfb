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

static int add(struct xnl_ctx *ctx, uint32_t domid, void *v)
{
    if (xnl_vif_add(ctx, domid, v) >= 0)
        return 0;
    xl_err("%s", xnl_error(ctx));
    return 1;
}

static void spec_free(void *v)
{
    vif_spec_free(v);
}

int main_network_attach(int argc, char **argv)
{
    /* As xl: every argument after the domain is one key=value of the spec. */
    static const struct xl_attach vif = {parse, add, spec_free};
    struct vif_spec v;
    return xl_device_attach(argc, argv, 1, &vif, &v);
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

static void row(struct xnl_ctx *ctx, uint32_t domid, uint32_t devid)
{
    char *mac = xnl_device_read(ctx, "vif", domid, devid, false, "mac");
    char be[256];
    xnl_device_backend_path(be, sizeof(be), "vif", domid, devid);
    printf("%-3u %-2d %-17s %6u %5d %6d %5d/%-11d %-30s\n", devid, 0, mac ? mac : "-", devid,
           xnl_device_read_int(ctx, "vif", domid, devid, true, "state", -1),
           xnl_device_read_int(ctx, "vif", domid, devid, true, "event-channel", -1),
           xnl_device_read_int(ctx, "vif", domid, devid, true, "tx-ring-ref", -1),
           xnl_device_read_int(ctx, "vif", domid, devid, true, "rx-ring-ref", -1), be);
    free(mac);
}

int main_network_list(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.", "handle",
           "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    return xl_device_rows(argc, argv, "vif", MAX_VIFS, row);
}
