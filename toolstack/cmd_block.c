/* Disks: what xl create and block-attach write for a vbd (libxl_disk.c's
 * keys), block-detach, and block-list in xl's format. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/storage/repo.h"
#include "toolstack/cmd_block.h"
#include "toolstack/device.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xs_domain.h"

int xl_disk_attach(struct xs_handle *xsh, uint32_t domid, const struct disk_spec *d, char *err,
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
    return xl_disk_attach(xsh, domid, &dc->disks[i], err, errlen);
}

int xl_disks_setup(const char *rundir, uint32_t domid, const struct domain_config *dc)
{
    return xldev_attach_all(rundir, domid, dc->name, "vbd", dc->ndisks, attach_nth,
                            (void *)dc);
}

int main_block_attach(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 2, &rc))
        return rc;
    /* xl joins the remaining words with commas: one spec. */
    char *spec = xl_join_args(argc, argv, optind + 1);
    if (!spec)
        return 1;
    struct disk_spec d;
    char err[1200];
    if (disk_spec_parse(spec, &d, err, sizeof(err)) < 0) {
        xl_err("%s", err);
        free(spec);
        return 1;
    }
    free(spec);
    uint32_t domid;
    struct xs_handle *xsh;
    if ((rc = xldev_open_domain(argv[optind], &domid, &xsh)) != 0) {
        disk_spec_free(&d);
        return rc;
    }
    if (xl_disk_attach(xsh, domid, &d, err, sizeof(err)) < 0) {
        xl_err("cannot attach to domain %u: %s", domid, err);
        rc = 1;
    }
    disk_spec_free(&d);
    xs_close(xsh);
    return rc;
}

int main_block_detach(int argc, char **argv)
{
    bool force = false;
    const struct xl_opt opts[] = {XL_FLAG('f', "force", &force), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 2, &rc))
        return rc;
    uint32_t devid;
    const char *dev = argv[optind + 1];
    if (disk_vdev_to_devid(dev, &devid) < 0) {
        xl_err("Error: Device %s not connected.", dev);
        return 1;
    }
    uint32_t domid;
    struct xs_handle *xsh;
    if ((rc = xldev_open_domain(argv[optind], &domid, &xsh)) != 0)
        return rc;
    char err[1200];
    if (xldev_remove(xsh, "vbd", domid, devid, force, NULL, err, sizeof(err)) < 0) {
        if (errno == ENOENT) {
            xl_err("Error: Device %s not connected.", dev);
            rc = 1;
        } else {
            /* Removed after the timeout: say so, as xl does, but the
             * device is gone. */
            xl_warn("%s", err);
        }
    }
    xs_close(xsh);
    return rc;
}

int main_block_list(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state", "evt-ch",
           "ring-ref", "BE-path");
    for (int a = optind; a < argc; a++) {
        uint32_t domid;
        struct xs_handle *xsh;
        if (xldev_open_domain(argv[a], &domid, &xsh) != 0) {
            rc = 1;
            continue;
        }
        uint32_t ids[256];
        int n = xldev_list(xsh, "vbd", domid, ids, 256);
        for (int i = 0; i < n && i < 256; i++) {
            char be[256];
            xldev_backend_path(be, sizeof(be), "vbd", domid, ids[i]);
            /* A multi-page or multi-queue frontend has no plain ring-ref
             * or event-channel; xl prints -1 for what it cannot read. */
            printf("%-5u %-3d %-6u %-5d %-6d %-8d %-30s\n", ids[i], 0, domid,
                   xldev_read_int(xsh, "vbd", domid, ids[i], true, "state", -1),
                   xldev_read_int(xsh, "vbd", domid, ids[i], true, "event-channel", -1),
                   xldev_read_int(xsh, "vbd", domid, ids[i], true, "ring-ref", -1), be);
        }
        xs_close(xsh);
    }
    return rc;
}
