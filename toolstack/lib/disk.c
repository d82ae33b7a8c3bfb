/* Disks: the vbd libxl writes (libxl_disk.c's keys), at create and on a
 * running domain, and its removal. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/storage/repo/repo.h"
#include "toolstack/lib/ctx.h"
#include "toolstack/lib/device.h"

/* Resolves the target (sr:SR/VDI through the repository registry),
 * writes the keys and runs the hotplug script. 0, or -1 with the reason
 * in err. */
static int attach(struct xs_handle *xsh, uint32_t domid, const struct disk_spec *d, char *err,
                  size_t errlen)
{
    char target[1024];
    enum disk_format fmt = d->format;
    bool from_sr = !strncmp(d->target, "sr:", 3);
    if (from_sr) {
        enum xns_format xf;
        if (repo_resolve_disk(d->target, target, sizeof(target), &xf) < 0) {
            snprintf(err, errlen, "disk %s: %s", d->vdev, xns_strerror());
            return -1;
        }
        enum disk_format got = xf == XNS_FMT_VHD ? DISK_FORMAT_VHD : DISK_FORMAT_RAW;
        if (d->format_given && got != d->format) {
            snprintf(err, errlen, "disk %s: %s is a %s VDI, not %s", d->vdev, d->target,
                     disk_format_name(got), disk_format_name(d->format));
            return -1;
        }
        fmt = got;
    } else {
        snprintf(target, sizeof(target), "%s", d->target);
    }
    /* The block script checks and publishes files and devices; a VDI's
     * volume may have no device node (no device-mapper), so the backend
     * opens those itself, as Xen's tap backends do. */
    const char *script = d->script ? d->script : (from_sr ? "" : "block");
    char devid[16];
    snprintf(devid, sizeof(devid), "%u", d->devid);
    struct xldev_kv back[12];
    unsigned nb = 0;
    back[nb++] = (struct xldev_kv){"params", target};
    /* No script key at all rather than an empty one. */
    if (*script)
        back[nb++] = (struct xldev_kv){"script", script};
    back[nb++] = (struct xldev_kv){"mode", d->readonly ? "r" : "w"};
    back[nb++] = (struct xldev_kv){"type", d->backendtype ? d->backendtype : "phy"};
    back[nb++] = (struct xldev_kv){"format", disk_format_name(fmt)};
    back[nb++] = (struct xldev_kv){"device-type", d->cdrom ? "cdrom" : "disk"};
    back[nb++] = (struct xldev_kv){"removable", d->cdrom ? "1" : "0"};
    back[nb++] = (struct xldev_kv){"bootable", "1"};
    back[nb++] = (struct xldev_kv){"dev", d->vdev};
    back[nb++] = (struct xldev_kv){"discard-enable", d->discard == 0 ? "0" : "1"};
    back[nb++] = (struct xldev_kv){"specification", "xen"};
    struct xldev_kv front[] = {
        {"virtual-device", devid},
        {"device-type", d->cdrom ? "cdrom" : "disk"},
        {"trusted", d->trusted ? "1" : "0"},
    };
    struct xldev dev = {.type = "vbd", .domid = domid, .devid = d->devid,
                        .back = back, .nback = nb,
                        .front = front, .nfront = sizeof(front) / sizeof(front[0])};
    char why[1024];
    if (xldev_add(xsh, &dev, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "disk %s: %s", d->vdev, why);
        return -1;
    }
    return 0;
}

static int attach_nth(struct xs_handle *xsh, uint32_t domid, size_t i, void *arg,
                      uint32_t *devid, char *err, size_t errlen)
{
    const struct domain_config *dc = arg;
    *devid = dc->disks[i].devid;
    return attach(xsh, domid, &dc->disks[i], err, errlen);
}

int xldisk_setup_all(struct xnl_ctx *ctx, uint32_t domid, const struct domain_config *dc)
{
    return xldev_attach_all(ctx, domid, dc->name, "vbd", dc->ndisks, attach_nth, (void *)dc);
}

int xnl_disk_add(struct xnl_ctx *ctx, uint32_t domid, const struct disk_spec *d)
{
    struct xs_handle *xsh = xnl_xs(ctx);
    if (!xsh)
        return -ENOTCONN;
    if (attach(xsh, domid, d, ctx->error, sizeof(ctx->error)) < 0)
        return -EIO;
    return 0;
}

int xnl_disk_remove(struct xnl_ctx *ctx, uint32_t domid, uint32_t devid, bool force)
{
    struct xs_handle *xsh = xnl_xs(ctx);
    if (!xsh)
        return -ENOTCONN;
    char err[1200];
    if (xldev_remove(xsh, "vbd", domid, devid, force, NULL, err, sizeof(err)) == 0)
        return 0;
    if (errno == ENOENT)
        return xnl_fail(ctx, -ENOENT, "%s", err);
    /* Removed after the timeout, as libxl does: the device is gone. */
    xnl_warn(ctx, "%s", err);
    return 0;
}
