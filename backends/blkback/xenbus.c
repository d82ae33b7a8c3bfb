/* One vbd: its disk (from the backend keys the toolstack and the block
 * script wrote), the keys we publish, and its queues. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/blkback/blkback.h"

static bool all_idle(struct bb_vbd *v)
{
    for (unsigned i = 0; i < BB_MAX_QUEUES; i++)
        if (v->rings[i].live || v->rings[i].reqs)
            return false;
    return true;
}

static void close_disk(struct bb_vbd *v)
{
    if (v->fd >= 0)
        close(v->fd);
    v->fd = -1;
    if (v->disk)
        xns_close(v->disk);
    v->disk = NULL;
}

/* A ring let go with requests in flight keeps them (and its tags and
 * journal) until the last one is done. */
static bool draining(const struct bb_vbd *v)
{
    for (unsigned i = 0; i < BB_MAX_QUEUES; i++)
        if (!v->rings[i].live && v->rings[i].reqs)
            return true;
    return false;
}

void bb_vbd_ring_idle(struct bb_vbd *v)
{
    if (v->removed && all_idle(v)) {
        close_disk(v);
        free(v);
    } else if (v->dev && !draining(v)) {
        xbb_kick(v->dev); /* the device may close now, and connect again */
    }
}

static bool busy(struct xbb_dev *d)
{
    struct bb_vbd *v = d->priv;
    return v && draining(v);
}

/* Raw files and block devices go to io_uring; the rest to the library. */
static int open_disk(struct bb_vbd *v, const char *format)
{
    struct xbb_dev *d = v->dev;
    bool raw = !format || !*format || !strcmp(format, "raw");
    if (!raw && strcmp(format, "vhd")) {
        xbb_fail(d, "unknown format '%s'", format);
        return -1;
    }
    struct stat st;
    if (raw && stat(v->target, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
        v->fd = open(v->target, (v->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (v->fd < 0) {
            xbb_fail(d, "cannot open %s: %s", v->target, strerror(errno));
            return -1;
        }
        uint64_t bytes = (uint64_t)st.st_size;
        v->is_blockdev = S_ISBLK(st.st_mode);
        if (v->is_blockdev && ioctl(v->fd, BLKGETSIZE64, &bytes) < 0) {
            xbb_fail(d, "cannot size %s: %s", v->target, strerror(errno));
            close_disk(v);
            return -1;
        }
        v->sectors = bytes / 512;
        v->use_uring = bb_io_uring_ok(v->ctx);
        return 0;
    }
    int rc = xns_open(v->target, raw ? XNS_FMT_RAW : XNS_FMT_VHD,
                      v->readonly ? XNS_RDONLY : XNS_RDWR, &v->disk);
    if (rc < 0) {
        xbb_fail(d, "cannot open %s: %s", v->target, xns_strerror());
        return -1;
    }
    v->sectors = xns_size(v->disk) / 512;
    v->use_uring = false;
    return 0;
}

static int publish(struct bb_vbd *v)
{
    struct xbb_dev *d = v->dev;
    unsigned info = (v->readonly ? VDISK_READONLY : 0) | (v->cdrom ? VDISK_CDROM : 0);
    int rc = 0;
    rc |= xbb_write_back(d, "feature-flush-cache", "1");
    rc |= xbb_write_back(d, "feature-barrier", "1");
    rc |= xbb_write_back(d, "feature-discard", "%d", v->discard ? 1 : 0);
    if (v->discard) {
        rc |= xbb_write_back(d, "discard-granularity", "%u", BB_PAGE_SIZE);
        rc |= xbb_write_back(d, "discard-alignment", "0");
        rc |= xbb_write_back(d, "discard-secure", "0");
    }
    rc |= xbb_write_back(d, "feature-max-indirect-segments", "%u", BB_MAX_INDIRECT_SEGS);
    rc |= xbb_write_back(d, "feature-persistent", "1");
    rc |= xbb_write_back(d, "max-ring-page-order", "%u", BB_MAX_RING_ORDER);
    rc |= xbb_write_back(d, "multi-queue-max-queues", "%u", BB_MAX_QUEUES);
    rc |= xbb_write_back(d, "sectors", "%llu", (unsigned long long)v->sectors);
    rc |= xbb_write_back(d, "sector-size", "512");
    rc |= xbb_write_back(d, "physical-sector-size", "512");
    rc |= xbb_write_back(d, "info", "%u", info);
    if (rc)
        xbb_fail(d, "cannot write the device's keys");
    return rc ? -1 : 0;
}

static int probe(struct xbb_dev *d)
{
    struct bb_ctx *c = xbb_ctx(d->be);
    struct bb_vbd *v = d->priv;
    if (v)
        return publish(v);
    v = calloc(1, sizeof(*v));
    if (!v)
        return -1;
    v->ctx = c;
    v->dev = d;
    v->domid = d->domid;
    v->devid = d->devid;
    v->fd = -1;
    d->priv = v;

    char *target = xbb_read_back(d, "physical-device-path");
    if (!target || !*target) {
        free(target);
        target = xbb_read_back(d, "params");
    }
    char *mode = xbb_read_back(d, "mode");
    char *format = xbb_read_back(d, "format");
    char *devtype = xbb_read_back(d, "device-type");
    unsigned long discard = 1;
    if (xbb_read_back_uint(d, "discard-enable", 1, &discard) < 0)
        discard = 1;
    v->readonly = !mode || strcmp(mode, "w");
    v->cdrom = devtype && !strcmp(devtype, "cdrom");
    v->discard = discard && !v->readonly;
    int rc = -1;
    if (!target || !*target)
        xbb_fail(d, "no params (target) in the backend directory");
    else if (strlen(target) >= sizeof(v->target))
        xbb_fail(d, "target path too long");
    else {
        snprintf(v->target, sizeof(v->target), "%s", target);
        rc = open_disk(v, format);
    }
    free(target);
    free(mode);
    free(format);
    free(devtype);
    if (rc == 0)
        rc = publish(v);
    if (rc < 0) {
        close_disk(v);
        free(v);
        d->priv = NULL;
        return rc;
    }
    xbb_log(d, "%s (%s, %llu sectors, %s)", v->target, v->readonly ? "ro" : "rw",
                (unsigned long long)v->sectors, v->use_uring ? "io_uring" : "storage library");
    return rc;
}

static void disconnect(struct xbb_dev *d)
{
    struct bb_vbd *v = d->priv;
    if (!v)
        return;
    for (unsigned i = 0; i < v->nrings; i++)
        bb_ring_disconnect(&v->rings[i]);
}

static int connect_dev(struct xbb_dev *d, bool reconnect)
{
    struct bb_vbd *v = d->priv;
    if (!v)
        return -1;
    char *proto = xbb_read_front(d, "protocol");
    if (proto && *proto && strcmp(proto, XEN_IO_PROTO_ABI_NATIVE)) {
        xbb_fail(d, "frontend protocol %s is not %s", proto, XEN_IO_PROTO_ABI_NATIVE);
        free(proto);
        return -1;
    }
    free(proto);
    unsigned long persistent = 0, nq = 1, order = 0;
    if (xbb_read_front_uint(d, "feature-persistent", 1, &persistent) < 0)
        persistent = 0;
    char *s = xbb_read_front(d, "multi-queue-num-queues");
    if (s && (xbb_read_front_uint(d, "multi-queue-num-queues", BB_MAX_QUEUES, &nq) < 0 || nq == 0)) {
        free(s);
        xbb_fail(d, "multi-queue-num-queues must be 1 to %u", BB_MAX_QUEUES);
        return -1;
    }
    free(s);
    s = xbb_read_front(d, "ring-page-order");
    if (s && xbb_read_front_uint(d, "ring-page-order", BB_MAX_RING_ORDER, &order) < 0) {
        free(s);
        xbb_fail(d, "ring-page-order must be 0 to %u", BB_MAX_RING_ORDER);
        return -1;
    }
    free(s);
    v->persistent = persistent;
    v->nrings = 0;
    for (unsigned i = 0; i < nq; i++) {
        char dir[32] = "";
        if (nq > 1)
            snprintf(dir, sizeof(dir), "queue-%u", i);
        if (bb_ring_connect(v, i, dir, (unsigned)order, reconnect) < 0) {
            for (unsigned j = 0; j < v->nrings; j++)
                bb_ring_disconnect(&v->rings[j]);
            v->nrings = 0;
            return -1;
        }
        v->nrings = i + 1;
    }
    xbb_log(d, "connected: %lu queue%s, ring order %lu, %spersistent grants", nq,
            nq == 1 ? "" : "s", order, persistent ? "" : "no ");
    return 0;
}

static void remove_dev(struct xbb_dev *d)
{
    struct bb_vbd *v = d->priv;
    d->priv = NULL;
    if (!v)
        return;
    v->dev = NULL;
    v->removed = true;
    bb_vbd_ring_idle(v);
}

const struct xbb_ops bb_vbd_ops = {
    .type = "vbd",
    .daemon = "xenolith-blkback",
    .probe = probe,
    .connect = connect_dev,
    .disconnect = disconnect,
    .busy = busy,
    .remove = remove_dev,
};
