/* VHD structures to and from their big-endian on-disk bytes. */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backends/storage/vhd_fmt.h"

static void put16(uint8_t *p, uint16_t v)
{
    v = htobe16(v);
    memcpy(p, &v, 2);
}
static void put32(uint8_t *p, uint32_t v)
{
    v = htobe32(v);
    memcpy(p, &v, 4);
}
static void put64(uint8_t *p, uint64_t v)
{
    v = htobe64(v);
    memcpy(p, &v, 8);
}
static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return be16toh(v);
}
static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return be32toh(v);
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return be64toh(v);
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
    memset(b, 0, VHD_FOOTER_SIZE);
    memcpy(b, f->cookie, 8);
    put32(b + 8, f->features);
    put32(b + 12, f->version);
    put64(b + 16, f->data_offset);
    put32(b + 24, f->timestamp);
    memcpy(b + 28, f->creator_app, 4);
    put32(b + 32, f->creator_version);
    put32(b + 36, f->creator_os);
    put64(b + 40, f->orig_size);
    put64(b + 48, f->curr_size);
    put16(b + 56, f->cylinders);
    b[58] = f->heads;
    b[59] = f->sectors;
    put32(b + 60, f->type);
    memcpy(b + 68, f->uuid, 16);
    b[84] = f->saved_state;
    b[85] = f->hidden;
    put32(b + 64, vhd_checksum(b, VHD_FOOTER_SIZE, 64));
}

int vhd_footer_decode(const uint8_t b[VHD_FOOTER_SIZE], struct vhd_footer *f, char *why,
                      size_t whylen)
{
    memset(f, 0, sizeof(*f));
    memcpy(f->cookie, b, 8);
    if (memcmp(f->cookie, "conectix", 8) != 0) {
        snprintf(why, whylen, "no VHD footer (cookie is not \"conectix\")");
        return -EINVAL;
    }
    f->features = get32(b + 8);
    f->version = get32(b + 12);
    f->data_offset = get64(b + 16);
    f->timestamp = get32(b + 24);
    memcpy(f->creator_app, b + 28, 4);
    f->creator_version = get32(b + 32);
    f->creator_os = get32(b + 36);
    f->orig_size = get64(b + 40);
    f->curr_size = get64(b + 48);
    f->cylinders = get16(b + 56);
    f->heads = b[58];
    f->sectors = b[59];
    f->type = get32(b + 60);
    f->checksum = get32(b + 64);
    memcpy(f->uuid, b + 68, 16);
    f->saved_state = b[84];
    f->hidden = b[85];
    uint32_t want = vhd_checksum(b, VHD_FOOTER_SIZE, 64);
    if (f->checksum != want) {
        snprintf(why, whylen, "footer checksum is 0x%08x, its contents sum to 0x%08x",
                 f->checksum, want);
        return -EINVAL;
    }
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
    memset(b, 0, VHD_HEADER_SIZE);
    memcpy(b, h->cookie, 8);
    put64(b + 8, h->data_offset);
    put64(b + 16, h->table_offset);
    put32(b + 24, h->version);
    put32(b + 28, h->max_entries);
    put32(b + 32, h->block_size);
    memcpy(b + 40, h->parent_uuid, 16);
    put32(b + 56, h->parent_timestamp);
    for (int i = 0; i < VHD_PARENT_NAME_UNITS; i++)
        put16(b + 64 + 2 * i, h->parent_name[i]);
    for (int i = 0; i < VHD_NLOCATORS; i++) {
        uint8_t *l = b + 576 + 24 * i;
        put32(l, h->loc[i].code);
        put32(l + 4, h->loc[i].space);
        put32(l + 8, h->loc[i].length);
        put64(l + 16, h->loc[i].offset);
    }
    put32(b + 36, vhd_checksum(b, VHD_HEADER_SIZE, 36));
}

int vhd_header_decode(const uint8_t b[VHD_HEADER_SIZE], struct vhd_header *h, char *why,
                      size_t whylen)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->cookie, b, 8);
    if (memcmp(h->cookie, "cxsparse", 8) != 0) {
        snprintf(why, whylen, "no dynamic disk header (cookie is not \"cxsparse\")");
        return -EINVAL;
    }
    h->data_offset = get64(b + 8);
    h->table_offset = get64(b + 16);
    h->version = get32(b + 24);
    h->max_entries = get32(b + 28);
    h->block_size = get32(b + 32);
    h->checksum = get32(b + 36);
    memcpy(h->parent_uuid, b + 40, 16);
    h->parent_timestamp = get32(b + 56);
    for (int i = 0; i < VHD_PARENT_NAME_UNITS; i++)
        h->parent_name[i] = get16(b + 64 + 2 * i);
    for (int i = 0; i < VHD_NLOCATORS; i++) {
        const uint8_t *l = b + 576 + 24 * i;
        h->loc[i].code = get32(l);
        h->loc[i].space = get32(l + 4);
        h->loc[i].length = get32(l + 8);
        h->loc[i].offset = get64(l + 16);
    }
    uint32_t want = vhd_checksum(b, VHD_HEADER_SIZE, 36);
    if (h->checksum != want) {
        snprintf(why, whylen, "dynamic header checksum is 0x%08x, its contents sum to 0x%08x",
                 h->checksum, want);
        return -EINVAL;
    }
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
