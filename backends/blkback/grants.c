/* A request's data pages: persistent grants from the ring's cache, the
 * rest mapped in one call. With feature-persistent the frontend keeps
 * reusing the same grants, so after warm-up no request maps anything. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backends/blkback/blkback.h"

static unsigned hash(grant_ref_t g)
{
    return (g * 2654435761u) & (BB_PGRANT_HASH - 1);
}

static void *pg_lookup(struct bb_ring *r, grant_ref_t g)
{
    if (!r->pgrants)
        return NULL;
    for (unsigned i = hash(g), n = 0; n < BB_PGRANT_HASH; i = (i + 1) & (BB_PGRANT_HASH - 1), n++) {
        if (!r->pgrants[i].page)
            return NULL;
        if (r->pgrants[i].gref == g)
            return r->pgrants[i].page;
    }
    return NULL;
}

static void pg_insert(struct bb_ring *r, grant_ref_t g, void *page)
{
    for (unsigned i = hash(g);; i = (i + 1) & (BB_PGRANT_HASH - 1)) {
        if (!r->pgrants[i].page) {
            r->pgrants[i] = (struct bb_pgrant){.gref = g, .page = page};
            r->npgrants++;
            return;
        }
    }
}

int bb_grants_map(struct bb_req *q, bool need_write)
{
    struct bb_ring *r = q->ring;
    struct bb_vbd *v = r->vbd;
    xengnttab_handle *xgt = v->ctx->xgt;
    uint32_t refs[BB_MAX_REQ_SEGS], domids[BB_MAX_REQ_SEGS];
    unsigned where[BB_MAX_REQ_SEGS], n = 0;

    q->temp_addr = NULL;
    q->temp_count = 0;
    for (unsigned i = 0; i < q->nsegs; i++) {
        q->pages[i] = v->persistent ? pg_lookup(r, q->segs[i].gref) : NULL;
        if (q->pages[i])
            continue;
        /* A gref twice in one request is mapped once. */
        unsigned j;
        for (j = 0; j < n; j++)
            if (refs[j] == q->segs[i].gref)
                break;
        if (j == n) {
            refs[n] = q->segs[i].gref;
            domids[n] = v->domid;
            n++;
        }
        where[i] = j;
    }
    if (n == 0)
        return 0;

    /* Persistent grants are mapped writable once and serve both
     * directions, as Linux's blkback does; they are kept while the cache
     * has room for the whole batch. */
    bool keep = v->persistent && r->pgrants && r->npgrants + n <= BB_MAX_PERSISTENT;
    int16_t status[BB_MAX_REQ_SEGS];
    void *addr = xengnttab_map_grant_refs_status(xgt, n, domids, refs,
                                                 (keep || need_write) ? PROT_READ | PROT_WRITE
                                                                      : PROT_READ,
                                                 status);
    if (!addr && keep && !need_write) {
        keep = false;
        addr = xengnttab_map_grant_refs_status(xgt, n, domids, refs, PROT_READ, status);
    }
    if (!addr)
        return -1;
    for (unsigned i = 0; i < q->nsegs; i++)
        if (!q->pages[i])
            q->pages[i] = (uint8_t *)addr + (size_t)where[i] * BB_PAGE_SIZE;
    if (keep) {
        struct bb_pbatch *b = malloc(sizeof(*b));
        if (b) {
            *b = (struct bb_pbatch){.addr = addr, .count = n, .next = r->pbatches};
            r->pbatches = b;
            for (unsigned j = 0; j < n; j++)
                pg_insert(r, refs[j], (uint8_t *)addr + (size_t)j * BB_PAGE_SIZE);
            return 0;
        }
    }
    q->temp_addr = addr;
    q->temp_count = n;
    return 0;
}

void bb_grants_release(struct bb_req *q)
{
    if (q->temp_addr) {
        xengnttab_unmap(q->ring->vbd->ctx->xgt, q->temp_addr, q->temp_count);
        q->temp_addr = NULL;
        q->temp_count = 0;
    }
}

void bb_grants_flush(struct bb_ring *r)
{
    xengnttab_handle *xgt = r->vbd->ctx->xgt;
    while (r->pbatches) {
        struct bb_pbatch *b = r->pbatches;
        r->pbatches = b->next;
        xengnttab_unmap(xgt, b->addr, b->count);
        free(b);
    }
    if (r->pgrants)
        memset(r->pgrants, 0, BB_PGRANT_HASH * sizeof(*r->pgrants));
    r->npgrants = 0;
}
