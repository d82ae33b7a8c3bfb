/*
 * Reading and writing a VHD's virtual disk, and the metadata writes that
 * go with allocation. The order of those writes is what keeps an image
 * consistent when the writer dies at any point; it is spelt out where
 * each happens (allocate_block, set_bits, vhd_make_room).
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/storage/internal.h"
#include "backends/storage/vhd.h"

int vhd_write_footer_at(struct vhd *v, uint64_t off)
{
    uint8_t buf[VHD_FOOTER_SIZE];
    vhd_footer_encode(&v->ft, buf);
    return blob_pwrite(v->b, buf, sizeof(buf), off);
}

int vhd_write_header(struct vhd *v)
{
    uint8_t buf[VHD_HEADER_SIZE];
    vhd_header_encode(&v->hdr, buf);
    return blob_pwrite(v->b, buf, sizeof(buf), v->ft.data_offset);
}

/* Writes the BAT sector that holds entry blk, from the in-memory BAT. */
int vhd_write_bat_entry(struct vhd *v, uint32_t blk)
{
    uint32_t first = blk / 128 * 128;
    uint32_t sec[128];
    for (uint32_t i = 0; i < 128; i++)
        sec[i] = htobe32(first + i < v->nbat ? v->bat[first + i] : VHD_BAT_FREE);
    return blob_pwrite(v->b, sec, sizeof(sec), v->hdr.table_offset + (uint64_t)first * 4);
}

int vhd_load_bitmap(struct vhd *v, uint32_t blk)
{
    if (v->bm[blk])
        return 0;
    uint8_t *bm = malloc(v->bm_bytes);
    if (!bm)
        return xns_fail(-ENOMEM, "%s: out of memory", v->b->name);
    int rc = blob_pread(v->b, bm, v->bm_bytes, (uint64_t)v->bat[blk] * 512);
    if (rc < 0) {
        free(bm);
        return rc;
    }
    v->bm[blk] = bm;
    return 0;
}

/*
 * Makes [0, end) free for data. On a file whose footer lies before end,
 * the footer moves to `end` FIRST and is made durable before anything is
 * written over its old place: at every moment the file ends with a valid
 * footer, and the space between old and new place is unreferenced until
 * a BAT entry points into it. A crash here leaves only unused space.
 */
int vhd_make_room(struct vhd *v, uint64_t end)
{
    if (end <= v->footer_off)
        return 0;
    if (!v->b->growable)
        return xns_fail(-ENOSPC, "%s: the image is full (its data would reach %llu; the volume "
                        "ends at %llu): extend the volume and resize", v->b->name,
                        (unsigned long long)end, (unsigned long long)v->b->size);
    int rc = vhd_write_footer_at(v, end);
    if (rc == 0)
        rc = blob_sync(v->b);
    if (rc == 0)
        v->footer_off = end;
    return rc;
}

static int check_range(struct vhd *v, size_t len, uint64_t off)
{
    if (off > v->ft.curr_size || len > v->ft.curr_size - off)
        return xns_fail(-EINVAL, "%s: access of %zu bytes at %llu is past the disk's end (%llu)",
                        v->b->name, len, (unsigned long long)off,
                        (unsigned long long)v->ft.curr_size);
    return 0;
}

/* What lies under this image: its parent's data, or zeros (also past a
 * smaller parent's end). */
static int read_below(struct vhd *v, void *buf, size_t len, uint64_t off)
{
    if (!v->parent) {
        memset(buf, 0, len);
        return 0;
    }
    uint64_t psize = v->parent->ft.curr_size;
    size_t n = off >= psize ? 0 : (size_t)(psize - off < len ? psize - off : len);
    if (n < len)
        memset((char *)buf + n, 0, len - n);
    return n ? vhd_read(v->parent, buf, n, off) : 0;
}

/* Reads within one block. The bitmap bytes this read needs are copied
 * under the lock; the data moves outside it. */
static int read_block(struct vhd *v, uint32_t blk, uint32_t in, char *buf, size_t len)
{
    uint64_t voff = (uint64_t)blk * v->block_size + in;
    pthread_mutex_lock(&v->lock);
    uint32_t e = v->bat[blk];
    if (e == VHD_BAT_FREE) {
        pthread_mutex_unlock(&v->lock);
        return read_below(v, buf, len, voff);
    }
    int rc = vhd_load_bitmap(v, blk);
    if (rc < 0) {
        pthread_mutex_unlock(&v->lock);
        return rc;
    }
    uint32_t s0 = in / 512, s1 = (uint32_t)((in + len - 1) / 512);
    uint8_t local[512], *bits = (s1 / 8 - s0 / 8 + 1) <= sizeof(local) ? local : malloc(s1 / 8 - s0 / 8 + 1);
    if (!bits) {
        pthread_mutex_unlock(&v->lock);
        return xns_fail(-ENOMEM, "%s: out of memory", v->b->name);
    }
    memcpy(bits, v->bm[blk] + s0 / 8, s1 / 8 - s0 / 8 + 1);
    pthread_mutex_unlock(&v->lock);

    uint64_t data = (uint64_t)e * 512 + v->bm_bytes;
    uint32_t s = s0;
    while (rc == 0 && s <= s1) {
        bool mine = vhd_bit(bits, s - s0 / 8 * 8);
        uint32_t t = s + 1;
        while (t <= s1 && vhd_bit(bits, t - s0 / 8 * 8) == mine)
            t++;
        uint64_t a = (uint64_t)s * 512 < in ? in : (uint64_t)s * 512;
        uint64_t b = (uint64_t)t * 512 > in + len ? in + len : (uint64_t)t * 512;
        char *p = buf + (a - in);
        rc = mine ? blob_pread(v->b, p, (size_t)(b - a), data + a)
                  : read_below(v, p, (size_t)(b - a), (uint64_t)blk * v->block_size + a);
        s = t;
    }
    if (bits != local)
        free(bits);
    return rc;
}

int vhd_read(struct vhd *v, void *buf, size_t len, uint64_t off)
{
    int rc = check_range(v, len, off);
    if (rc < 0 || len == 0)
        return rc;
    if (v->ft.type == XNS_VHD_FIXED)
        return blob_pread(v->b, buf, len, off);
    char *p = buf;
    while (len > 0 && rc == 0) {
        uint32_t blk = (uint32_t)(off / v->block_size), in = (uint32_t)(off % v->block_size);
        size_t n = v->block_size - in < len ? v->block_size - in : len;
        rc = read_block(v, blk, in, p, n);
        p += n;
        off += n;
        len -= n;
    }
    return rc;
}

/*
 * A new block, with the lock held. The write order, and what a crash
 * after each step leaves:
 *   1. vhd_make_room: the footer moves past the new block and is synced.
 *      Crash: the file has unused space before its footer; nothing refers
 *      to it (next open allocates there again).
 *   2. The block's bitmap and the data are written, then synced (the
 *      barrier). Crash: the same; the write was never acknowledged.
 *   3. The BAT entry is written. From here the block is part of the
 *      image, and it is complete because of the barrier in 2. The BAT
 *      sector reaches the disk at the next flush at the latest, which is
 *      when the write is promised durable anyway.
 * A dynamic disk marks every sector present and makes the block read as
 * zeros (a hole in a file), so later writes to the block touch no
 * metadata. A differencing disk marks only the sectors written: the rest
 * must keep showing the parent.
 */
static int allocate_block(struct vhd *v, uint32_t blk, uint32_t in, const char *buf, size_t len)
{
    uint64_t pos = v->next_block, data = pos + v->bm_bytes, end = data + v->block_size;
    uint64_t old_size = v->b->size;
    int rc = vhd_make_room(v, end);
    if (rc < 0)
        return rc;
    uint8_t *bm = calloc(1, v->bm_bytes);
    if (!bm)
        return xns_fail(-ENOMEM, "%s: out of memory", v->b->name);
    if (v->ft.type == XNS_VHD_DYNAMIC) {
        for (uint32_t s = 0; s < v->spb; s++)
            vhd_set_bit(bm, s);
        /* Space past the old end of a file is a hole already; anything
         * else (space a crash left behind, a device) may hold old bytes. */
        if (!(v->b->is_file && data >= old_size))
            rc = blob_zero(v->b, data, v->block_size);
    } else {
        for (uint32_t s = in / 512; s < (in + len) / 512; s++)
            vhd_set_bit(bm, s);
    }
    if (rc == 0)
        rc = blob_pwrite(v->b, bm, v->bm_bytes, pos);
    if (rc == 0)
        rc = blob_pwrite(v->b, buf, len, data + in);
    if (rc == 0)
        rc = blob_sync(v->b); /* data and bitmap before the BAT entry */
    if (rc == 0) {
        v->bat[blk] = (uint32_t)(pos / 512);
        rc = vhd_write_bat_entry(v, blk);
        if (rc < 0)
            v->bat[blk] = VHD_BAT_FREE;
    }
    if (rc < 0) {
        free(bm);
        return rc;
    }
    free(v->bm[blk]);
    v->bm[blk] = bm;
    v->next_block = end;
    return 0;
}

/*
 * Marks sectors present after their data was written. Order: the data
 * (already written by the caller), a sync, then the bitmap sectors. A
 * crash before the bitmap write leaves the old contents visible, never a
 * bit set over data that is not there.
 */
static int set_bits(struct vhd *v, uint32_t blk, uint32_t s0, uint32_t s1)
{
    int rc = blob_sync(v->b);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&v->lock);
    for (uint32_t s = s0; s < s1; s++)
        vhd_set_bit(v->bm[blk], s);
    uint32_t b0 = s0 / 8 / 512 * 512, b1 = (uint32_t)xns_align_up((s1 + 7) / 8, 512);
    rc = blob_pwrite(v->b, v->bm[blk] + b0, b1 - b0, (uint64_t)v->bat[blk] * 512 + b0);
    pthread_mutex_unlock(&v->lock);
    return rc;
}

static int write_block(struct vhd *v, uint32_t blk, uint32_t in, const char *buf, size_t len)
{
    pthread_mutex_lock(&v->lock);
    if (v->bat[blk] == VHD_BAT_FREE) {
        int rc = allocate_block(v, blk, in, buf, len);
        pthread_mutex_unlock(&v->lock);
        return rc;
    }
    int rc = vhd_load_bitmap(v, blk);
    uint32_t s0 = in / 512, s1 = (uint32_t)((in + len) / 512);
    bool all = true;
    for (uint32_t s = s0; rc == 0 && s < s1 && all; s++)
        all = vhd_bit(v->bm[blk], s);
    uint64_t data = (uint64_t)v->bat[blk] * 512 + v->bm_bytes;
    pthread_mutex_unlock(&v->lock);
    if (rc == 0)
        rc = blob_pwrite(v->b, buf, len, data + in);
    if (rc == 0 && !all)
        rc = set_bits(v, blk, s0, s1);
    return rc;
}

/* Aligned writes go straight through; anything else is widened with what
 * the disk holds now. Alignment is a sector, or 4 KiB in a differencing
 * image: libvhdi reads a child's sectors a 4 KiB page at a time, going by
 * the page's first bit, so present runs must cover whole pages. */
int vhd_write(struct vhd *v, const void *buf, size_t len, uint64_t off)
{
    int rc = check_range(v, len, off);
    if (rc < 0 || len == 0)
        return rc;
    if (!v->b->writable)
        return xns_fail(-EROFS, "%s: opened read-only", v->b->name);
    if (v->ft.type == XNS_VHD_FIXED)
        return blob_pwrite(v->b, buf, len, off);
    uint64_t align = v->ft.type == XNS_VHD_DIFF ? 4096 : 512;
    if (off % align || (len % align && off + len < v->ft.curr_size)) {
        uint64_t a = off / align * align, b = xns_align_up(off + len, align);
        if (b > v->ft.curr_size)
            b = v->ft.curr_size;
        char *tmp = malloc((size_t)(b - a));
        if (!tmp)
            return xns_fail(-ENOMEM, "%s: out of memory", v->b->name);
        rc = vhd_read(v, tmp, (size_t)(b - a), a);
        if (rc == 0) {
            memcpy(tmp + (off - a), buf, len);
            rc = vhd_write(v, tmp, (size_t)(b - a), a);
        }
        free(tmp);
        return rc;
    }
    const char *p = buf;
    while (len > 0 && rc == 0) {
        uint32_t blk = (uint32_t)(off / v->block_size), in = (uint32_t)(off % v->block_size);
        size_t n = v->block_size - in < len ? v->block_size - in : len;
        rc = write_block(v, blk, in, p, n);
        p += n;
        off += n;
        len -= n;
    }
    return rc;
}

/*
 * Discard frees file space where the format lets the range read as zeros
 * afterwards: a fixed image (the range is the file's), and fully present
 * sectors of a dynamic image. A differencing image cannot drop a sector
 * without showing its parent's again, so there it does nothing.
 */
int vhd_discard(struct vhd *v, uint64_t off, uint64_t len)
{
    int rc = check_range(v, (size_t)len, off);
    if (rc < 0 || !v->b->writable || !v->b->is_file)
        return rc < 0 ? rc : 0;
    uint64_t a = xns_align_up(off, 4096), b = (off + len) / 4096 * 4096;
    if (a >= b)
        return 0;
    if (v->ft.type == XNS_VHD_FIXED)
        return blob_discard(v->b, a, b - a) < 0 ? -EIO : 0;
    if (v->ft.type != XNS_VHD_DYNAMIC)
        return 0;
    while (a < b) {
        uint32_t blk = (uint32_t)(a / v->block_size), in = (uint32_t)(a % v->block_size);
        uint64_t n = v->block_size - in < b - a ? v->block_size - in : b - a;
        pthread_mutex_lock(&v->lock);
        bool full = v->bat[blk] != VHD_BAT_FREE && vhd_load_bitmap(v, blk) == 0;
        for (uint32_t s = in / 512; full && s < (in + n) / 512; s++)
            full = vhd_bit(v->bm[blk], s);
        uint64_t data = full ? (uint64_t)v->bat[blk] * 512 + v->bm_bytes : 0;
        pthread_mutex_unlock(&v->lock);
        if (full && blob_discard(v->b, data + in, n) < 0)
            return -EIO;
        a += n;
    }
    return 0;
}

int vhd_flush(struct vhd *v)
{
    return v->b->writable ? blob_sync(v->b) : 0;
}
