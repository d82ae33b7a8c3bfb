/*
 * Making new VHD images. Layout of a dynamic or differencing image:
 *   0        footer copy (512)
 *   512      dynamic header (1024)
 *   1536     parent locators (differencing only)
 *   ...      BAT, with room for bat_reserve bytes of disk so that growing
 *            needs no data to move (on a file the room is a hole)
 *   ...      blocks, each bitmap ending on a 4 KiB boundary so that the
 *            data is page aligned
 *   end      footer
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/storage/internal.h"
#include "backends/storage/vhd.h"

#define VHD_MAX_SIZE (2040ull << 30) /* what Windows and blktap accept */
#define TWO_TIB (2ull << 40)
#define LOCATOR_SPACE_UTF16 2048u
#define LOCATOR_SPACE_URL 1024u

static void init_footer(struct vhd_footer *f, enum xns_vhd_type type, uint64_t size,
                        const uint8_t *uuid, bool hidden)
{
    memset(f, 0, sizeof(*f));
    memcpy(f->cookie, "conectix", 8);
    f->features = VHD_FEATURES_RESERVED;
    f->version = VHD_VERSION;
    f->data_offset = type == XNS_VHD_FIXED ? VHD_NO_OFFSET : VHD_FOOTER_SIZE;
    f->timestamp = vhd_time_now();
    /* qemu and libvhdi take the footer's size as the disk's size only for
     * creators they know to mean it; for the rest qemu goes by the CHS
     * geometry, which cannot express most sizes. blktap's "tap" is on
     * that list, and blktap's images are what ours follow. */
    memcpy(f->creator_app, "tap\0", 4);
    f->creator_version = 0x00010003;
    f->creator_os = 0; /* blktap writes 0 */
    f->orig_size = f->curr_size = size;
    vhd_geometry(size / 512, &f->cylinders, &f->heads, &f->sectors);
    f->type = (uint32_t)type;
    if (uuid)
        memcpy(f->uuid, uuid, 16);
    else
        xns_uuid_generate(f->uuid);
    f->hidden = hidden;
}

/* An absolute form of a target that may not exist as a file (an LV). */
static void absolute(const char *path, char *out, size_t len)
{
    char buf[PATH_MAX];
    /* /dev/VG/LV stays as named: with device-mapper it is a symlink to a
     * dm-N node whose name means nothing after the next boot. */
    if (strncmp(path, "/dev/", 5) != 0 && realpath(path, buf)) {
        snprintf(out, len, "%s", buf);
    } else if (path[0] == '/') {
        snprintf(out, len, "%s", path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
            cwd[0] = '\0';
        snprintf(out, len, "%s/%s", cwd, path);
    }
}

/* The parent fields of a differencing header: UUID, timestamp, name and
 * the three locators, whose space starts at loc_off. Returns the end of
 * the locator space. */
static int set_parent_fields(struct vhd_header *h, const char *child, const struct vhd *parent,
                             const char *parent_path, uint64_t loc_off, uint8_t *locdata[3],
                             uint64_t *loc_end)
{
    char cabs[PATH_MAX], pabs[PATH_MAX], rel[PATH_MAX];
    if (!vhd_parent_beside(child, parent_path))
        return xns_fail(-EINVAL, "%s: its parent %s is not beside it: a parent must be in the "
                        "same directory as its child", child, parent_path);
    absolute(child, cabs, sizeof(cabs));
    absolute(parent_path, pabs, sizeof(pabs));
    vhd_relative_path(cabs, pabs, rel, sizeof(rel));
    memcpy(h->parent_uuid, parent->ft.uuid, 16);
    h->parent_timestamp = parent->ft.timestamp;
    const char *base = strrchr(pabs, '/') ? strrchr(pabs, '/') + 1 : pabs;
    uint8_t name[VHD_PARENT_NAME_UNITS * 2] = {0};
    if (vhd_utf8_to_utf16(base, name, sizeof(name) - 2, true) < 0)
        return xns_fail(-ENAMETOOLONG, "%s: parent name %s is too long for the header", child,
                        base);
    for (int i = 0; i < VHD_PARENT_NAME_UNITS; i++)
        h->parent_name[i] = (uint16_t)(name[2 * i] << 8 | name[2 * i + 1]);
    static const uint32_t codes[3] = {VHD_LOC_W2RU, VHD_LOC_W2KU, VHD_LOC_MACX};
    const char *paths[3] = {rel, pabs, pabs};
    uint64_t off = loc_off;
    memset(h->loc, 0, sizeof(h->loc));
    for (int i = 0; i < 3; i++) {
        uint32_t space = codes[i] == VHD_LOC_MACX ? LOCATOR_SPACE_URL : LOCATOR_SPACE_UTF16;
        memset(locdata[i], 0, space);
        int n = vhd_locator_encode(codes[i], paths[i], locdata[i], space);
        if (n < 0)
            return xns_fail(-ENAMETOOLONG, "%s: parent path %s is too long for a locator",
                            child, paths[i]);
        h->loc[i] = (struct vhd_locator){
            .code = codes[i], .space = space, .length = (uint32_t)n, .offset = off};
        off += space;
    }
    *loc_end = off;
    return 0;
}

int vhd_create_image(const char *target, const struct xns_create_opts *o)
{
    enum xns_vhd_type type = o->vhd_type ? o->vhd_type : XNS_VHD_DYNAMIC;
    if (o->parent)
        type = XNS_VHD_DIFF;
    struct vhd *parent = NULL;
    uint64_t size = xns_align_up(o->size, 512);
    uint32_t bs = o->block_size ? o->block_size : VHD_DEFAULT_BLOCK;
    int rc;
    if (type == XNS_VHD_DIFF) {
        if (!o->parent)
            return xns_fail(-EINVAL, "%s: a differencing image needs a parent", target);
        if ((rc = vhd_open(o->parent, VHD_OPEN_NOPARENT, &parent)) < 0)
            return rc;
        size = parent->ft.curr_size;
        if (parent->ft.type != XNS_VHD_FIXED && !o->block_size)
            bs = parent->block_size;
    }
    if (!vhd_is_pow2(bs) || bs < 512 || bs > VHD_MAX_BLOCK) {
        vhd_close(parent);
        return xns_fail(-EINVAL, "%s: block size %u is not a power of two between 512 and %u",
                        target, bs, VHD_MAX_BLOCK);
    }
    if (size == 0 || size > VHD_MAX_SIZE) {
        vhd_close(parent);
        return xns_fail(-EINVAL, "%s: size %llu is not between 512 bytes and 2040 GiB", target,
                        (unsigned long long)size);
    }

    /* A new file, or an existing device (an LV) to format. */
    struct stat st;
    bool is_new = stat(target, &st) < 0 && strncmp(target, "/dev/", 5) != 0;
    if (is_new) {
        int fd = open(target, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            vhd_close(parent);
            return xns_fail(-errno, "%s: cannot create: %s", target, strerror(errno));
        }
        close(fd);
    } else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        vhd_close(parent);
        return xns_fail(-EEXIST, "%s: already exists", target);
    }
    struct vhd v = {0};
    pthread_mutex_init(&v.lock, NULL);
    if ((rc = blob_open(target, true, &v.b)) < 0)
        goto out;
    init_footer(&v.ft, type, size, o->uuid, o->hidden);

    if (type == XNS_VHD_FIXED) {
        if (v.b->growable) {
            if ((rc = blob_truncate(v.b, size)) == 0)
                rc = vhd_write_footer_at(&v, size);
        } else if (v.b->size < size + VHD_FOOTER_SIZE) {
            rc = xns_fail(-ENOSPC, "%s: %llu bytes cannot hold a fixed VHD of %llu", target,
                          (unsigned long long)v.b->size, (unsigned long long)size);
        } else {
            /* The footer must end the device; the size follows from it. */
            v.ft.curr_size = v.ft.orig_size = (v.b->size - VHD_FOOTER_SIZE) / 512 * 512;
            vhd_geometry(v.ft.curr_size / 512, &v.ft.cylinders, &v.ft.heads, &v.ft.sectors);
            rc = vhd_write_footer_at(&v, v.b->size - VHD_FOOTER_SIZE);
        }
        goto done;
    }

    uint8_t loc0[LOCATOR_SPACE_UTF16], loc1[LOCATOR_SPACE_UTF16], loc2[LOCATOR_SPACE_URL];
    uint8_t *locdata[3] = {loc0, loc1, loc2};
    struct vhd_header *h = &v.hdr;
    memcpy(h->cookie, "cxsparse", 8);
    h->data_offset = VHD_NO_OFFSET;
    h->version = VHD_HEADER_VERSION;
    h->block_size = bs;
    h->max_entries = (uint32_t)((size + bs - 1) / bs);
    uint64_t loc_end = VHD_FOOTER_SIZE + VHD_HEADER_SIZE;
    if (type == XNS_VHD_DIFF &&
        (rc = set_parent_fields(h, target, parent, o->parent, loc_end, locdata, &loc_end)) < 0)
        goto out;
    uint64_t reserve = o->bat_reserve ? o->bat_reserve : v.b->growable ? TWO_TIB : size;
    if (reserve < size)
        reserve = size;
    uint64_t reserve_entries = (reserve + bs - 1) / bs;
    h->table_offset = xns_align_up(loc_end, 512);
    uint64_t bat_bytes = xns_align_up((uint64_t)h->max_entries * 4, 512);
    uint64_t bat_room = xns_align_up(reserve_entries * 4, 512);
    uint32_t bm = vhd_bitmap_bytes(bs);
    uint64_t first = xns_align_up(h->table_offset + bat_room + bm, 4096) - bm;
    uint64_t foot = v.b->growable ? first : v.b->size - VHD_FOOTER_SIZE;
    if (foot < first) {
        rc = xns_fail(-ENOSPC, "%s: %llu bytes cannot hold even the metadata of this VHD",
                      target, (unsigned long long)v.b->size);
        goto out;
    }
    uint8_t *bat = malloc(bat_bytes);
    if (!bat) {
        rc = xns_fail(-ENOMEM, "%s: out of memory", target);
        goto out;
    }
    memset(bat, 0xff, bat_bytes);
    rc = blob_pwrite(v.b, bat, bat_bytes, h->table_offset);
    free(bat);
    for (int i = 0; rc == 0 && type == XNS_VHD_DIFF && i < 3; i++)
        rc = blob_pwrite(v.b, locdata[i], h->loc[i].space, h->loc[i].offset);
    if (rc == 0)
        rc = vhd_write_header(&v);
    if (rc == 0)
        rc = vhd_write_footer_at(&v, 0);
    if (rc == 0)
        rc = vhd_write_footer_at(&v, foot);
done:
    if (rc == 0)
        rc = blob_sync(v.b);
out:
    blob_close(v.b);
    pthread_mutex_destroy(&v.lock);
    vhd_close(parent);
    if (rc < 0 && is_new)
        unlink(target);
    return rc;
}

/* Rewrites the parent fields of a differencing image in place, into the
 * locator space it already has. Not atomic over locator data and header:
 * the repository layer journals a reparent and redoes it after a crash. */
int xns_vhd_set_parent(const char *target, const char *parent_path)
{
    struct vhd *v, *p;
    int rc = vhd_open(target, VHD_OPEN_WRITE | VHD_OPEN_NOPARENT, &v);
    if (rc < 0)
        return rc;
    if (v->ft.type != XNS_VHD_DIFF) {
        vhd_close(v);
        return xns_fail(-EINVAL, "%s: not a differencing image", target);
    }
    if ((rc = vhd_open(parent_path, VHD_OPEN_NOPARENT, &p)) < 0) {
        vhd_close(v);
        return rc;
    }
    uint64_t loc_off = UINT64_MAX, space = 0;
    for (int i = 0; i < VHD_NLOCATORS; i++) {
        if (v->hdr.loc[i].code == VHD_LOC_NONE)
            continue;
        if (v->hdr.loc[i].offset < loc_off)
            loc_off = v->hdr.loc[i].offset;
        space += vhd_locator_space(&v->hdr.loc[i]);
    }
    uint8_t loc0[LOCATOR_SPACE_UTF16], loc1[LOCATOR_SPACE_UTF16], loc2[LOCATOR_SPACE_URL];
    uint8_t *locdata[3] = {loc0, loc1, loc2};
    uint64_t loc_end;
    if (loc_off == UINT64_MAX || space < 2 * LOCATOR_SPACE_UTF16 + LOCATOR_SPACE_URL) {
        rc = xns_fail(-ENOSPC, "%s: its parent locators have no room for a new parent path",
                      target);
    } else {
        rc = set_parent_fields(&v->hdr, target, p, parent_path, loc_off, locdata, &loc_end);
    }
    for (int i = 0; rc == 0 && i < 3; i++)
        rc = blob_pwrite(v->b, locdata[i], v->hdr.loc[i].space, v->hdr.loc[i].offset);
    if (rc == 0)
        rc = blob_sync(v->b);
    if (rc == 0)
        rc = vhd_write_header(v);
    if (rc == 0)
        rc = blob_sync(v->b);
    vhd_close(p);
    vhd_close(v);
    return rc;
}
