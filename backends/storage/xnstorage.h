/*
 * xnstorage: the one storage library that blkback, and xl's repositories
 * (repo/, a library of their own), read and write guest disks through. Raw files and block
 * devices, VHD images (fixed, dynamic, differencing) and LVM logical
 * volumes holding either.
 *
 * Disk handles
 *   xns_open(target, format, flags) gives a handle; xns_read / xns_write
 *   take byte offsets and lengths (any granularity; backends normally use
 *   whole 512-byte sectors, see the xns_*_sectors helpers), xns_flush makes
 *   every acknowledged write durable, xns_discard drops data where the
 *   format allows (a hint: it never fails because the format cannot),
 *   xns_size is the virtual size, xns_close flushes and frees.
 *
 *   Thread safety: a handle may be used from any number of threads at once.
 *   Metadata (BAT, sector bitmaps, block allocation) is serialised inside
 *   the handle; data moves with pread/pwrite outside that lock, so
 *   independent requests run in parallel, as on a disk. Overlapping writes
 *   in flight at the same time land in no defined order, as on a disk. A
 *   backend with an event loop runs requests on a small thread pool (or
 *   several handles); no call blocks on anything but its own I/O.
 *   xns_close must not race with other calls on the same handle.
 *
 *   A call returns 0 or -errno; the message that goes with the last failure
 *   on this thread (naming the file and the fault) is xns_strerror().
 *
 * Targets
 *   A path to a file or block device. A path /dev/VG/LV names a logical
 *   volume: where the kernel has device-mapper and the LV is active it is
 *   opened as a block device; where it has none the library asks lvm2 for
 *   the LV's segment map and reads and writes the physical volumes
 *   directly (XENOLITH_LVM_NODM=1 forces that path).
 */
#ifndef XENOLITH_XNSTORAGE_H
#define XENOLITH_XNSTORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XNS_SECTOR 512u

enum xns_format {
    XNS_FMT_AUTO, /* VHD when the target carries a VHD footer, else raw */
    XNS_FMT_RAW,
    XNS_FMT_VHD,
};

enum xns_vhd_type {
    XNS_VHD_NONE = 0,
    XNS_VHD_FIXED = 2,
    XNS_VHD_DYNAMIC = 3,
    XNS_VHD_DIFF = 4,
};

/* xns_open flags */
#define XNS_RDONLY 0x0
#define XNS_RDWR 0x1

struct xns_disk;

/* The message of this thread's last failure: "FILE: what is wrong". */
const char *xns_strerror(void);

int xns_open(const char *target, enum xns_format fmt, int flags, struct xns_disk **out);
int xns_read(struct xns_disk *d, void *buf, size_t len, uint64_t off);
int xns_write(struct xns_disk *d, const void *buf, size_t len, uint64_t off);
int xns_flush(struct xns_disk *d);
int xns_discard(struct xns_disk *d, uint64_t off, uint64_t len);
uint64_t xns_size(const struct xns_disk *d);
/* Flushes, then drops what the host's page cache holds of the disk (its
 * parents too): later reads come from the store, and the cache is built
 * anew by them, whatever writes filled it before. */
int xns_drop_cache(struct xns_disk *d);
/* Flushes when writable; returns the flush's result. Always frees. */
int xns_close(struct xns_disk *d);

static inline int xns_read_sectors(struct xns_disk *d, void *buf, uint64_t sector, uint32_t n)
{
    return xns_read(d, buf, (size_t)n * XNS_SECTOR, sector * XNS_SECTOR);
}
static inline int xns_write_sectors(struct xns_disk *d, const void *buf, uint64_t sector,
                                    uint32_t n)
{
    return xns_write(d, buf, (size_t)n * XNS_SECTOR, sector * XNS_SECTOR);
}

struct xns_info {
    enum xns_format format;
    enum xns_vhd_type vhd_type;
    uint64_t size;          /* virtual size, bytes */
    uint64_t phys_size;     /* bytes the image occupies (file size / LV size) */
    uint64_t phys_used;     /* allocated bytes (du for files) */
    uint32_t block_size;    /* VHD dynamic/differencing */
    uint32_t blocks_allocated;
    uint8_t uuid[16];       /* VHD footer UUID */
    uint8_t parent_uuid[16];
    char parent[4096];      /* resolved parent target, "" when none */
    bool hidden;            /* blktap's hidden flag (footer byte 85) */
    int depth;              /* 1 for an image without parent */
};
int xns_info(struct xns_disk *d, struct xns_info *out);
/* The format of a target without opening it as a disk: XNS_FMT_VHD or
 * XNS_FMT_RAW, or -errno. */
int xns_probe(const char *target);

/* Image creation. size is rounded up to a whole sector. */
struct xns_create_opts {
    enum xns_format format;     /* RAW or VHD */
    enum xns_vhd_type vhd_type; /* FIXED, DYNAMIC or DIFF (default DYNAMIC) */
    uint64_t size;              /* ignored for DIFF: the parent's size */
    const char *parent;         /* DIFF: the parent target */
    uint32_t block_size;        /* 0: 2 MiB */
    uint64_t bat_reserve;       /* virtual bytes the BAT is sized for (grow in
                                   place up to it); 0: 2 TiB on files, the size
                                   on fixed-size targets */
    bool hidden;
    bool preallocate;           /* raw: write zeros rather than leave a hole */
    const uint8_t *uuid;        /* NULL: random */
};
/* Creates a new file (refuses to overwrite one) or formats an existing
 * block device / LV target. */
int xns_create(const char *target, const struct xns_create_opts *o);

/* check: one callback per fault found (and per repair done). Returns the
 * number of faults left (0 = clean), or -errno when the image could not be
 * read at all. With repair, only what is safe is repaired: a footer
 * restored from its intact copy, a copy restored from the footer. */
typedef void xns_report_fn(void *ctx, const char *msg);
int xns_check(const char *target, bool repair, xns_report_fn *report, void *ctx);

/* Progress of long operations: done of total bytes. */
typedef void xns_progress_fn(void *ctx, uint64_t done, uint64_t total);

/* Grow (never shrink) a raw or VHD image to new_size bytes. An LV target
 * must already have been extended by lvextend; the VHD footer moves to
 * its end. */
int xns_resize(const char *target, uint64_t new_size);

/* Writes every sector a differencing image holds into its parent (opened
 * writable). The child is not changed and still reads the same. */
int xns_coalesce(const char *child, xns_progress_fn *progress, void *ctx);

/* Footer fields that the repository layer manages. */
int xns_vhd_set_hidden(const char *target, bool hidden);
/* Points a differencing image at a new parent (parent UUID, timestamp,
 * name and locators). The new parent must read identically to the old
 * one; that is the caller's promise (coalesce, rename). */
int xns_vhd_set_parent(const char *target, const char *parent);

/* Copies the virtual contents of one open disk to another of at least the
 * same size, skipping zero runs (so a dynamic VHD stays sparse). */
int xns_copy(struct xns_disk *src, struct xns_disk *dst, xns_progress_fn *progress, void *ctx);

/* UUID helpers: 36 characters + NUL. */
void xns_uuid_generate(uint8_t uuid[16]);
void xns_uuid_format(const uint8_t uuid[16], char out[37]);
int xns_uuid_parse(const char *s, uint8_t uuid[16]);

#endif
