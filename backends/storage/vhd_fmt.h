/*
 * The Microsoft VHD on-disk structures: footer, dynamic disk header,
 * parent locators, BAT, sector bitmaps. All fields are big-endian on disk;
 * these structs hold them in host order, and encode/decode convert. Pure
 * functions: no I/O here.
 */
#ifndef XENOLITH_XNS_VHD_FMT_H
#define XENOLITH_XNS_VHD_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHD_FOOTER_SIZE 512
#define VHD_HEADER_SIZE 1024
#define VHD_BAT_FREE 0xFFFFFFFFu
#define VHD_NO_OFFSET 0xFFFFFFFFFFFFFFFFull
#define VHD_DEFAULT_BLOCK (2u * 1024 * 1024)
#define VHD_MAX_BLOCK (256u * 1024 * 1024)
#define VHD_FEATURES_RESERVED 0x2u
#define VHD_VERSION 0x00010000u
#define VHD_HEADER_VERSION 0x00010000u
/* Seconds between the Unix epoch and VHD's, 2000-01-01 00:00:00 UTC. */
#define VHD_EPOCH_OFFSET 946684800u
#define VHD_NLOCATORS 8
#define VHD_PARENT_NAME_UNITS 256

/* Parent locator platform codes. */
#define VHD_LOC_NONE 0u
#define VHD_LOC_W2RU 0x57327275u /* "W2ru": relative path, UTF-16LE */
#define VHD_LOC_W2KU 0x57326B75u /* "W2ku": absolute path, UTF-16LE */
#define VHD_LOC_MACX 0x4D616358u /* "MacX": file:// URL, UTF-8 */

struct vhd_footer {
    char cookie[8];
    uint32_t features;
    uint32_t version;
    uint64_t data_offset;
    uint32_t timestamp;
    char creator_app[4];
    uint32_t creator_version;
    uint32_t creator_os;
    uint64_t orig_size;
    uint64_t curr_size;
    uint16_t cylinders;
    uint8_t heads;
    uint8_t sectors;
    uint32_t type;
    uint32_t checksum;
    uint8_t uuid[16];
    uint8_t saved_state;
    uint8_t hidden; /* blktap's use of the first reserved byte */
};

struct vhd_locator {
    uint32_t code;
    uint32_t space; /* bytes reserved (see vhd_locator_space) */
    uint32_t length;
    uint64_t offset;
};

struct vhd_header {
    char cookie[8];
    uint64_t data_offset;
    uint64_t table_offset;
    uint32_t version;
    uint32_t max_entries;
    uint32_t block_size;
    uint32_t checksum;
    uint8_t parent_uuid[16];
    uint32_t parent_timestamp;
    uint16_t parent_name[VHD_PARENT_NAME_UNITS]; /* UTF-16 code units */
    struct vhd_locator loc[VHD_NLOCATORS];
};

/* One's complement of the byte sum, with the checksum field counted as 0. */
uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t checksum_off);

void vhd_footer_encode(const struct vhd_footer *f, uint8_t buf[VHD_FOOTER_SIZE]);
/* 0, or -EINVAL with the fault in why ("bad cookie", "bad checksum ..."). */
int vhd_footer_decode(const uint8_t buf[VHD_FOOTER_SIZE], struct vhd_footer *f, char *why,
                      size_t whylen);
void vhd_header_encode(const struct vhd_header *h, uint8_t buf[VHD_HEADER_SIZE]);
int vhd_header_decode(const uint8_t buf[VHD_HEADER_SIZE], struct vhd_header *h, char *why,
                      size_t whylen);

/* The CHS geometry the VHD specification derives from a size. */
void vhd_geometry(uint64_t sectors, uint16_t *cyl, uint8_t *heads, uint8_t *spt);
uint32_t vhd_time(uint64_t unix_seconds);
uint32_t vhd_time_now(void);

/* Bytes of a block's sector bitmap: one bit per sector, padded to a sector. */
uint32_t vhd_bitmap_bytes(uint32_t block_size);
static inline bool vhd_bit(const uint8_t *bm, uint32_t sector)
{
    return bm[sector >> 3] & (0x80u >> (sector & 7));
}
static inline void vhd_set_bit(uint8_t *bm, uint32_t sector)
{
    bm[sector >> 3] |= (uint8_t)(0x80u >> (sector & 7));
}
static inline bool vhd_is_pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

/* A locator's data space field: the spec says sectors, Windows and blktap
 * write bytes. Reads accept both; writes use bytes. */
uint32_t vhd_locator_space(const struct vhd_locator *l);

/* UTF-8 <-> UTF-16 (little or big endian bytes). Return the output length
 * (bytes for UTF-16, without NUL for UTF-8) or -EINVAL on bad input or no
 * room. */
int vhd_utf8_to_utf16(const char *in, uint8_t *out, size_t outlen, bool big_endian);
int vhd_utf16_to_utf8(const uint8_t *in, size_t inlen, bool big_endian, char *out,
                      size_t outlen);

/* Locator data for a path: W2ru/W2ku take backslashes, MacX a file URL.
 * vhd_locator_path turns stored data back into a POSIX path. */
int vhd_locator_encode(uint32_t code, const char *path, uint8_t *out, size_t outlen);
int vhd_locator_decode(uint32_t code, const uint8_t *data, size_t len, char *path,
                       size_t pathlen);

#endif
