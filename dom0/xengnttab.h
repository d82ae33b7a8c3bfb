/*
 * Grant mapping and copying for Dom0 programs, with libxengnttab's
 * interface. xenolithd checks every ref and marks it mapped; the pages
 * themselves come straight from the guest's memory file into this
 * process. A mapping outlives the guest: it stays valid until unmapped.
 * Errors: NULL or -1 with errno; xengnttab_error() says more.
 */
#ifndef XENOLITH_XENGNTTAB_H
#define XENOLITH_XENGNTTAB_H

#include <stdint.h>

#include "include/xen_public.h"

typedef struct xengnttab_handle xengnttab_handle;

typedef struct xengnttab_grant_copy_segment {
    union xengnttab_copy_ptr {
        void *virt;
        struct {
            grant_ref_t ref;
            uint16_t offset;
            domid_t domid;
        } foreign;
    } source, dest;
    uint16_t len;
    uint16_t flags;  /* GNTCOPY_source_gref, GNTCOPY_dest_gref */
    int16_t status;  /* GNTST_* */
} xengnttab_grant_copy_segment_t;

xengnttab_handle *xengnttab_open(void *logger, unsigned open_flags);
int xengnttab_close(xengnttab_handle *xgt);
/* prot: PROT_READ, or PROT_READ | PROT_WRITE. */
void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot);
void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t *domids,
                               uint32_t *refs, int prot);
void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid,
                                      uint32_t *refs, int prot);
int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count);
int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
                         xengnttab_grant_copy_segment_t *segs);
/* Xenolith's addition: as map_grant_refs, with each ref's GNTST_* status
 * in status[] (filled also when the call fails). */
void *xengnttab_map_grant_refs_status(xengnttab_handle *xgt, uint32_t count, uint32_t *domids,
                                      uint32_t *refs, int prot, int16_t *status);
const char *xengnttab_error(xengnttab_handle *xgt);

#endif
