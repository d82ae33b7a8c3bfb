/*
 * Storage repositories (SRs) and the disk images in them (VDIs), in the
 * spirit of XenServer's storage manager.
 *
 * A file SR is a directory of <uuid>.vhd / <uuid>.raw files and a small
 * metadata file, sr-meta.json (SR name and uuid, VDI names and flags).
 * An LVM SR is a volume group VG_XenStorage-<uuid> made by lvm2, whose
 * VDIs are logical volumes VHD-<uuid> (a VHD inside, sized for the whole
 * disk) or LV-<uuid> (raw); names and flags are LV tags. A VG made by
 * hand can be introduced: its other LVs show as raw VDIs named by the LV.
 *
 * Snapshots and clones are O(1), as XenServer's: the VDI's image becomes
 * a hidden read-only base, the VDI (same uuid and name) becomes a new
 * empty differencing child of it, and the snapshot or clone another
 * child. Each multi-step change writes a journal first; any later
 * operation on the SR (and sr-scan) finishes or undoes it.
 *
 * The SRs this host knows are listed in $XENOLITH_SR_DB (default
 * /var/lib/xenolith/sr.json).
 */
#ifndef XENOLITH_XNS_REPO_H
#define XENOLITH_XNS_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/storage/xnstorage.h"

#define REPO_NAME_MAX 64

enum repo_type { REPO_FILE, REPO_LVM };

struct repo {
    char uuid[37];
    char name[REPO_NAME_MAX + 1];
    enum repo_type type;
    char location[1024]; /* file: the directory; lvm: the VG name */
    char device[1024];   /* lvm: the PV it was made on ("" if introduced) */
};

struct vdi {
    char uuid[128];      /* a UUID, or the LV name of a foreign volume */
    char name[REPO_NAME_MAX + 1];
    enum xns_format format;
    bool hidden;         /* a base copy under snapshots */
    bool read_only;      /* a snapshot */
    uint64_t size;       /* virtual */
    uint64_t phys;       /* bytes it occupies */
    char parent[128];    /* the parent VDI's uuid, "" if none */
    char target[1200];   /* what xns_open takes */
};

const char *repo_type_name(enum repo_type t);
/* [A-Za-z0-9._+-]{1,64}: names travel in LV tags and file names. */
bool repo_name_ok(const char *name);
/* "10G", "512M", "1048576" (bytes), "1.5T" -> bytes; -EINVAL otherwise. */
int repo_parse_size(const char *s, uint64_t *out);

/* The registry. */
int repo_db_path(char *out, size_t len);
int repo_db_load(struct repo **list, size_t *n);
int repo_find(const char *name_or_uuid, struct repo *out);

int repo_create(enum repo_type type, const char *name, const char *where, struct repo *out);
/* Registers an SR that exists: a file SR's directory, or any VG. */
int repo_introduce(enum repo_type type, const char *name, const char *where, struct repo *out);
/* Refuses an SR with VDIs unless force. Forgets it either way on success. */
int repo_destroy(const struct repo *r, bool force);
/* Finishes journals, adopts images it finds, drops records of images that
 * are gone, removes hidden bases no VDI needs any more. */
int repo_scan(const struct repo *r);

int repo_vdi_list(const struct repo *r, struct vdi **list, size_t *n);
int repo_vdi_find(const struct repo *r, const char *name_or_uuid, struct vdi *out);
int repo_vdi_create(const struct repo *r, const char *name, uint64_t size, enum xns_format fmt,
                    struct vdi *out);
int repo_vdi_destroy(const struct repo *r, const struct vdi *v);
/* Snapshot (read-only) or clone (writable) of v, named name. */
int repo_vdi_snapshot(const struct repo *r, const struct vdi *v, const char *name, bool clone,
                      struct vdi *out);
int repo_vdi_resize(const struct repo *r, const struct vdi *v, uint64_t size);
/* Merges v into its hidden parent when v is that parent's only child;
 * the VDI keeps its uuid and name, the chain is one shorter. */
int repo_vdi_coalesce(const struct repo *r, const struct vdi *v, xns_progress_fn *progress,
                      void *ctx);
int repo_vdi_copy(const struct repo *r, const struct vdi *v, const struct repo *dst,
                  const char *name, enum xns_format fmt, xns_progress_fn *progress, void *ctx,
                  struct vdi *out);

/* "sr:SR/VDI" (xl-disk-configuration(5)) to a target and format. */
int repo_resolve_disk(const char *spec, char *target, size_t len, enum xns_format *fmt);

#endif
