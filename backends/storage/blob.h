/*
 * A blob is the bytes an image lives in: a file, a block device, or a
 * logical volume reached through its segments on the physical volumes
 * (when there is no device-mapper to give it a block device).
 */
#ifndef XENOLITH_XNS_BLOB_H
#define XENOLITH_XNS_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blob_seg {
    uint64_t lv_off, len; /* bytes of the LV this segment covers */
    int pv;               /* index into pv_fds */
    uint64_t pv_off;      /* where they start on that PV */
};

struct blob {
    char *name;     /* the target as the user named it, for messages */
    bool writable;
    bool growable;  /* a regular file: writes past the end extend it */
    bool is_file;   /* holes read as zeros and can be punched */
    uint64_t size;  /* current size in bytes */
    int fd;         /* file or block device; -1 for a segment map */
    struct blob_seg *segs;
    size_t nsegs;
    int *pv_fds;
    size_t npvs;
};

/* Opens a target (file, block device, /dev/VG/LV). Fails with a message
 * naming the target. */
int blob_open(const char *target, bool writable, struct blob **out);
void blob_close(struct blob *b);
/* Whole transfers or -errno (with a message). Reads past the end of a
 * file give zeros. */
int blob_pread(struct blob *b, void *buf, size_t len, uint64_t off);
int blob_pwrite(struct blob *b, const void *buf, size_t len, uint64_t off);
int blob_sync(struct blob *b);
/* Asks the kernel to drop the blob's clean cached pages (advisory). */
void blob_drop_cache(struct blob *b);
/* Makes a range read as zeros: a hole where the filesystem can punch one
 * or zeroing on a block device, else zeros written. */
int blob_zero(struct blob *b, uint64_t off, uint64_t len);
/* Advisory: frees the range's space if the store can (and it then reads
 * as zeros); 1 when it did, 0 when it could not, -errno on I/O error. */
int blob_discard(struct blob *b, uint64_t off, uint64_t len);
int blob_truncate(struct blob *b, uint64_t size);
/* Bytes actually allocated (st_blocks for files, size otherwise). */
uint64_t blob_used(struct blob *b);

/* True when the kernel has device-mapper (and XENOLITH_LVM_NODM is unset). */
bool xns_have_dm(void);

#endif
