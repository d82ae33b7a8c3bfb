/*
 * lvm2 through its own tools. Where the kernel has no device-mapper every
 * command runs with --driverloaded n: metadata changes work, activation
 * does not, and data is reached through the segment map instead.
 */
#ifndef XENOLITH_XNS_LVM_H
#define XENOLITH_XNS_LVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/storage/blob.h"

struct lvm_segmap {
    uint64_t lv_size;
    struct blob_seg *segs;
    size_t nsegs;
    char **pvs; /* PV device paths, indexed by blob_seg.pv */
    size_t npvs;
};

struct lvm_lv {
    char name[128];
    uint64_t size;
    char tags[1024]; /* comma-separated, as lvs prints them */
};

/* Runs an lvm2 command (argv[0] is e.g. "lvcreate"; NULL-terminated).
 * stdout is returned in *out when out is non-NULL (free it). On failure
 * the message says what lvm2 said. */
int lvm_run(const char *const argv[], char **out);

int lvm_segmap(const char *vg, const char *lv, struct lvm_segmap *map);
void lvm_segmap_free(struct lvm_segmap *map);
bool lvm_lv_exists(const char *vg, const char *lv);
int lvm_list_lvs(const char *vg, struct lvm_lv **lvs, size_t *n);
/* The VG's extent size and free bytes. */
int lvm_vg_info(const char *vg, uint64_t *extent, uint64_t *free_bytes, char *tags,
                size_t tagslen);
bool lvm_has_tag(const char *tags, const char *tag);

/* Parsers behind the above, separate so they can be tested on canned
 * lvs/pvs output. */
int lvm_parse_segmap(const char *lvs_json, const char *pvs_json, const char *vg,
                     const char *lv, struct lvm_segmap *map);
int lvm_parse_lvs(const char *lvs_json, struct lvm_lv **lvs, size_t *n);

#endif
