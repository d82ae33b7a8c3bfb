/*
 * The config of each domain xl created, kept in <rundir>/xl/ as JSON (the
 * role of libxl's userdata files) so that xl list -l can show it. Stale
 * files cannot mislead: a file counts only while its UUID matches the
 * running domain's.
 */
#ifndef XENOLITH_XNL_USERDATA_H
#define XENOLITH_XNL_USERDATA_H

#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "toolstack/domain_config.h"

/* 0 or -errno. Written to a temporary file and renamed into place. */
int userdata_save(const char *rundir, uint32_t domid, const struct domain_config *dc);
/* The stored config, or NULL when there is none for this domain. Free
 * with yajl_tree_free. */
yajl_val userdata_load(const char *rundir, uint32_t domid, const uint8_t uuid[16]);
void userdata_remove(const char *rundir, uint32_t domid);
/* xl rename: the stored config's c_info.name. 0 or -errno (-ENOENT: no
 * stored config for this domain). */
int userdata_set_name(const char *rundir, uint32_t domid, const uint8_t uuid[16],
                      const char *name);

#endif
