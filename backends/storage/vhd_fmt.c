/* VHD structures to and from their big-endian on-disk bytes. */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backends/storage/vhd_fmt.h"

/* Where a struct's field stands on disk: count units of unit bytes each
 * (1, 2, 4 or 8), every unit a big-endian number; arrays of bytes are
 * units of 1. One table per structure serves encoding and decoding. */
struct vhd_field {
    uint16_t disk;  /* byte offset in the on-disk structure */
    uint16_t mem;   /* offsetof in the struct */
    uint8_t unit;
    uint16_t count;
};
#define FIELD(type, member, at)                                                                    \
    {(at), offsetof(type, member), sizeof(((type *)0)->member), 1}
#define ARRAY(type, member, at)                                                                    \
    {(at), offsetof(type, member), sizeof(((type *)0)->member[0]),                                 \
     sizeof(((type *)0)->member) / sizeof(((type *)0)->member[0])}

#define FOOTER_CHECKSUM_AT 64
#define HEADER_CHECKSUM_AT 36

static const struct vhd_field footer_fields[] = {
    ARRAY(struct vhd_footer, cookie, 0),
    FIELD(struct vhd_footer, features, 8),
    FIELD(struct vhd_footer, version, 12),
    FIELD(struct vhd_footer, data_offset, 16),
    FIELD(struct vhd_footer, timestamp, 24),
    ARRAY(struct vhd_footer, creator_app, 28),
    FIELD(struct vhd_footer, creator_version, 32),
    FIELD(struct vhd_footer, creator_os, 36),
    FIELD(struct vhd_footer, orig_size, 40),
    FIELD(struct vhd_footer, curr_size, 48),
    FIELD(struct vhd_footer, cylinders, 56),
    FIELD(struct vhd_footer, heads, 58),
    FIELD(struct vhd_footer, sectors, 59),
    FIELD(struct vhd_footer, type, 60),
    FIELD(struct vhd_footer, checksum, FOOTER_CHECKSUM_AT),
    ARRAY(struct vhd_footer, uuid, 68),
    FIELD(struct vhd_footer, saved_state, 84),
    FIELD(struct vhd_footer, hidden, 85),
};

/* The header's parent locators stand LOCATOR_SIZE bytes apart from
 * LOCATORS_AT. */
#define LOCATORS_AT 576
#define LOCATOR_SIZE 24
#define LOCATOR(i)                                                                                 \
    FIELD(struct vhd_header, loc[i].code, LOCATORS_AT + LOCATOR_SIZE * (i)),                       \
    FIELD(struct vhd_header, loc[i].space, LOCATORS_AT + LOCATOR_SIZE * (i) + 4),                  \
    FIELD(struct vhd_header, loc[i].length, LOCATORS_AT + LOCATOR_SIZE * (i) + 8),                 \
    FIELD(struct vhd_header, loc[i].offset, LOCATORS_AT + LOCATOR_SIZE * (i) + 16)

static const struct vhd_field header_fields[] = {
    ARRAY(struct vhd_header, cookie, 0),
    FIELD(struct vhd_header, data_offset, 8),
    FIELD(struct vhd_header, table_offset, 16),
    FIELD(struct vhd_header, version, 24),
    FIELD(struct vhd_header, max_entries, 28),
    FIELD(struct vhd_header, block_size, 32),
    FIELD(struct vhd_header, checksum, HEADER_CHECKSUM_AT),
    ARRAY(struct vhd_header, parent_uuid, 40),
    FIELD(struct vhd_header, parent_timestamp, 56),
    ARRAY(struct vhd_header, parent_name, 64),
    LOCATOR(0), LOCATOR(1), LOCATOR(2), LOCATOR(3),
    LOCATOR(4), LOCATOR(5), LOCATOR(6), LOCATOR(7),
};
_Static_assert(VHD_NLOCATORS == 8, "header_fields lists eight locators");
_Static_assert(offsetof(struct vhd_footer, cookie) == 0 && offsetof(struct vhd_header, cookie) == 0,
               "layout_decode finds the cookie at the start of the struct");

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* A structure with its cookie and checksum, and its names in messages. */
struct vhd_layout {
    const char *cookie;
    const char *name;      /* "no <name> (cookie is not ...)" */
    const char *sum_name;  /* "<sum_name> checksum is ..." */
    size_t size;           /* on disk */
    size_t checksum_at;
    const struct vhd_field *fields;
    size_t nfields;
};

static const struct vhd_layout footer_layout = {
    "conectix", "VHD footer", "footer", VHD_FOOTER_SIZE, FOOTER_CHECKSUM_AT,
    footer_fields, NFIELDS(footer_fields),
};

static const struct vhd_layout header_layout = {
    "cxsparse", "dynamic disk header", "dynamic header", VHD_HEADER_SIZE, HEADER_CHECKSUM_AT,
    header_fields, NFIELDS(header_fields),
};

/* A unit of a struct, read or written as a number of its width. */
static uint64_t unit_get(const uint8_t *m, unsigned unit)
{
    uint8_t v8;
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    switch (unit) {
    case 1:
        memcpy(&v8, m, 1);
        return v8;
    case 2:
        memcpy(&v16, m, 2);
        return v16;
    case 4:
        memcpy(&v32, m, 4);
        return v32;
    default:
        memcpy(&v64, m, 8);
        return v64;
    }
}

static void unit_set(uint8_t *m, unsigned unit, uint64_t v)
{
    uint8_t v8 = (uint8_t)v;
    uint16_t v16 = (uint16_t)v;
    uint32_t v32 = (uint32_t)v;
    switch (unit) {
    case 1:
        memcpy(m, &v8, 1);
        break;
    case 2:
        memcpy(m, &v16, 2);
        break;
    case 4:
        memcpy(m, &v32, 4);
        break;
    default:
        memcpy(m, &v, 8);
        break;
    }
}

static void fields_encode(const struct vhd_field *f, size_t n, const void *s, uint8_t *b)
{
    for (; n--; f++) {
        const uint8_t *m = (const uint8_t *)s + f->mem;
        uint8_t *d = b + f->disk;
        for (unsigned i = 0; i < f->count; i++, m += f->unit, d += f->unit) {
            uint64_t v = unit_get(m, f->unit);
            for (unsigned k = 0; k < f->unit; k++)
                d[k] = (uint8_t)(v >> 8 * (f->unit - 1 - k));
        }
    }
}

static void fields_decode(const struct vhd_field *f, size_t n, const uint8_t *b, void *s)
{
    for (; n--; f++) {
        uint8_t *m = (uint8_t *)s + f->mem;
        const uint8_t *d = b + f->disk;
        for (unsigned i = 0; i < f->count; i++, m += f->unit, d += f->unit) {
            uint64_t v = 0;
            for (unsigned k = 0; k < f->unit; k++)
                v = v << 8 | d[k];
            unit_set(m, f->unit, v);
        }
    }
}

static void layout_encode(const struct vhd_layout *l, const void *s, uint8_t *b)
{
    memset(b, 0, l->size);
    fields_encode(l->fields, l->nfields, s, b);
    /* The checksum is the one field written from the bytes, not the struct. */
    uint32_t sum = htobe32(vhd_checksum(b, l->size, l->checksum_at));
    memcpy(b + l->checksum_at, &sum, 4);
}

/* Decodes b into s (struct_size bytes, zeroed first; *checksum is its
 * checksum field) if its cookie and checksum are right; else -EINVAL with
 * why. */
static int layout_decode(const struct vhd_layout *l, const uint8_t *b, void *s,
                         size_t struct_size, const uint32_t *checksum, char *why, size_t whylen)
{
    memset(s, 0, struct_size);
    memcpy(s, b, 8); /* the cookie leads both structs */
    if (memcmp(b, l->cookie, 8) != 0) {
        snprintf(why, whylen, "no %s (cookie is not \"%s\")", l->name, l->cookie);
        return -EINVAL;
    }
    fields_decode(l->fields, l->nfields, b, s);
    uint32_t want = vhd_checksum(b, l->size, l->checksum_at);
    if (*checksum != want) {
        snprintf(why, whylen, "%s checksum is 0x%08x, its contents sum to 0x%08x", l->sum_name,
                 *checksum, want);
        return -EINVAL;
    }
    return 0;
}

uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t checksum_off)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        if (i < checksum_off || i >= checksum_off + 4)
            sum += buf[i];
    return ~sum;
}

void vhd_footer_encode(const struct vhd_footer *f, uint8_t b[VHD_FOOTER_SIZE])
{
    layout_encode(&footer_layout, f, b);
}

int vhd_footer_decode(const uint8_t b[VHD_FOOTER_SIZE], struct vhd_footer *f, char *why,
                      size_t whylen)
{
    int rc = layout_decode(&footer_layout, b, f, sizeof(*f), &f->checksum, why, whylen);
    if (rc)
        return rc;
    if ((f->version >> 16) != 1) {
        snprintf(why, whylen, "footer format version 0x%08x is not 1.x", f->version);
        return -EINVAL;
    }
    if (f->type != 2 && f->type != 3 && f->type != 4) {
        snprintf(why, whylen, "disk type %u is not fixed (2), dynamic (3) or differencing (4)",
                 f->type);
        return -EINVAL;
    }
    if (f->curr_size % 512) {
        snprintf(why, whylen, "size %llu is not a whole number of sectors",
                 (unsigned long long)f->curr_size);
        return -EINVAL;
    }
    if (f->type == 2 ? f->data_offset != VHD_NO_OFFSET
                     : f->data_offset == VHD_NO_OFFSET || f->data_offset % 512) {
        snprintf(why, whylen, "data offset 0x%llx does not fit a %s disk",
                 (unsigned long long)f->data_offset, f->type == 2 ? "fixed" : "dynamic");
        return -EINVAL;
    }
    return 0;
}

void vhd_header_encode(const struct vhd_header *h, uint8_t b[VHD_HEADER_SIZE])
{
    layout_encode(&header_layout, h, b);
}

int vhd_header_decode(const uint8_t b[VHD_HEADER_SIZE], struct vhd_header *h, char *why,
                      size_t whylen)
{
    int rc = layout_decode(&header_layout, b, h, sizeof(*h), &h->checksum, why, whylen);
    if (rc)
        return rc;
    if ((h->version >> 16) != 1) {
        snprintf(why, whylen, "dynamic header version 0x%08x is not 1.x", h->version);
        return -EINVAL;
    }
    if (!vhd_is_pow2(h->block_size) || h->block_size < 512 || h->block_size > VHD_MAX_BLOCK) {
        snprintf(why, whylen, "block size %u is not a power of two between 512 and %u",
                 h->block_size, VHD_MAX_BLOCK);
        return -EINVAL;
    }
    if (h->table_offset % 512) {
        snprintf(why, whylen, "BAT offset %llu is not sector aligned",
                 (unsigned long long)h->table_offset);
        return -EINVAL;
    }
    return 0;
}

void vhd_geometry(uint64_t sectors, uint16_t *cyl, uint8_t *heads, uint8_t *spt)
{
    uint64_t cth;
    unsigned h, s;
    if (sectors > 65535ull * 16 * 255)
        sectors = 65535ull * 16 * 255;
    if (sectors >= 65535ull * 16 * 63) {
        s = 255;
        h = 16;
        cth = sectors / s;
    } else {
        s = 17;
        cth = sectors / s;
        h = (unsigned)((cth + 1023) / 1024);
        if (h < 4)
            h = 4;
        if (cth >= h * 1024ull || h > 16) {
            s = 31;
            h = 16;
            cth = sectors / s;
        }
        if (cth >= h * 1024ull) {
            s = 63;
            h = 16;
            cth = sectors / s;
        }
    }
    *cyl = (uint16_t)(cth / h);
    *heads = (uint8_t)h;
    *spt = (uint8_t)s;
}

uint32_t vhd_time(uint64_t unix_seconds)
{
    return unix_seconds < VHD_EPOCH_OFFSET ? 0 : (uint32_t)(unix_seconds - VHD_EPOCH_OFFSET);
}

uint32_t vhd_time_now(void)
{
    return vhd_time((uint64_t)time(NULL));
}

uint32_t vhd_bitmap_bytes(uint32_t block_size)
{
    uint32_t bits = block_size / 512;
    return ((bits + 7) / 8 + 511) / 512 * 512;
}

uint32_t vhd_locator_space(const struct vhd_locator *l)
{
    /* A value under a sector can only be a sector count; so can anything
     * that would not be a whole number of sectors in bytes. */
    if (l->space < 512 || l->space % 512)
        return l->space * 512;
    return l->space;
}

int vhd_utf8_to_utf16(const char *in, uint8_t *out, size_t outlen, bool be)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p) {
        uint32_t cp;
        int extra;
        if (*p < 0x80) {
            cp = *p;
            extra = 0;
        } else if ((*p & 0xe0) == 0xc0) {
            cp = *p & 0x1f;
            extra = 1;
        } else if ((*p & 0xf0) == 0xe0) {
            cp = *p & 0x0f;
            extra = 2;
        } else if ((*p & 0xf8) == 0xf0) {
            cp = *p & 0x07;
            extra = 3;
        } else {
            return -EINVAL;
        }
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return -EINVAL;
            cp = cp << 6 | (*p & 0x3f);
        }
        uint16_t units[2];
        int n = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = (uint16_t)(0xd800 | (cp >> 10));
            units[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
            n = 2;
        } else {
            units[0] = (uint16_t)cp;
        }
        for (int i = 0; i < n; i++) {
            if (o + 2 > outlen)
                return -EINVAL;
            out[o + (be ? 0 : 1)] = (uint8_t)(units[i] >> 8);
            out[o + (be ? 1 : 0)] = (uint8_t)(units[i] & 0xff);
            o += 2;
        }
    }
    return (int)o;
}

int vhd_utf16_to_utf8(const uint8_t *in, size_t inlen, bool be, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i + 1 < inlen; i += 2) {
        uint32_t u = be ? (uint32_t)(in[i] << 8 | in[i + 1]) : (uint32_t)(in[i + 1] << 8 | in[i]);
        if (u == 0)
            break;
        if (u >= 0xd800 && u < 0xdc00) {
            if (i + 3 >= inlen)
                return -EINVAL;
            uint32_t lo = be ? (uint32_t)(in[i + 2] << 8 | in[i + 3])
                             : (uint32_t)(in[i + 3] << 8 | in[i + 2]);
            if (lo < 0xdc00 || lo >= 0xe000)
                return -EINVAL;
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        } else if (u >= 0xdc00 && u < 0xe000) {
            return -EINVAL;
        }
        char buf[4];
        int n;
        if (u < 0x80) {
            buf[0] = (char)u;
            n = 1;
        } else if (u < 0x800) {
            buf[0] = (char)(0xc0 | u >> 6);
            buf[1] = (char)(0x80 | (u & 0x3f));
            n = 2;
        } else if (u < 0x10000) {
            buf[0] = (char)(0xe0 | u >> 12);
            buf[1] = (char)(0x80 | ((u >> 6) & 0x3f));
            buf[2] = (char)(0x80 | (u & 0x3f));
            n = 3;
        } else {
            buf[0] = (char)(0xf0 | u >> 18);
            buf[1] = (char)(0x80 | ((u >> 12) & 0x3f));
            buf[2] = (char)(0x80 | ((u >> 6) & 0x3f));
            buf[3] = (char)(0x80 | (u & 0x3f));
            n = 4;
        }
        if (o + (size_t)n + 1 > outlen)
            return -EINVAL;
        memcpy(out + o, buf, (size_t)n);
        o += (size_t)n;
    }
    if (o + 1 > outlen)
        return -EINVAL;
    out[o] = '\0';
    return (int)o;
}

int vhd_locator_encode(uint32_t code, const char *path, uint8_t *out, size_t outlen)
{
    char tmp[4200];
    if (code == VHD_LOC_MACX) {
        int n = snprintf(tmp, sizeof(tmp), "file://%s", path);
        if (n < 0 || (size_t)n >= sizeof(tmp) || (size_t)n > outlen)
            return -EINVAL;
        memcpy(out, tmp, (size_t)n);
        return n;
    }
    if (strlen(path) >= sizeof(tmp))
        return -EINVAL;
    strcpy(tmp, path);
    for (char *c = tmp; *c; c++)
        if (*c == '/')
            *c = '\\';
    return vhd_utf8_to_utf16(tmp, out, outlen, false);
}

int vhd_locator_decode(uint32_t code, const uint8_t *data, size_t len, char *path,
                       size_t pathlen)
{
    if (code == VHD_LOC_MACX) {
        size_t skip = len >= 7 && memcmp(data, "file://", 7) == 0 ? 7 : 0;
        size_t n = strnlen((const char *)data + skip, len - skip);
        if (n + 1 > pathlen)
            return -EINVAL;
        memcpy(path, data + skip, n);
        path[n] = '\0';
        return (int)n;
    }
    if (code != VHD_LOC_W2RU && code != VHD_LOC_W2KU)
        return -EINVAL;
    int n = vhd_utf16_to_utf8(data, len, false, path, pathlen);
    if (n < 0)
        return n;
    for (char *c = path; *c; c++)
        if (*c == '\\')
            *c = '/';
    return n;
}
