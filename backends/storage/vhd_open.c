/*
 * Opening a VHD: every structure is checked before anything is trusted,
 * and an image that fails any check is refused with the file and the
 * fault named. Nothing is written while opening.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/storage/internal.h"
#include "backends/storage/vhd.h"

/* Parent chains deeper than this are taken for a loop we could not see
 * by UUID (copies of one image under different names). */
#define VHD_MAX_DEPTH 1024

struct chain {
    uint8_t uuids[64][16];
    int n;
    int depth;
};

static int load_footer(struct vhd *v)
{
    const char *name = v->b->name;
    uint8_t buf[VHD_FOOTER_SIZE];
    char why[200];
    if (v->b->size < VHD_FOOTER_SIZE || v->b->size % 512)
        return xns_fail(-EINVAL, "%s: not a VHD image (size %llu is not a whole number of "
                        "sectors holding a footer)", name, (unsigned long long)v->b->size);
    v->footer_off = v->b->size - VHD_FOOTER_SIZE;
    int rc = blob_pread(v->b, buf, sizeof(buf), v->footer_off);
    if (rc < 0)
        return rc;
    if (vhd_footer_decode(buf, &v->ft, why, sizeof(why)) < 0) {
        /* A dynamic image whose end was lost still has the copy at 0. */
        struct vhd_footer copy;
        char why2[200];
        if (blob_pread(v->b, buf, sizeof(buf), 0) == 0 &&
            vhd_footer_decode(buf, &copy, why2, sizeof(why2)) == 0 && copy.type != 2)
            return xns_fail(-EINVAL, "%s: the footer at the end is bad (%s); the copy at "
                            "offset 0 is intact: repair with check --repair", name, why);
        return xns_fail(-EINVAL, "%s: %s", name, why);
    }
    return 0;
}

static int load_fixed(struct vhd *v)
{
    if (v->ft.curr_size != v->footer_off)
        return xns_fail(-EINVAL, "%s: fixed VHD of %llu bytes, but %llu bytes precede its "
                        "footer", v->b->name, (unsigned long long)v->ft.curr_size,
                        (unsigned long long)v->footer_off);
    return 0;
}

/* A BAT entry must be free or point at a whole block between the
 * metadata and the footer. */
static int check_entry(const struct vhd *v, uint32_t i, uint32_t e)
{
    const char *name = v->b->name;
    uint64_t span = (uint64_t)v->bm_bytes + v->block_size;
    uint64_t off = (uint64_t)e * 512;
    if (e == VHD_BAT_FREE)
        return 0;
    if (off < v->meta_end)
        return xns_fail(-EINVAL, "%s: BAT entry %u points at offset %llu, into the image's "
                        "metadata (which ends at %llu)", name, i, (unsigned long long)off,
                        (unsigned long long)v->meta_end);
    if (off + span > v->footer_off)
        return xns_fail(-EINVAL, "%s: BAT entry %u points at offset %llu, past the end of the "
                        "image's data (%llu)", name, i, (unsigned long long)off,
                        (unsigned long long)v->footer_off);
    return 0;
}

/*
 * Reads the BAT a chunk at a time, each chunk's entries checked before
 * the next is read, the array growing only as entries pass. Memory then
 * follows what the image really holds: a BAT that lies in the holes of a
 * sparse file (zeros: entries pointing into the metadata) is refused after
 * its first chunk, not after tens of GiB were allocated and read.
 */
static int read_bat(struct vhd *v, uint64_t toff, uint64_t bat_bytes)
{
    enum { CHUNK = 16384 }; /* entries: 64 KiB */
    uint64_t total = bat_bytes / 4, cap = 0;
    for (uint64_t done = 0; done < total;) {
        uint64_t n = total - done < CHUNK ? total - done : CHUNK;
        if (done + n > cap) {
            uint64_t want = cap * 2 > done + n ? cap * 2 : done + n;
            if (want > total)
                want = total;
            uint32_t *bat = realloc(v->bat, (size_t)want * 4);
            if (!bat)
                return xns_fail(-ENOMEM, "%s: out of memory for a BAT of %u entries",
                                v->b->name, v->nbat);
            v->bat = bat;
            cap = want;
        }
        int rc = blob_pread(v->b, v->bat + done, (size_t)n * 4, toff + done * 4);
        if (rc < 0)
            return rc;
        for (uint64_t i = done; i < done + n; i++) {
            v->bat[i] = be32toh(v->bat[i]);
            /* Entries past max_entries only fill the BAT's last sector. */
            if (i < v->nbat && (rc = check_entry(v, (uint32_t)i, v->bat[i])) < 0)
                return rc;
        }
        done += n;
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* No two blocks may overlap (each entry was checked by read_bat). */
static int check_bat(struct vhd *v)
{
    const char *name = v->b->name;
    uint64_t span = (uint64_t)v->bm_bytes + v->block_size;
    uint32_t used = 0;
    for (uint32_t i = 0; i < v->nbat; i++)
        used += v->bat[i] != VHD_BAT_FREE;
    uint32_t *sorted = malloc((size_t)used * sizeof(uint32_t) + 1);
    if (!sorted)
        return xns_fail(-ENOMEM, "%s: out of memory", name);
    uint32_t n = 0;
    uint64_t end = v->meta_end, first = UINT64_MAX;
    for (uint32_t i = 0; i < v->nbat; i++) {
        uint32_t e = v->bat[i];
        if (e == VHD_BAT_FREE)
            continue;
        uint64_t off = (uint64_t)e * 512;
        sorted[n++] = e;
        if (off + span > end)
            end = off + span;
        if (off < first)
            first = off;
    }
    qsort(sorted, n, sizeof(uint32_t), cmp_u32);
    for (uint32_t i = 1; i < n; i++) {
        if ((uint64_t)(sorted[i] - sorted[i - 1]) * 512 < span) {
            uint64_t a = (uint64_t)sorted[i - 1] * 512, b = (uint64_t)sorted[i] * 512;
            free(sorted);
            return xns_fail(-EINVAL, "%s: blocks at offsets %llu and %llu overlap", name,
                            (unsigned long long)a, (unsigned long long)b);
        }
    }
    free(sorted);
    v->next_block = end;
    uint64_t lowest = first == UINT64_MAX ? end : first;
    v->bat_room = lowest - v->hdr.table_offset;
    return 0;
}

/* [off, off + len) lies within [0, end): offsets come from the image and
 * may be anything, so the sum is never formed. */
static bool inside(uint64_t off, uint64_t len, uint64_t end)
{
    return off <= end && len <= end - off;
}

static int load_dynamic(struct vhd *v)
{
    const char *name = v->b->name;
    uint8_t hbuf[VHD_HEADER_SIZE], fbuf[VHD_FOOTER_SIZE], mine[VHD_FOOTER_SIZE];
    char why[200];
    uint64_t hoff = v->ft.data_offset;
    if (hoff < VHD_FOOTER_SIZE || !inside(hoff, VHD_HEADER_SIZE, v->footer_off))
        return xns_fail(-EINVAL, "%s: dynamic header offset %llu lies outside the image", name,
                        (unsigned long long)hoff);
    int rc = blob_pread(v->b, hbuf, sizeof(hbuf), hoff);
    if (rc < 0)
        return rc;
    if (vhd_header_decode(hbuf, &v->hdr, why, sizeof(why)) < 0)
        return xns_fail(-EINVAL, "%s: %s", name, why);
    v->block_size = v->hdr.block_size;
    v->spb = v->block_size / 512;
    v->bm_bytes = vhd_bitmap_bytes(v->block_size);
    /* Rounded up without adding first: a size near 2^64 would wrap to a
     * count of a block or two, and every block index read or written past
     * the BAT would then lie outside it. */
    uint64_t need = v->ft.curr_size / v->block_size + (v->ft.curr_size % v->block_size != 0);
    if (v->hdr.max_entries < need)
        return xns_fail(-EINVAL, "%s: BAT has %u entries; a disk of %llu bytes in %u-byte "
                        "blocks needs %llu", name, v->hdr.max_entries,
                        (unsigned long long)v->ft.curr_size, v->block_size,
                        (unsigned long long)need);
    v->nbat = v->hdr.max_entries;
    uint64_t bat_bytes = xns_align_up((uint64_t)v->nbat * 4, 512);
    uint64_t toff = v->hdr.table_offset;
    if (toff < hoff + VHD_HEADER_SIZE && toff + bat_bytes > hoff)
        return xns_fail(-EINVAL, "%s: BAT at %llu overlaps the dynamic header", name,
                        (unsigned long long)toff);
    if (toff < VHD_FOOTER_SIZE || !inside(toff, bat_bytes, v->footer_off))
        return xns_fail(-EINVAL, "%s: BAT at %llu (%llu bytes) lies outside the image", name,
                        (unsigned long long)toff, (unsigned long long)bat_bytes);
    v->meta_end = xns_align_up(hoff + VHD_HEADER_SIZE, 512);
    if (toff + bat_bytes > v->meta_end)
        v->meta_end = toff + bat_bytes;
    for (int i = 0; i < VHD_NLOCATORS; i++) {
        const struct vhd_locator *l = &v->hdr.loc[i];
        if (l->code == VHD_LOC_NONE)
            continue;
        uint64_t space = vhd_locator_space(l);
        if (l->length > space || l->offset % 512 || !inside(l->offset, space, v->footer_off))
            return xns_fail(-EINVAL, "%s: parent locator %d (offset %llu, %u bytes) lies "
                            "outside the image", name, i, (unsigned long long)l->offset,
                            l->length);
        if (l->offset + space > v->meta_end)
            v->meta_end = l->offset + space;
    }
    if ((rc = read_bat(v, toff, bat_bytes)) < 0)
        return rc;
    v->bm = calloc(v->nbat, sizeof(uint8_t *));
    if (!v->bm)
        return xns_fail(-ENOMEM, "%s: out of memory for a BAT of %u entries", name, v->nbat);
    if ((rc = check_bat(v)) < 0)
        return rc;
    /* The copy at offset 0 is what qemu reads first: remember whether it
     * agrees, check reports and repairs it. */
    v->footer_copy_ok = blob_pread(v->b, fbuf, sizeof(fbuf), 0) == 0;
    vhd_footer_encode(&v->ft, mine);
    v->footer_copy_ok = v->footer_copy_ok && memcmp(fbuf, mine, sizeof(mine)) == 0;
    return 0;
}

void vhd_relative_path(const char *from, const char *to, char *out, size_t len)
{
    char a[PATH_MAX], b[PATH_MAX];
    snprintf(a, sizeof(a), "%s", from);
    snprintf(b, sizeof(b), "%s", to);
    char *dir = dirname(a);
    size_t dl = strlen(dir);
    if (strcmp(dir, "/") == 0)
        dl = 0;
    if (strncmp(b, dir, dl) == 0 && b[dl] == '/') {
        snprintf(out, len, "./%s", b + dl + 1);
        return;
    }
    /* Climb from the child's directory to the longest common ancestor. */
    size_t common = 0;
    for (size_t i = 0; dir[i] && b[i] && dir[i] == b[i]; i++)
        if (dir[i] == '/')
            common = i;
    if (dir[common] != '/' || b[common] != '/') {
        snprintf(out, len, "%s", to);
        return;
    }
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = dir + common; *p; p++)
        if (*p == '/' && o + 3 < len) {
            memcpy(out + o, "../", 3);
            o += 3;
            out[o] = '\0';
        }
    snprintf(out + o, len - o, "%s", b + common + 1);
}

bool vhd_parent_beside(const char *child, const char *parent)
{
    const char *slash = strrchr(parent, '/');
    const char *base = slash ? slash + 1 : parent;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return false;
    /* Only the directories are resolved: an LV's /dev/VG/LV is a link to
     * a dm-N node elsewhere, and stays a parent beside its child. */
    char c[PATH_MAX], p[PATH_MAX], cdir[PATH_MAX], pdir[PATH_MAX];
    snprintf(c, sizeof(c), "%s", child);
    snprintf(p, sizeof(p), "%s", parent);
    char *cd = dirname(c), *pd = dirname(p);
    /* The same directory by name is beside, whether or not it exists:
     * without device-mapper an LVM SR's /dev/VG is never made. */
    if (strcmp(cd, pd) == 0)
        return true;
    return realpath(cd, cdir) && realpath(pd, pdir) && strcmp(cdir, pdir) == 0;
}

/* Relative locators resolve against the child's directory. */
static void resolve(const char *child, const char *loc, char *out, size_t len)
{
    if (loc[0] == '/') {
        snprintf(out, len, "%s", loc);
        return;
    }
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", child);
    const char *rel = strncmp(loc, "./", 2) == 0 ? loc + 2 : loc;
    snprintf(out, len, "%s/%s", dirname(tmp), rel);
}

int vhd_find_parent(struct vhd *v, char *path, size_t len)
{
    static const uint32_t order[] = {VHD_LOC_W2RU, VHD_LOC_W2KU, VHD_LOC_MACX};
    char tried[3][PATH_MAX];
    int ntried = 0;
    for (size_t o = 0; o < 3; o++) {
        for (int i = 0; i < VHD_NLOCATORS; i++) {
            const struct vhd_locator *l = &v->hdr.loc[i];
            if (l->code != order[o] || l->length == 0)
                continue;
            uint8_t data[8192];
            char loc[PATH_MAX];
            size_t n = l->length < sizeof(data) ? l->length : sizeof(data);
            if (blob_pread(v->b, data, n, l->offset) < 0 ||
                vhd_locator_decode(l->code, data, n, loc, sizeof(loc)) < 0 || !loc[0])
                continue;
            resolve(v->b->name, loc, path, len);
            if (!vhd_parent_beside(v->b->name, path)) {
                char d[PATH_MAX];
                snprintf(d, sizeof(d), "%s", v->b->name);
                return xns_fail(-EPERM, "%s: its parent locator names %s, outside the image's "
                                "directory %s: a parent must sit beside its child", v->b->name,
                                path, dirname(d));
            }
            struct blob *pb;
            if (blob_open(path, false, &pb) == 0) {
                blob_close(pb);
                return 0;
            }
            if (ntried < 3)
                snprintf(tried[ntried++], PATH_MAX, "%s", path);
        }
    }
    char name[600] = "";
    uint8_t raw[512];
    for (int i = 0; i < VHD_PARENT_NAME_UNITS; i++) {
        raw[2 * i] = (uint8_t)(v->hdr.parent_name[i] >> 8);
        raw[2 * i + 1] = (uint8_t)v->hdr.parent_name[i];
    }
    vhd_utf16_to_utf8(raw, sizeof(raw), true, name, sizeof(name));
    char u[37];
    xns_uuid_format(v->hdr.parent_uuid, u);
    return xns_fail(-ENOENT, "%s: its parent \"%s\" (UUID %s) is missing%s%s%s%s%s", v->b->name,
                    name, u, ntried ? ": tried " : " (no parent locator)",
                    ntried > 0 ? tried[0] : "", ntried > 1 ? ", " : "",
                    ntried > 1 ? tried[1] : "", ntried > 2 ? ", ..." : "");
}

static int open_chain(const char *target, int flags, struct chain *ch, struct vhd **out);

static int open_parent(struct vhd *v, struct chain *ch)
{
    int rc = vhd_find_parent(v, v->parent_path, sizeof(v->parent_path));
    if (rc < 0)
        return rc;
    for (int i = 0; i < ch->n; i++)
        if (memcmp(ch->uuids[i], v->hdr.parent_uuid, 16) == 0)
            return xns_fail(-ELOOP, "%s: its parent chain loops back through %s", v->b->name,
                            v->parent_path);
    if (++ch->depth > VHD_MAX_DEPTH)
        return xns_fail(-ELOOP, "%s: parent chain deeper than %d images (a loop?)", v->b->name,
                        VHD_MAX_DEPTH);
    rc = open_chain(v->parent_path, 0, ch, &v->parent);
    if (rc < 0)
        return rc;
    if (memcmp(v->parent->ft.uuid, v->hdr.parent_uuid, 16) != 0) {
        /* The parent's own UUID is not told: it is another file's content. */
        char want[37];
        xns_uuid_format(v->hdr.parent_uuid, want);
        return xns_fail(-EINVAL, "%s: its parent %s is not the image it was made from (the "
                        "image expects UUID %s)", v->b->name, v->parent_path, want);
    }
    /* A child grown after the snapshot reads zeros past its parent's end. */
    return 0;
}

static int open_chain(const char *target, int flags, struct chain *ch, struct vhd **out)
{
    struct vhd *v = calloc(1, sizeof(*v));
    if (!v)
        return xns_fail(-ENOMEM, "%s: out of memory", target);
    pthread_mutex_init(&v->lock, NULL);
    int rc = blob_open(target, flags & VHD_OPEN_WRITE, &v->b);
    if (rc == 0)
        rc = load_footer(v);
    if (rc == 0)
        rc = v->ft.type == XNS_VHD_FIXED ? load_fixed(v) : load_dynamic(v);
    if (rc == 0 && ch->n < 64)
        memcpy(ch->uuids[ch->n++], v->ft.uuid, 16);
    if (rc == 0 && v->ft.type == XNS_VHD_DIFF && !(flags & VHD_OPEN_NOPARENT))
        rc = open_parent(v, ch);
    if (rc < 0) {
        vhd_close(v);
        return rc;
    }
    *out = v;
    return 0;
}

int vhd_open(const char *target, int flags, struct vhd **out)
{
    struct chain ch = {.n = 0, .depth = 0};
    return open_chain(target, flags, &ch, out);
}

void vhd_close(struct vhd *v)
{
    if (!v)
        return;
    vhd_close(v->parent);
    if (v->bm)
        for (uint32_t i = 0; i < v->nbat; i++)
            free(v->bm[i]);
    free(v->bm);
    free(v->bat);
    blob_close(v->b);
    pthread_mutex_destroy(&v->lock);
    free(v);
}
