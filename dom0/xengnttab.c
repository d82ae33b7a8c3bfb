#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dom0/guest_memory.h"
#include "dom0/xenctl_call.h"
#include "dom0/xengnttab.h"

#define PAGE 4096

/* What one map call made, so unmap can hand the refs back. */
struct mapping {
    struct mapping *next;
    uint8_t *addr;
    uint32_t count;
    int readonly;
    struct privcmd_gnttab_ref refs[];
};

struct xengnttab_handle {
    xenctl *xc;
    struct guest_memory_cache guests;
    struct mapping *maps;
    char err[256];
};

static void set_err(xengnttab_handle *h, int e, const char *msg)
{
    snprintf(h->err, sizeof(h->err), "%s", msg);
    errno = e;
}

xengnttab_handle *xengnttab_open(void *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    xengnttab_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    guest_memory_cache_init(&h->guests);
    h->xc = xenctl_open(NULL, h->err, sizeof(h->err));
    if (!h->xc) {
        int e = errno;
        free(h);
        errno = e;
        return NULL;
    }
    return h;
}

int xengnttab_close(xengnttab_handle *h)
{
    if (!h)
        return 0;
    while (h->maps)
        xengnttab_unmap(h, h->maps->addr, h->maps->count);
    guest_memory_cache_close(&h->guests);
    xenctl_close(h->xc);
    free(h);
    return 0;
}

const char *xengnttab_error(xengnttab_handle *h)
{
    return h->err;
}

/* The guest's memory file: mapped pages come from it. */
/* map (1) or unmap (0) refs in xenolithd; results has count entries. */
static int grant_call(xengnttab_handle *h, int map, uint32_t count,
                      const struct privcmd_gnttab_ref *refs, int readonly,
                      struct privcmd_gnttab_result *results)
{
    size_t len = sizeof(struct privcmd_gnttab_req) + count * sizeof(*refs);
    uint8_t *req = malloc(len);
    if (!req) {
        set_err(h, ENOMEM, "out of memory");
        return -1;
    }
    struct privcmd_gnttab_req hdr = {.count = count, .readonly = (uint32_t)readonly};
    memcpy(req, &hdr, sizeof(hdr));
    memcpy(req + sizeof(hdr), refs, count * sizeof(*refs));
    size_t got = 0;
    int rc = xenctl_call_fds(h->xc, map ? PRIVCMD_OP_GNTTAB_MAP : PRIVCMD_OP_GNTTAB_UNMAP, req,
                             len, NULL, 0, results, count * sizeof(*results), &got, NULL, 0, NULL);
    free(req);
    if (rc) {
        set_err(h, -rc, xenctl_error(h->xc));
        return -1;
    }
    if (got != count * sizeof(*results)) {
        set_err(h, EPROTO, "xenolithd answered with the wrong number of grant results");
        return -1;
    }
    return 0;
}

void *xengnttab_map_grant_refs_status(xengnttab_handle *h, uint32_t count, uint32_t *domids,
                                      uint32_t *refs, int prot, int16_t *status)
{
    if (count == 0 || count > 65536) {
        set_err(h, EINVAL, "a grant map takes 1 to 65536 refs");
        return NULL;
    }
    int readonly = !(prot & PROT_WRITE);
    struct mapping *m = calloc(1, sizeof(*m) + count * sizeof(m->refs[0]));
    struct privcmd_gnttab_result *res = calloc(count, sizeof(*res));
    if (!m || !res) {
        free(m);
        free(res);
        set_err(h, ENOMEM, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++)
        m->refs[i] = (struct privcmd_gnttab_ref){.domid = domids[i], .ref = refs[i]};
    if (grant_call(h, 1, count, m->refs, readonly, res) < 0) {
        free(m);
        free(res);
        return NULL;
    }
    /* One stretch of address space, each page then placed over it from
     * the owning guest's memory file. */
    uint8_t *addr = mmap(NULL, (size_t)count * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int failed = addr == MAP_FAILED;
    for (uint32_t i = 0; i < count; i++) {
        if (status)
            status[i] = (int16_t)res[i].status;
        if (res[i].status != GNTST_okay) {
            failed = 1;
            continue;
        }
        struct guest_memory *g = failed ? NULL
            : guest_memory_cached(&h->guests, h->xc, domids[i], res[i].generation, 0);
        if (!g || mmap(addr + (size_t)i * PAGE, PAGE, readonly ? PROT_READ : PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_FIXED, g->fd, (off_t)res[i].file_offset) == MAP_FAILED)
            failed = 1;
    }
    if (failed) {
        /* All or nothing, as libxengnttab: give back what was granted. */
        struct privcmd_gnttab_ref *back = malloc(count * sizeof(*back));
        uint32_t n = 0;
        for (uint32_t i = 0; back && i < count; i++)
            if (res[i].status == GNTST_okay)
                back[n++] = m->refs[i];
        if (n)
            grant_call(h, 0, n, back, readonly, res);
        free(back);
        if (addr != MAP_FAILED)
            munmap(addr, (size_t)count * PAGE);
        free(m);
        free(res);
        set_err(h, EINVAL, "a grant reference could not be mapped (see the statuses)");
        return NULL;
    }
    free(res);
    m->addr = addr;
    m->count = count;
    m->readonly = readonly;
    m->next = h->maps;
    h->maps = m;
    return addr;
}

void *xengnttab_map_grant_refs(xengnttab_handle *h, uint32_t count, uint32_t *domids,
                               uint32_t *refs, int prot)
{
    return xengnttab_map_grant_refs_status(h, count, domids, refs, prot, NULL);
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *h, uint32_t count, uint32_t domid,
                                      uint32_t *refs, int prot)
{
    uint32_t *domids = malloc(count * sizeof(*domids));
    if (!domids) {
        set_err(h, ENOMEM, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++)
        domids[i] = domid;
    void *p = xengnttab_map_grant_refs_status(h, count, domids, refs, prot, NULL);
    free(domids);
    return p;
}

void *xengnttab_map_grant_ref(xengnttab_handle *h, uint32_t domid, uint32_t ref, int prot)
{
    return xengnttab_map_grant_refs_status(h, 1, &domid, &ref, prot, NULL);
}

int xengnttab_unmap(xengnttab_handle *h, void *start, uint32_t count)
{
    struct mapping **pp = &h->maps;
    while (*pp && (*pp)->addr != start)
        pp = &(*pp)->next;
    if (!*pp || (*pp)->count != count) {
        set_err(h, EINVAL, "no grant mapping of that many pages starts there");
        return -1;
    }
    struct mapping *m = *pp;
    *pp = m->next;
    munmap(m->addr, (size_t)m->count * PAGE);
    struct privcmd_gnttab_result *res = calloc(m->count, sizeof(*res));
    int rc = res ? grant_call(h, 0, m->count, m->refs, m->readonly, res) : -1;
    /* xenolithd says which guest now has each id: a guest that died with
     * its pages mapped here is let go once they are unmapped. */
    for (uint32_t i = 0; rc == 0 && i < m->count; i++)
        guest_memory_cache_forget(&h->guests, m->refs[i].domid, res[i].generation);
    free(res);
    free(m);
    return rc;
}

int xengnttab_grant_copy(xengnttab_handle *h, uint32_t count, xengnttab_grant_copy_segment_t *segs)
{
    size_t data = 0;
    for (uint32_t i = 0; i < count; i++)
        if (!(segs[i].flags & GNTCOPY_source_gref))
            data += segs[i].len;
    size_t seg_len = count * sizeof(struct privcmd_gnttab_copy_seg);
    size_t len = sizeof(struct privcmd_gnttab_req) + seg_len + data;
    size_t status_len = ((size_t)count * sizeof(int16_t) + 7) & ~(size_t)7;
    uint8_t *req = malloc(len), *reply = malloc(PRIVCMD_MAX_PAYLOAD);
    if (!req || !reply || len > PRIVCMD_MAX_PAYLOAD) {
        free(req);
        free(reply);
        set_err(h, req && reply ? E2BIG : ENOMEM, "grant copy batch too large");
        return -1;
    }
    struct privcmd_gnttab_req hdr = {.count = count};
    memcpy(req, &hdr, sizeof(hdr));
    struct privcmd_gnttab_copy_seg *out = (void *)(req + sizeof(hdr));
    uint8_t *bytes = req + sizeof(hdr) + seg_len;
    for (uint32_t i = 0; i < count; i++) {
        const xengnttab_grant_copy_segment_t *s = &segs[i];
        bool src_ref = s->flags & GNTCOPY_source_gref, dst_ref = s->flags & GNTCOPY_dest_gref;
        struct privcmd_gnttab_copy_seg g = {
            .src_domid = src_ref ? s->source.foreign.domid : DOMID_SELF,
            .src_ref = src_ref ? s->source.foreign.ref : 0,
            .src_offset = src_ref ? s->source.foreign.offset : 0,
            .dst_domid = dst_ref ? s->dest.foreign.domid : DOMID_SELF,
            .dst_ref = dst_ref ? s->dest.foreign.ref : 0,
            .dst_offset = dst_ref ? s->dest.foreign.offset : 0,
            .len = s->len,
        };
        memcpy(&out[i], &g, sizeof(g));
        if (!src_ref) {
            memcpy(bytes, s->source.virt, s->len);
            bytes += s->len;
        }
    }
    size_t got = 0;
    int rc = xenctl_call_fds(h->xc, PRIVCMD_OP_GNTTAB_COPY, req, len, NULL, 0, reply,
                             PRIVCMD_MAX_PAYLOAD, &got, NULL, 0, NULL);
    free(req);
    if (rc || got < status_len) {
        free(reply);
        set_err(h, rc ? -rc : EPROTO, rc ? xenctl_error(h->xc) : "short grant copy reply");
        return -1;
    }
    const int16_t *status = (const int16_t *)reply;
    const uint8_t *in = reply + status_len;
    for (uint32_t i = 0; i < count; i++) {
        segs[i].status = status[i];
        if (!(segs[i].flags & GNTCOPY_dest_gref) && status[i] == GNTST_okay) {
            memcpy(segs[i].dest.virt, in, segs[i].len);
            in += segs[i].len;
        }
    }
    free(reply);
    return 0;
}
