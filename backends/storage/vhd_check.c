/*
 * check: everything opening verifies, reported rather than refused, plus
 * the footer copy. Repair touches only what has one right answer: a
 * footer lost at the end is restored from the copy at 0 (a writer that
 * moves the footer after the data, as others do, leaves exactly that),
 * and a stale or damaged copy is restored from the footer.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/storage/internal.h"
#include "backends/storage/vhd.h"

struct ck {
    const char *name;
    xns_report_fn *report;
    void *ctx;
    int faults;
};

static void __attribute__((format(printf, 2, 3))) fault(struct ck *c, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->faults++;
    if (c->report)
        c->report(c->ctx, msg);
}

static void __attribute__((format(printf, 2, 3))) repaired(struct ck *c, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->faults--;
    if (c->report)
        c->report(c->ctx, msg);
}

/* Where the data of a dynamic image ends, from its header and BAT alone. */
static int end_of_data(struct blob *b, const struct vhd_footer *f, uint64_t *end)
{
    uint8_t hbuf[VHD_HEADER_SIZE];
    struct vhd_header h;
    char why[200];
    int rc = blob_pread(b, hbuf, sizeof(hbuf), f->data_offset);
    if (rc < 0 || vhd_header_decode(hbuf, &h, why, sizeof(why)) < 0)
        return -EINVAL;
    uint64_t bat_bytes = xns_align_up((uint64_t)h.max_entries * 4, 512);
    uint32_t *bat = malloc(bat_bytes);
    if (!bat)
        return -ENOMEM;
    if (blob_pread(b, bat, bat_bytes, h.table_offset) < 0) {
        free(bat);
        return -EIO;
    }
    uint64_t e = h.table_offset + bat_bytes, span = vhd_bitmap_bytes(h.block_size) + (uint64_t)h.block_size;
    for (uint32_t i = 0; i < h.max_entries; i++) {
        uint32_t x = be32toh(bat[i]);
        if (x != VHD_BAT_FREE && (uint64_t)x * 512 + span > e)
            e = (uint64_t)x * 512 + span;
    }
    free(bat);
    *end = e;
    return 0;
}

static int check_footers(struct ck *c, struct blob *b, bool repair)
{
    uint8_t endb[512], copyb[512];
    struct vhd_footer end, copy;
    char why_end[200] = "", why_copy[200] = "";
    bool end_ok = false, copy_ok = false;
    uint64_t foot = b->size >= 512 ? (b->size - 512) / 512 * 512 : 0;
    if (b->size >= 512 && blob_pread(b, endb, 512, foot) == 0)
        end_ok = vhd_footer_decode(endb, &end, why_end, sizeof(why_end)) == 0;
    if (b->size >= 512 && blob_pread(b, copyb, 512, 0) == 0)
        copy_ok = vhd_footer_decode(copyb, &copy, why_copy, sizeof(why_copy)) == 0;
    if (copy_ok && copy.type == XNS_VHD_FIXED)
        copy_ok = false; /* data that happens to look like a footer */
    if (!end_ok && !copy_ok) {
        fault(c, "%s: not a VHD image: %s", c->name, why_end);
        return -EINVAL;
    }
    if (!end_ok) {
        fault(c, "%s: the footer at the end is bad (%s); the copy at offset 0 is intact",
              c->name, why_end);
        if (!repair)
            return 0;
        uint64_t data_end;
        if (end_of_data(b, &copy, &data_end) < 0)
            return 0;
        uint64_t pos = foot >= data_end && b->size % 512 == 0 ? foot : data_end;
        if (pos < foot)
            pos = foot;
        if (blob_pwrite(b, copyb, 512, pos) == 0 && (!b->is_file || blob_truncate(b, pos + 512) == 0) &&
            blob_sync(b) == 0)
            repaired(c, "%s: repaired: footer restored at offset %llu from the copy at 0",
                     c->name, (unsigned long long)pos);
        return 0;
    }
    if (end.type == XNS_VHD_FIXED)
        return 0;
    if (!copy_ok || memcmp(endb, copyb, 512) != 0) {
        if (copy_ok)
            fault(c, "%s: the footer copy at offset 0 differs from the footer", c->name);
        else
            fault(c, "%s: the footer copy at offset 0 is bad (%s)", c->name, why_copy);
        if (repair && blob_pwrite(b, endb, 512, 0) == 0 && blob_sync(b) == 0)
            repaired(c, "%s: repaired: footer copy at offset 0 rewritten from the footer",
                     c->name);
    }
    return 0;
}

int xns_check(const char *target, bool repair, xns_report_fn *report, void *ctx)
{
    struct ck c = {.name = target, .report = report, .ctx = ctx};
    struct blob *b;
    int rc = blob_open(target, repair, &b);
    if (rc < 0)
        return rc;
    rc = check_footers(&c, b, repair);
    blob_close(b);
    if (rc < 0 || c.faults > 0)
        return c.faults;
    /* The rest is what opening checks, parent chain included. */
    struct vhd *v;
    if (vhd_open(target, 0, &v) < 0) {
        fault(&c, "%s", xns_strerror());
        return c.faults;
    }
    for (struct vhd *p = v; p && p->parent; p = p->parent)
        if (p->hdr.parent_timestamp != p->parent->ft.timestamp && report) {
            char msg[600];
            snprintf(msg, sizeof(msg), "%s: note: parent timestamp differs from %s's footer "
                     "(not a fault)", p->b->name, p->parent->b->name);
            report(ctx, msg);
        }
    vhd_close(v);
    return c.faults;
}
