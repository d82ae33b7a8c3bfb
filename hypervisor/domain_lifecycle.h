/*
 * Creating, pausing, unpausing, renaming and destroying domains: the
 * privcmd operations of those names, on the event-loop thread only. Each
 * returns 0 or -errno with a message in err naming what was wrong (err
 * may be NULL with errlen 0 where nobody reads it).
 */
#ifndef XENOLITH_DOMAIN_LIFECYCLE_H
#define XENOLITH_DOMAIN_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "include/privcmd_abi.h"

/* A new domain, paused, with every vCPU thread started and parked; its id
 * in *domid. */
int domain_create(const struct privcmd_create_req *req, uint32_t *domid, char *err,
                  size_t errlen);
/* Returns once no vCPU of it runs guest code. */
int domain_pause(uint32_t domid, char *err, size_t errlen);
int domain_unpause(uint32_t domid, char *err, size_t errlen);
/* Joins the vCPU threads, frees everything and tells Dom0 (VIRQ_DOM_EXC,
 * hv.state_changed). */
int domain_destroy(uint32_t domid, char *err, size_t errlen);
/* A new name, unique among live domains as at creation (xl rename). */
int domain_rename(uint32_t domid, const char *name, char *err, size_t errlen);
/* Every domain, at the daemon's exit. */
void domain_destroy_all(void);

#endif
