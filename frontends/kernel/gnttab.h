/*
 * Grant tables, v1: the table is the kernel's own memory (pages of its
 * BSS that XENMEM_add_to_physmap turns into grant frames), and granting
 * is writing an entry there. The pattern a frontend follows: grant a
 * page to the backend's domain, pass the ref, notify; and take access
 * back only when the backend no longer has it mapped.
 */
#ifndef FRONTENDS_KERNEL_GNTTAB_H
#define FRONTENDS_KERNEL_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "include/xen_public.h"

#define GNTTAB_FRAMES 4
#define GNTTAB_ENTRIES_PER_FRAME (4096 / sizeof(grant_entry_v1_t))
#define GNTTAB_NR_ENTRIES (GNTTAB_FRAMES * GNTTAB_ENTRIES_PER_FRAME)

/* Add the frames (once; later calls return the first result). */
long gnttab_init(void);
bool gnttab_ready(void);

/* Frame idx's page: where the kernel keeps it and its gpfn. */
grant_entry_v1_t *gnttab_frame(unsigned idx);
uint64_t gnttab_frame_gpfn(unsigned idx);

/* Let domid access frame gfn; the ref (>= GNTTAB_NR_RESERVED_ENTRIES),
 * or -1 when every entry is in use. */
long gnttab_grant_access(domid_t domid, uint64_t gfn, bool readonly);

/* Take the grant back: fails (and keeps the ref granted) while the
 * grantee has it mapped, GTF_reading or GTF_writing set. */
bool gnttab_end_access(grant_ref_t ref);

grant_entry_v1_t *gnttab_entry(grant_ref_t ref);

/* Refs still granted (tests check they clean up after themselves). */
unsigned gnttab_refs_in_use(void);

#endif
