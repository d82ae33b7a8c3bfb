/* An open VHD image and its parent chain. */
#ifndef XENOLITH_XNS_VHD_H
#define XENOLITH_XNS_VHD_H

#include <pthread.h>

#include "backends/storage/blob.h"
#include "backends/storage/vhd_fmt.h"
#include "backends/storage/xnstorage.h"

struct vhd {
    struct blob *b;
    struct vhd_footer ft;
    struct vhd_header hdr;      /* dynamic and differencing only */
    bool footer_copy_ok;        /* the copy at offset 0 matches the footer */
    uint64_t footer_off;        /* where the footer sits: the blob's last sector */
    uint32_t *bat;              /* host order */
    uint32_t nbat;
    uint32_t block_size, spb, bm_bytes;
    uint64_t meta_end;          /* no block may start before this */
    uint64_t bat_room;          /* bytes from the BAT's start to the first block */
    uint64_t next_block;        /* where the next block is allocated */
    uint8_t **bm;               /* cached sector bitmaps, NULL until read */
    struct vhd *parent;
    char parent_path[4096];
    pthread_mutex_t lock;       /* BAT, bitmaps, next_block, footer_off */
};

/* vhd_open flags */
#define VHD_OPEN_WRITE 0x1
#define VHD_OPEN_NOPARENT 0x2 /* do not open (or require) the parent */

int vhd_open(const char *target, int flags, struct vhd **out);
void vhd_close(struct vhd *v);
int vhd_read(struct vhd *v, void *buf, size_t len, uint64_t off);
int vhd_write(struct vhd *v, const void *buf, size_t len, uint64_t off);
int vhd_discard(struct vhd *v, uint64_t off, uint64_t len);
int vhd_flush(struct vhd *v);

/* Shared by the open, create and maintenance code. */
int vhd_write_footer_at(struct vhd *v, uint64_t off);
int vhd_write_header(struct vhd *v);
int vhd_write_bat_entry(struct vhd *v, uint32_t blk);
int vhd_load_bitmap(struct vhd *v, uint32_t blk);
/* Moves the footer (of a file) so that [0, end) is free for data; on a
 * device, fails when end runs into the footer. */
int vhd_make_room(struct vhd *v, uint64_t end);
/* The parent's path as the locators give it, relative to the child. */
int vhd_find_parent(struct vhd *v, char *path, size_t len);
/* Whether parent names an image in child's directory (the directories
 * compared once resolved): the only place a parent may be. */
bool vhd_parent_beside(const char *child, const char *parent);
/* Relative path from the directory of `from` to `to`. */
void vhd_relative_path(const char *from, const char *to, char *out, size_t len);

#endif
