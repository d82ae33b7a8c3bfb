/* LVM SRs: VG_XenStorage-<uuid>, one LV per image (VHD-<uuid> holding a
 * VHD sized for the whole disk, LV-<uuid> raw), names and flags as LV
 * tags, the journal as a VG tag. Every change goes through lvm2's tools. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/storage/internal.h"
#include "backends/storage/lvm.h"
#include "backends/storage/repo/repo_store.h"
#include "backends/storage/vhd_fmt.h"

#define TAG_NAME "xn_name="
#define TAG_RO "xn_ro"
#define TAG_SR "xn_sr="
#define TAG_JOURNAL "xn_journal="

static bool is_uuid(const char *s)
{
    uint8_t u[16];
    return xns_uuid_parse(s, u) == 0;
}

static void lv_name(const char *uuid, enum xns_format fmt, char *out, size_t len)
{
    if (is_uuid(uuid))
        snprintf(out, len, "%s-%s", fmt == XNS_FMT_RAW ? "LV" : "VHD", uuid);
    else
        snprintf(out, len, "%s", uuid); /* a volume made by hand keeps its name */
}

static void l_target(const struct repo *r, const char *uuid, enum xns_format fmt, char *out,
                     size_t len)
{
    char lv[200];
    lv_name(uuid, fmt, lv, sizeof(lv));
    snprintf(out, len, "/dev/%.900s/%.200s", r->location, lv);
}

static void tag_value(const char *tags, const char *prefix, char *out, size_t len)
{
    out[0] = '\0';
    size_t pl = strlen(prefix);
    for (const char *p = tags; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n >= pl && strncmp(p, prefix, pl) == 0) {
            snprintf(out, len, "%.*s", (int)(n - pl), p + pl);
            return;
        }
        p = comma ? comma + 1 : NULL;
    }
}

static int l_list(const struct repo *r, struct vdi **list, size_t *n)
{
    struct lvm_lv *lvs;
    size_t nl;
    int rc = lvm_list_lvs(r->location, &lvs, &nl);
    if (rc < 0)
        return rc;
    struct vdi *out = calloc(nl + 1, sizeof(*out));
    if (!out) {
        free(lvs);
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < nl; i++) {
        struct vdi *v = &out[k];
        const char *name = lvs[i].name;
        if (strncmp(name, "VHD-", 4) == 0 && is_uuid(name + 4)) {
            snprintf(v->uuid, sizeof(v->uuid), "%s", name + 4);
            v->format = XNS_FMT_VHD;
        } else if (strncmp(name, "LV-", 3) == 0 && is_uuid(name + 3)) {
            snprintf(v->uuid, sizeof(v->uuid), "%s", name + 3);
            v->format = XNS_FMT_RAW;
        } else {
            snprintf(v->uuid, sizeof(v->uuid), "%s", name);
            v->format = XNS_FMT_RAW;
        }
        l_target(r, v->uuid, v->format, v->target, sizeof(v->target));
        if (!is_uuid(v->uuid)) {
            int f = xns_probe(v->target);
            v->format = f == XNS_FMT_VHD ? XNS_FMT_VHD : XNS_FMT_RAW;
        }
        tag_value(lvs[i].tags, TAG_NAME, v->name, sizeof(v->name));
        if (!v->name[0])
            snprintf(v->name, sizeof(v->name), "%.64s", name);
        v->read_only = lvm_has_tag(lvs[i].tags, TAG_RO);
        v->phys = lvs[i].size;
        k++;
    }
    free(lvs);
    *list = out;
    *n = k;
    return 0;
}

/* A VHD in an LV is allocated whole: metadata, every block, the footer,
 * and one block more so that growing can move a block out of the BAT's
 * way. */
static uint64_t vhd_lv_bytes(uint64_t size)
{
    uint64_t bs = VHD_DEFAULT_BLOCK, entries = (size + bs - 1) / bs;
    uint64_t bm = vhd_bitmap_bytes((uint32_t)bs);
    uint64_t meta = 512 + 1024 + 5120 + xns_align_up(entries * 4, 512);
    return xns_align_up(meta + bm, 4096) + (entries + 1) * (bm + bs) + 512;
}

static int lvcreate(const struct repo *r, const char *lv, uint64_t bytes)
{
    char size[64];
    uint64_t extent, free_bytes;
    int rc = lvm_vg_info(r->location, &extent, &free_bytes, NULL, 0);
    if (rc < 0)
        return rc;
    bytes = xns_align_up(bytes, extent);
    if (bytes > free_bytes)
        return xns_fail(-ENOSPC, "volume group %s: %" PRIu64 " bytes needed, %" PRIu64 " free",
                        r->location, bytes, free_bytes);
    snprintf(size, sizeof(size), "%" PRIu64 "b", bytes);
    /* Without device-mapper nothing can be activated or zeroed by lvm2. */
    const char *argv[] = {"lvcreate", "-y", "-Zn", "-L", size, "-n", lv,
                          xns_have_dm() ? "-ay" : "-an", r->location, NULL};
    return lvm_run(argv, NULL);
}

/* Old data of earlier volumes must not show through a new raw disk. */
static int zero_lv(const char *target)
{
    struct xns_disk *d;
    int rc = xns_open(target, XNS_FMT_RAW, XNS_RDWR, &d);
    if (rc < 0)
        return rc;
    static const char zeros[1 << 20];
    uint64_t size = xns_size(d);
    for (uint64_t off = 0; rc == 0 && off < size; off += sizeof(zeros))
        rc = xns_write(d, zeros, size - off < sizeof(zeros) ? (size_t)(size - off) : sizeof(zeros),
                       off);
    int frc = xns_close(d);
    return rc < 0 ? rc : frc;
}

static int l_remove_lv(const struct repo *r, const char *lv)
{
    char full[1300];
    snprintf(full, sizeof(full), "%s/%s", r->location, lv);
    const char *argv[] = {"lvremove", "-f", full, NULL};
    return lvm_run(argv, NULL);
}

static int l_create(const struct repo *r, const char *uuid, const struct xns_create_opts *o)
{
    char lv[200], t[1200];
    lv_name(uuid, o->format, lv, sizeof(lv));
    l_target(r, uuid, o->format, t, sizeof(t));
    uint64_t size = o->size;
    if (o->parent) {
        struct xns_disk *p;
        int rc = xns_open(o->parent, XNS_FMT_VHD, XNS_RDONLY, &p);
        if (rc < 0)
            return rc;
        size = xns_size(p);
        xns_close(p);
    }
    int rc = lvcreate(r, lv, o->format == XNS_FMT_RAW ? size : vhd_lv_bytes(size));
    if (rc < 0)
        return rc;
    struct xns_create_opts lo = *o;
    lo.bat_reserve = 0; /* sized for this disk: growing moves blocks */
    if (o->format == XNS_FMT_RAW)
        rc = zero_lv(t);
    if (rc == 0)
        rc = xns_create(t, &lo);
    if (rc < 0) {
        char msg[1100];
        snprintf(msg, sizeof(msg), "%s", xns_strerror());
        l_remove_lv(r, lv);
        xns_fail(rc, "%s", msg);
    }
    return rc;
}

static int l_remove(const struct repo *r, const char *uuid, enum xns_format fmt)
{
    char lv[200];
    lv_name(uuid, fmt, lv, sizeof(lv));
    return l_remove_lv(r, lv);
}

static int l_rename(const struct repo *r, const char *from, const char *to, enum xns_format fmt)
{
    char a[200], b[200];
    lv_name(from, fmt, a, sizeof(a));
    lv_name(to, fmt, b, sizeof(b));
    const char *argv[] = {"lvrename", r->location, a, b, NULL};
    return lvm_run(argv, NULL);
}

static int lv_tags(const struct repo *r, const char *lv, char *tags, size_t len)
{
    struct lvm_lv *lvs;
    size_t n;
    int rc = lvm_list_lvs(r->location, &lvs, &n);
    if (rc < 0)
        return rc;
    rc = xns_fail(-ENOENT, "/dev/%s/%s: no such logical volume", r->location, lv);
    for (size_t i = 0; i < n; i++)
        if (strcmp(lvs[i].name, lv) == 0) {
            snprintf(tags, len, "%s", lvs[i].tags);
            rc = 0;
        }
    free(lvs);
    return rc;
}

static int l_set_meta(const struct repo *r, const char *uuid, enum xns_format fmt,
                      const char *name, bool ro)
{
    char lv[200], full[1300], tags[1024], old[200], newtag[200];
    lv_name(uuid, fmt, lv, sizeof(lv));
    snprintf(full, sizeof(full), "%s/%s", r->location, lv);
    int rc = lv_tags(r, lv, tags, sizeof(tags));
    if (rc < 0)
        return rc;
    const char *argv[16];
    int n = 0;
    argv[n++] = "lvchange";
    tag_value(tags, TAG_NAME, old, sizeof(old) - sizeof(TAG_NAME));
    char oldtag[sizeof(old) + sizeof(TAG_NAME)];
    snprintf(oldtag, sizeof(oldtag), "%s%s", TAG_NAME, old);
    if (old[0]) {
        argv[n++] = "--deltag";
        argv[n++] = oldtag;
    }
    if (lvm_has_tag(tags, TAG_RO) && !ro) {
        argv[n++] = "--deltag";
        argv[n++] = TAG_RO;
    }
    snprintf(newtag, sizeof(newtag), "%s%s", TAG_NAME, name);
    argv[n++] = "--addtag";
    argv[n++] = newtag;
    if (ro) {
        argv[n++] = "--addtag";
        argv[n++] = TAG_RO;
    }
    argv[n++] = full;
    argv[n] = NULL;
    return lvm_run(argv, NULL);
}

static int l_del_meta(const struct repo *r, const char *uuid)
{
    (void)r, (void)uuid;
    return 0; /* the tags went with the volume */
}

static int l_grow(const struct repo *r, const char *uuid, enum xns_format fmt, uint64_t size)
{
    char lv[200], full[1300], t[1200], sz[64];
    lv_name(uuid, fmt, lv, sizeof(lv));
    l_target(r, uuid, fmt, t, sizeof(t));
    snprintf(full, sizeof(full), "%s/%s", r->location, lv);
    uint64_t extent, free_bytes;
    int rc = lvm_vg_info(r->location, &extent, &free_bytes, NULL, 0);
    if (rc < 0)
        return rc;
    uint64_t want = xns_align_up(fmt == XNS_FMT_RAW ? size : vhd_lv_bytes(size), extent);
    struct lvm_lv *lvs;
    size_t n;
    uint64_t have = 0;
    if ((rc = lvm_list_lvs(r->location, &lvs, &n)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (strcmp(lvs[i].name, lv) == 0)
            have = lvs[i].size;
    free(lvs);
    if (want <= have)
        return 0;
    snprintf(sz, sizeof(sz), "%" PRIu64 "b", want);
    const char *argv[] = {"lvextend", "-L", sz, full, NULL};
    if ((rc = lvm_run(argv, NULL)) < 0)
        return rc;
    /* The VHD's footer was at the old end; restore it at the new end from
     * its copy at offset 0 (check's one safe repair). Until then opening
     * the image says exactly that. */
    if (fmt == XNS_FMT_VHD && xns_check(t, true, NULL, NULL) < 0)
        return -EIO;
    return 0;
}

static int vg_tags(const struct repo *r, char *tags, size_t len)
{
    uint64_t extent, free_bytes;
    return lvm_vg_info(r->location, &extent, &free_bytes, tags, len);
}

static int l_journal_get(const struct repo *r, char *buf, size_t len)
{
    char tags[1024];
    int rc = vg_tags(r, tags, sizeof(tags));
    if (rc < 0)
        return rc;
    tag_value(tags, TAG_JOURNAL, buf, len);
    for (char *c = buf; *c; c++)
        if (*c == ':')
            *c = ' ';
    return 0;
}

static int l_journal_set(const struct repo *r, const char *line)
{
    char tags[1024], old[512], oldtag[600], newtag[600];
    int rc = vg_tags(r, tags, sizeof(tags));
    if (rc < 0)
        return rc;
    tag_value(tags, TAG_JOURNAL, old, sizeof(old));
    const char *argv[8];
    int n = 0;
    argv[n++] = "vgchange";
    if (old[0]) {
        snprintf(oldtag, sizeof(oldtag), "%s%s", TAG_JOURNAL, old);
        argv[n++] = "--deltag";
        argv[n++] = oldtag;
    }
    if (line && *line) {
        snprintf(newtag, sizeof(newtag), "%s%s", TAG_JOURNAL, line);
        for (char *c = newtag; *c; c++)
            if (*c == ' ')
                *c = ':';
        argv[n++] = "--addtag";
        argv[n++] = newtag;
    }
    if (n == 1)
        return 0;
    argv[n++] = r->location;
    argv[n] = NULL;
    return lvm_run(argv, NULL);
}

int store_lvm_init(const struct repo *r)
{
    char tag[128];
    snprintf(tag, sizeof(tag), "%s%s", TAG_SR, r->name);
    const char *pv[] = {"pvcreate", "-ff", "-y", r->device, NULL};
    const char *vg[] = {"vgcreate", "--addtag", tag, r->location, r->device, NULL};
    int rc = lvm_run(pv, NULL);
    if (rc == 0)
        rc = lvm_run(vg, NULL);
    return rc;
}

static int l_destroy(const struct repo *r)
{
    const char *vg[] = {"vgremove", "-f", r->location, NULL};
    int rc = lvm_run(vg, NULL);
    if (rc == 0 && r->device[0]) {
        const char *pv[] = {"pvremove", "-y", r->device, NULL};
        rc = lvm_run(pv, NULL);
    }
    return rc;
}

const struct store_ops store_lvm_ops = {
    .list = l_list,
    .target = l_target,
    .create = l_create,
    .remove = l_remove,
    .rename = l_rename,
    .set_meta = l_set_meta,
    .del_meta = l_del_meta,
    .grow = l_grow,
    .journal_get = l_journal_get,
    .journal_set = l_journal_set,
    .destroy = l_destroy,
};
