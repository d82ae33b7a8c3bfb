/* Offline maintenance of VHD images: grow, hidden flag, reparent,
 * coalesce into the parent. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/storage/internal.h"
#include "backends/storage/vhd.h"

/* Both footers, end first: qemu reads the copy at 0 first, we read the
 * end; a crash between the two leaves a mismatch that check repairs and
 * that either reader survives (the old size is still a valid disk). */
static int write_both_footers(struct vhd *v)
{
    int rc = vhd_write_footer_at(v, v->footer_off);
    if (rc == 0 && v->ft.type != XNS_VHD_FIXED)
        rc = vhd_write_footer_at(v, 0);
    if (rc == 0)
        rc = blob_sync(v->b);
    return rc;
}

int xns_vhd_set_hidden(const char *target, bool hidden)
{
    struct vhd *v;
    int rc = vhd_open(target, VHD_OPEN_WRITE | VHD_OPEN_NOPARENT, &v);
    if (rc < 0)
        return rc;
    v->ft.hidden = hidden;
    rc = write_both_footers(v);
    vhd_close(v);
    return rc;
}

/* Moves the block at BAT entry blk to the end of the data, to make room
 * for the BAT. Order: copy, sync, then the BAT entry; until the entry is
 * written the old copy is the block, afterwards the new one is. */
static int relocate_block(struct vhd *v, uint32_t blk)
{
    uint64_t span = (uint64_t)v->bm_bytes + v->block_size, from = (uint64_t)v->bat[blk] * 512;
    uint64_t to = v->next_block;
    char *buf = malloc(span);
    if (!buf)
        return xns_fail(-ENOMEM, "%s: out of memory", v->b->name);
    int rc = vhd_make_room(v, to + span);
    if (rc == 0)
        rc = blob_pread(v->b, buf, span, from);
    if (rc == 0)
        rc = blob_pwrite(v->b, buf, span, to);
    if (rc == 0)
        rc = blob_sync(v->b);
    free(buf);
    if (rc < 0)
        return rc;
    v->bat[blk] = (uint32_t)(to / 512);
    v->next_block = to + span;
    if ((rc = vhd_write_bat_entry(v, blk)) == 0)
        rc = blob_sync(v->b);
    return rc;
}

/*
 * Growing a dynamic or differencing image: the new BAT entries are
 * written free first (harmless: nothing reads past max_entries), then the
 * header with the larger max_entries, then the footers with the new size.
 * Blocks sitting where the BAT must grow are moved out of the way first.
 */
static int grow_dynamic(struct vhd *v, uint64_t size)
{
    uint32_t entries = (uint32_t)((size + v->block_size - 1) / v->block_size);
    int rc = 0;
    if (entries > v->nbat) {
        uint64_t bat_end = v->hdr.table_offset + xns_align_up((uint64_t)entries * 4, 512);
        for (uint32_t i = 0; rc == 0 && i < v->nbat; i++)
            if (v->bat[i] != VHD_BAT_FREE && (uint64_t)v->bat[i] * 512 < bat_end)
                rc = relocate_block(v, i);
        if (rc < 0)
            return rc;
        if (v->next_block < bat_end)
            v->next_block = bat_end;
        if ((rc = vhd_make_room(v, bat_end)) < 0)
            return rc;
        uint32_t *nb = realloc(v->bat, xns_align_up((uint64_t)entries * 4, 512));
        uint8_t **nbm = realloc(v->bm, entries * sizeof(uint8_t *));
        if (nb)
            v->bat = nb;
        if (nbm)
            v->bm = nbm;
        if (!nb || !nbm)
            return xns_fail(-ENOMEM, "%s: out of memory", v->b->name);
        uint32_t old = v->nbat;
        for (uint32_t i = old; i < entries; i++) {
            v->bat[i] = VHD_BAT_FREE;
            v->bm[i] = NULL;
        }
        v->nbat = entries;
        for (uint32_t i = old / 128 * 128; rc == 0 && i < entries; i += 128)
            rc = vhd_write_bat_entry(v, i);
        if (rc == 0)
            rc = blob_sync(v->b);
        v->hdr.max_entries = entries;
        if (rc == 0)
            rc = vhd_write_header(v);
    }
    return rc;
}

int vhd_resize_image(const char *target, uint64_t size)
{
    struct vhd *v;
    struct blob *b;
    size = xns_align_up(size, 512);
    /* An LV that was extended has its footer somewhere inside: find it
     * through the copy at 0 and move it to the new end. */
    int rc = blob_open(target, true, &b);
    if (rc < 0)
        return rc;
    bool device = !b->growable;
    blob_close(b);
    rc = vhd_open(target, VHD_OPEN_WRITE | VHD_OPEN_NOPARENT, &v);
    if (rc < 0 && device) {
        char msg[1100];
        snprintf(msg, sizeof(msg), "%s", xns_strerror());
        /* Not the place to guess where an old footer was: refuse. */
        return xns_fail(rc, "%s (was the volume extended without moving the footer?)", msg);
    }
    if (rc < 0)
        return rc;
    if (size < v->ft.curr_size) {
        rc = xns_fail(-EINVAL, "%s: cannot shrink from %llu to %llu bytes", target,
                      (unsigned long long)v->ft.curr_size, (unsigned long long)size);
    } else if (size > (2040ull << 30)) {
        rc = xns_fail(-EINVAL, "%s: %llu bytes is more than a VHD can hold (2040 GiB)", target,
                      (unsigned long long)size);
    } else if (v->ft.type == XNS_VHD_FIXED) {
        /* The new footer goes to the new end first, then the old one is
         * zeroed: a crash between leaves a valid image with 512 stray
         * bytes inside the grown area, never one without a footer. */
        if (!v->b->growable) {
            rc = xns_fail(-EINVAL, "%s: a fixed VHD on a device has the device's size", target);
        } else if (size > v->ft.curr_size) {
            uint64_t old = v->footer_off;
            v->ft.curr_size = size;
            vhd_geometry(size / 512, &v->ft.cylinders, &v->ft.heads, &v->ft.sectors);
            rc = vhd_write_footer_at(v, size);
            if (rc == 0)
                rc = blob_sync(v->b);
            if (rc == 0)
                rc = blob_zero(v->b, old, VHD_FOOTER_SIZE);
            if (rc == 0)
                rc = blob_sync(v->b);
        }
    } else {
        rc = grow_dynamic(v, size);
        if (rc == 0) {
            v->ft.curr_size = size;
            vhd_geometry(size / 512, &v->ft.cylinders, &v->ft.heads, &v->ft.sectors);
            rc = write_both_footers(v);
        }
    }
    vhd_close(v);
    return rc;
}

/* Coalesce: every sector the child holds is written into the parent
 * through the parent's own write path (so its allocation order applies).
 * The child is only read: until the repository layer retires it, the
 * chain reads exactly as before, and an interrupted coalesce can simply
 * be run again. */
int xns_coalesce(const char *child, xns_progress_fn *progress, void *ctx)
{
    struct vhd *c;
    struct xns_disk *pd = NULL;
    int rc = vhd_open(child, VHD_OPEN_NOPARENT, &c);
    if (rc < 0)
        return rc;
    if (c->ft.type != XNS_VHD_DIFF) {
        vhd_close(c);
        return xns_fail(-EINVAL, "%s: not a differencing image: nothing to coalesce", child);
    }
    char ppath[4096];
    if ((rc = vhd_find_parent(c, ppath, sizeof(ppath))) == 0)
        rc = xns_open(ppath, XNS_FMT_VHD, XNS_RDWR, &pd);
    struct xns_info pi;
    if (rc == 0 && (rc = xns_info(pd, &pi)) == 0 && memcmp(pi.uuid, c->hdr.parent_uuid, 16)) {
        rc = xns_fail(-EINVAL, "%s: parent %s has another UUID than the child expects", child,
                      ppath);
    }
    if (rc == 0 && pi.size < c->ft.curr_size) {
        xns_close(pd);
        pd = NULL;
        rc = xns_resize(ppath, c->ft.curr_size);
        if (rc == 0)
            rc = xns_open(ppath, XNS_FMT_VHD, XNS_RDWR, &pd);
    }
    char *buf = rc == 0 ? malloc(c->block_size) : NULL;
    if (rc == 0 && !buf)
        rc = xns_fail(-ENOMEM, "%s: out of memory", child);
    uint32_t allocated = 0, done = 0;
    for (uint32_t i = 0; i < c->nbat; i++)
        allocated += c->bat[i] != VHD_BAT_FREE;
    for (uint32_t blk = 0; rc == 0 && blk < c->nbat; blk++) {
        if (c->bat[blk] == VHD_BAT_FREE)
            continue;
        if ((rc = vhd_load_bitmap(c, blk)) < 0)
            break;
        uint64_t data = (uint64_t)c->bat[blk] * 512 + c->bm_bytes;
        uint64_t base = (uint64_t)blk * c->block_size;
        for (uint32_t s = 0; rc == 0 && s < c->spb;) {
            if (!vhd_bit(c->bm[blk], s) || base + (uint64_t)s * 512 >= c->ft.curr_size) {
                s++;
                continue;
            }
            uint32_t t = s + 1;
            while (t < c->spb && vhd_bit(c->bm[blk], t) &&
                   base + (uint64_t)t * 512 < c->ft.curr_size)
                t++;
            size_t n = (size_t)(t - s) * 512;
            rc = blob_pread(c->b, buf, n, data + (uint64_t)s * 512);
            if (rc == 0)
                rc = xns_write(pd, buf, n, base + (uint64_t)s * 512);
            s = t;
        }
        if (progress)
            progress(ctx, (uint64_t)++done * c->block_size, (uint64_t)allocated * c->block_size);
    }
    free(buf);
    int frc = pd ? xns_close(pd) : 0;
    vhd_close(c);
    return rc < 0 ? rc : frc;
}
