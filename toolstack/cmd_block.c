/* xl block-attach, block-detach and block-list: a running domain's vbds,
 * with xl's arguments and output. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

static int parse(const char *spec, void *d, char *err, size_t errlen)
{
    return disk_spec_parse(spec, d, err, errlen);
}

static int add(struct xnl_ctx *ctx, uint32_t domid, void *d)
{
    if (xnl_disk_add(ctx, domid, d) >= 0)
        return 0;
    xl_err("cannot attach to domain %u: %s", domid, xnl_error(ctx));
    return 1;
}

static void spec_free(void *d)
{
    disk_spec_free(d);
}

int main_block_attach(int argc, char **argv)
{
    /* xl joins the remaining words with commas: one spec. */
    static const struct xl_attach disk = {parse, add, spec_free};
    struct disk_spec d;
    return xl_device_attach(argc, argv, 2, &disk, &d);
}

int main_block_detach(int argc, char **argv)
{
    bool force = false;
    const struct xl_opt opts[] = {XL_FLAG('f', "force", &force), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 2, &rc))
        return rc;
    uint32_t devid, domid;
    const char *dev = argv[optind + 1];
    if (disk_vdev_to_devid(dev, &devid) < 0) {
        xl_err("Error: Device %s not connected.", dev);
        return 1;
    }
    struct xnl_ctx *ctx = xl_device_open(argv[optind], &domid);
    rc = !ctx || xnl_disk_remove(ctx, domid, devid, force) == -ENOENT;
    if (ctx && rc)
        xl_err("Error: Device %s not connected.", dev);
    xnl_ctx_close(ctx);
    return rc;
}

/* A multi-page or multi-queue frontend has no plain ring-ref or
 * event-channel; xl prints -1 for what it cannot read. */
static void row(struct xnl_ctx *ctx, uint32_t domid, uint32_t devid)
{
    char be[256];
    xnl_device_backend_path(be, sizeof(be), "vbd", domid, devid);
    printf("%-5u %-3d %-6u %-5d %-6d %-8d %-30s\n", devid, 0, domid,
           xnl_device_read_int(ctx, "vbd", domid, devid, true, "state", -1),
           xnl_device_read_int(ctx, "vbd", domid, devid, true, "event-channel", -1),
           xnl_device_read_int(ctx, "vbd", domid, devid, true, "ring-ref", -1), be);
}

int main_block_list(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state", "evt-ch",
           "ring-ref", "BE-path");
    return xl_device_rows(argc, argv, "vbd", 256, row);
}
