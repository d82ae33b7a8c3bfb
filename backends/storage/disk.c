/* The disk handle of xnstorage.h: one of raw or VHD behind the same calls. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/storage/internal.h"
#include "backends/storage/vhd.h"


struct xns_disk {
    enum xns_format fmt;
    struct blob *raw;
    struct vhd *vhd;
};

int xns_probe(const char *target)
{
    struct blob *b;
    int rc = blob_open(target, false, &b);
    if (rc < 0)
        return rc;
    char cookie[8] = {0};
    bool vhd = false;
    if (b->size >= 512 && b->size % 512 == 0 &&
        blob_pread(b, cookie, sizeof(cookie), b->size - 512) == 0)
        vhd = memcmp(cookie, "conectix", 8) == 0;
    /* An image whose end was lost keeps a footer copy at 0: call it a VHD
     * so that opening it says what is wrong rather than serving it raw. */
    if (!vhd && b->size >= 512 && blob_pread(b, cookie, sizeof(cookie), 0) == 0)
        vhd = memcmp(cookie, "conectix", 8) == 0;
    blob_close(b);
    return vhd ? XNS_FMT_VHD : XNS_FMT_RAW;
}

int xns_open(const char *target, enum xns_format fmt, int flags, struct xns_disk **out)
{
    struct xns_disk *d = calloc(1, sizeof(*d));
    if (!d)
        return xns_fail(-ENOMEM, "%s: out of memory", target);
    int rc = 0;
    if (fmt == XNS_FMT_AUTO) {
        rc = xns_probe(target);
        if (rc < 0) {
            free(d);
            return rc;
        }
        fmt = (enum xns_format)rc;
    }
    d->fmt = fmt;
    bool w = flags & XNS_RDWR;
    if (fmt == XNS_FMT_VHD)
        rc = vhd_open(target, w ? VHD_OPEN_WRITE : 0, &d->vhd);
    else if (fmt == XNS_FMT_RAW)
        rc = blob_open(target, w, &d->raw);
    else
        rc = xns_fail(-EINVAL, "%s: unknown format %d", target, (int)fmt);
    if (rc < 0) {
        free(d);
        return rc;
    }
    *out = d;
    return 0;
}

uint64_t xns_size(const struct xns_disk *d)
{
    return d->vhd ? d->vhd->ft.curr_size : d->raw->size;
}

static int raw_range(struct xns_disk *d, size_t len, uint64_t off)
{
    if (off > d->raw->size || len > d->raw->size - off)
        return xns_fail(-EINVAL, "%s: access of %zu bytes at %llu is past the disk's end (%llu)",
                        d->raw->name, len, (unsigned long long)off,
                        (unsigned long long)d->raw->size);
    return 0;
}

int xns_read(struct xns_disk *d, void *buf, size_t len, uint64_t off)
{
    if (d->vhd)
        return vhd_read(d->vhd, buf, len, off);
    int rc = raw_range(d, len, off);
    return rc < 0 ? rc : blob_pread(d->raw, buf, len, off);
}

int xns_write(struct xns_disk *d, const void *buf, size_t len, uint64_t off)
{
    if (d->vhd)
        return vhd_write(d->vhd, buf, len, off);
    if (!d->raw->writable)
        return xns_fail(-EROFS, "%s: opened read-only", d->raw->name);
    int rc = raw_range(d, len, off);
    return rc < 0 ? rc : blob_pwrite(d->raw, buf, len, off);
}

int xns_flush(struct xns_disk *d)
{
    if (d->vhd)
        return vhd_flush(d->vhd);
    return d->raw->writable ? blob_sync(d->raw) : 0;
}

int xns_drop_cache(struct xns_disk *d)
{
    int rc = xns_flush(d);
    if (rc < 0)
        return rc;
    for (struct vhd *v = d->vhd; v; v = v->parent)
        blob_drop_cache(v->b);
    if (d->raw)
        blob_drop_cache(d->raw);
    return 0;
}

int xns_discard(struct xns_disk *d, uint64_t off, uint64_t len)
{
    if (d->vhd)
        return vhd_discard(d->vhd, off, len);
    int rc = raw_range(d, (size_t)len, off);
    if (rc < 0 || !d->raw->writable)
        return rc < 0 ? rc : 0;
    return blob_discard(d->raw, off, len) < 0 ? -EIO : 0;
}

int xns_close(struct xns_disk *d)
{
    if (!d)
        return 0;
    int rc = xns_flush(d);
    vhd_close(d->vhd);
    blob_close(d->raw);
    free(d);
    return rc;
}

int xns_info(struct xns_disk *d, struct xns_info *o)
{
    memset(o, 0, sizeof(*o));
    o->format = d->fmt;
    o->size = xns_size(d);
    o->depth = 1;
    if (!d->vhd) {
        o->phys_size = d->raw->size;
        o->phys_used = blob_used(d->raw);
        return 0;
    }
    struct vhd *v = d->vhd;
    o->vhd_type = (enum xns_vhd_type)v->ft.type;
    o->phys_size = v->b->size;
    o->phys_used = blob_used(v->b);
    o->block_size = v->block_size;
    memcpy(o->uuid, v->ft.uuid, 16);
    o->hidden = v->ft.hidden;
    pthread_mutex_lock(&v->lock);
    for (uint32_t i = 0; i < v->nbat; i++)
        o->blocks_allocated += v->bat[i] != VHD_BAT_FREE;
    pthread_mutex_unlock(&v->lock);
    if (v->ft.type == XNS_VHD_DIFF) {
        memcpy(o->parent_uuid, v->hdr.parent_uuid, 16);
        snprintf(o->parent, sizeof(o->parent), "%s", v->parent_path);
    }
    for (struct vhd *p = v->parent; p; p = p->parent)
        o->depth++;
    return 0;
}

int xns_create(const char *target, const struct xns_create_opts *o)
{
    if (o->format == XNS_FMT_VHD)
        return vhd_create_image(target, o);
    if (o->format != XNS_FMT_RAW)
        return xns_fail(-EINVAL, "%s: create needs format raw or vhd", target);
    return raw_create(target, o);
}

int xns_resize(const char *target, uint64_t size)
{
    int fmt = xns_probe(target);
    if (fmt < 0)
        return fmt;
    if (fmt == XNS_FMT_VHD)
        return vhd_resize_image(target, size);
    struct blob *b;
    int rc = blob_open(target, true, &b);
    if (rc < 0)
        return rc;
    if (size < b->size)
        rc = xns_fail(-EINVAL, "%s: cannot shrink from %llu to %llu bytes", target,
                      (unsigned long long)b->size, (unsigned long long)size);
    else if (b->growable)
        rc = blob_truncate(b, size);
    else if (size > b->size)
        rc = xns_fail(-ENOSPC, "%s: the device holds %llu bytes; extend it first", target,
                      (unsigned long long)b->size);
    blob_close(b);
    return rc;
}

static bool all_zero(const char *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

int xns_copy(struct xns_disk *src, struct xns_disk *dst, xns_progress_fn *progress, void *ctx)
{
    uint64_t size = xns_size(src);
    if (xns_size(dst) < size)
        return xns_fail(-ENOSPC, "copy: the destination holds %llu bytes, the source %llu",
                        (unsigned long long)xns_size(dst), (unsigned long long)size);
    const size_t chunk = 1 << 20;
    char *buf = malloc(chunk);
    if (!buf)
        return xns_fail(-ENOMEM, "copy: out of memory");
    int rc = 0;
    for (uint64_t off = 0; rc == 0 && off < size; off += chunk) {
        size_t n = size - off < chunk ? (size_t)(size - off) : chunk;
        rc = xns_read(src, buf, n, off);
        if (rc == 0 && !all_zero(buf, n))
            rc = xns_write(dst, buf, n, off);
        if (progress)
            progress(ctx, off + n, size);
    }
    free(buf);
    return rc == 0 ? xns_flush(dst) : rc;
}
