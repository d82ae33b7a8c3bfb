/* What a kind of SR (file, LVM) does for the common repository code:
 * keep images under a VDI uuid, their names and flags, and a journal. */
#ifndef XENOLITH_XNS_REPO_STORE_H
#define XENOLITH_XNS_REPO_STORE_H

#include "backends/storage/repo/repo.h"

struct store_ops {
    /* Every image: uuid, format, target, name, read_only filled in. */
    int (*list)(const struct repo *r, struct vdi **list, size_t *n);
    void (*target)(const struct repo *r, const char *uuid, enum xns_format fmt, char *out,
                   size_t len);
    /* Makes room for an image and formats it (xns_create). */
    int (*create)(const struct repo *r, const char *uuid, const struct xns_create_opts *o);
    int (*remove)(const struct repo *r, const char *uuid, enum xns_format fmt);
    /* Atomic: afterwards the image is under the new uuid only. */
    int (*rename)(const struct repo *r, const char *from, const char *to, enum xns_format fmt);
    int (*set_meta)(const struct repo *r, const char *uuid, enum xns_format fmt,
                    const char *name, bool read_only);
    int (*del_meta)(const struct repo *r, const char *uuid);
    /* Room for a larger image (lvextend); the format change is common. */
    int (*grow)(const struct repo *r, const char *uuid, enum xns_format fmt, uint64_t size);
    /* One journal line at a time; "" when there is none. */
    int (*journal_get)(const struct repo *r, char *buf, size_t len);
    int (*journal_set)(const struct repo *r, const char *line);
    /* Called by destroy once no VDI is left. */
    int (*destroy)(const struct repo *r);
};

extern const struct store_ops store_file_ops, store_lvm_ops;

static inline const struct store_ops *store_of(const struct repo *r)
{
    return r->type == REPO_LVM ? &store_lvm_ops : &store_file_ops;
}

/* File SR metadata and LVM SR creation, used by repo.c. */
int store_file_init(const struct repo *r);
int store_lvm_init(const struct repo *r);
int store_file_read_sr(const char *dir, char *uuid, size_t ulen, char *name, size_t nlen);
/* The VDI uuid an image target belongs to (from <uuid>.vhd or VHD-<uuid>). */
void store_uuid_of_target(const char *target, char *uuid, size_t len);

#endif
