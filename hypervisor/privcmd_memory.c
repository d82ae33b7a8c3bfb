/* The privcmd operations on a domain's memory: its memory file and irqfds
 * (DOMAIN_MEMORY), and grants: map and unmap, recorded in the client's
 * ledger (privcmd_grant_holds.c), and copy. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/domain.h"
#include "hypervisor/gnttab.h"
#include "hypervisor/privcmd_ops.h"

void privcmd_op_domain_memory(struct privcmd_conn *c)
{
    struct privcmd_domid r;
    struct domain *d = privcmd_take_domain(c, &r, sizeof(r), &r.domid);
    if (!d)
        return;
    struct privcmd_domain_memory m = {
        .ram_size = d->ram.size, .low_size = d->ram.low_size,
        .file_size = d->ram.size + XEN_AREA_PAGES * GUEST_PAGE_SIZE, .nr_vcpus = d->nr_vcpus,
        .special_pages = GUEST_SPECIAL_PAGES, .special_gpa = GUEST_SPECIAL_GPA,
        .special_off = d->ram.size + XEN_AREA_SPECIAL_PAGE * GUEST_PAGE_SIZE,
        .generation = d->generation,
    };
    int fds[PRIVCMD_MAX_REPLY_FDS];
    int n = 0;
    fds[n++] = d->mem_fd;
    for (uint32_t i = 0; i < d->nr_vcpus && n < PRIVCMD_MAX_REPLY_FDS; i++)
        fds[n++] = d->vcpus[i].irqfd;
    privcmd_respond_fds(c, c->hdr.op, c->hdr.id, &m, sizeof(m), fds, n);
}

void privcmd_op_gnttab_map(struct privcmd_conn *c)
{
    bool map = c->hdr.op == PRIVCMD_OP_GNTTAB_MAP;
    struct privcmd_gnttab_req r;
    if (c->hdr.len < sizeof(r)) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -EINVAL,
                            "malformed request: short grant request");
        return;
    }
    memcpy(&r, c->body, sizeof(r));
    if (c->hdr.len != sizeof(r) + (uint64_t)r.count * sizeof(struct privcmd_gnttab_ref)) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -EINVAL,
                            "malformed request: grant count mismatch");
        return;
    }
    struct privcmd_gnttab_result *res = calloc(r.count ? r.count : 1, sizeof(*res));
    if (!res) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    const struct privcmd_gnttab_ref *refs = (const void *)(c->body + sizeof(r));
    for (uint32_t i = 0; i < r.count; i++) {
        struct privcmd_gnttab_ref g;
        memcpy(&g, &refs[i], sizeof(g));
        struct domain *d = domain_find(g.domid);
        if (!map) {
            /* A destroyed domain's grants have nothing left to release;
             * Dom0's mapping of the memory file stays valid regardless. */
            struct domain *was;
            bool held = privcmd_hold_drop(&c->holds, g.domid, g.ref, r.readonly, &was);
            res[i].status = !held ? GNTST_bad_handle
                            : was ? gnttab_unmap(was, g.ref, r.readonly) : GNTST_okay;
            res[i].generation = d && !d->dying ? d->generation : 0;
            continue;
        }
        uint64_t gpa;
        if (!d || d->dying) {
            res[i].status = GNTST_bad_domain;
        } else if ((res[i].status = gnttab_map(d, g.ref, 0, r.readonly, &gpa)) == GNTST_okay) {
            if (!guest_ram_file_offset(&d->ram, gpa, &res[i].file_offset)) {
                /* gnttab_map only hands out frames the guest has. */
                gnttab_unmap(d, g.ref, r.readonly);
                res[i].status = GNTST_bad_gntref;
                continue;
            }
            res[i].generation = d->generation;
            if (!privcmd_hold_add(&c->holds, d, g.ref, r.readonly)) {
                gnttab_unmap(d, g.ref, r.readonly);
                res[i].status = GNTST_no_space;
            }
        }
    }
    privcmd_respond(c, c->hdr.op, c->hdr.id, 0, res, (size_t)r.count * sizeof(*res));
    free(res);
}

void privcmd_op_gnttab_copy(struct privcmd_conn *c)
{
    struct privcmd_gnttab_req r;
    if (c->hdr.len < sizeof(r)) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -EINVAL,
                            "malformed request: short copy request");
        return;
    }
    memcpy(&r, c->body, sizeof(r));
    size_t segs_len = (size_t)r.count * sizeof(struct privcmd_gnttab_copy_seg);
    if (r.count > 4096 || c->hdr.len < sizeof(r) + segs_len) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -EINVAL,
                            "malformed request: copy count mismatch");
        return;
    }
    struct privcmd_gnttab_copy_seg *segs = malloc(segs_len ? segs_len : 1);
    size_t status_len = ((size_t)r.count * sizeof(int16_t) + 7) & ~(size_t)7;
    uint8_t *reply = calloc(1, status_len + PRIVCMD_MAX_PAYLOAD);
    if (!segs || !reply) {
        free(segs);
        free(reply);
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    memcpy(segs, c->body + sizeof(r), segs_len);
    const uint8_t *in = c->body + sizeof(r) + segs_len;
    size_t in_left = c->hdr.len - sizeof(r) - segs_len, out_len = 0;
    int16_t *status = (int16_t *)reply;
    for (uint32_t i = 0; i < r.count; i++) {
        struct privcmd_gnttab_copy_seg *g = &segs[i];
        bool local_src = g->src_domid == DOMID_SELF, local_dst = g->dst_domid == DOMID_SELF;
        struct gnttab_side src = {.is_ref = true, .domid = g->src_domid, .ref_or_gpfn = g->src_ref,
                                  .offset = g->src_offset};
        struct gnttab_side dst = {.is_ref = true, .domid = g->dst_domid, .ref_or_gpfn = g->dst_ref,
                                  .offset = g->dst_offset};
        const uint8_t *sbuf = NULL;
        uint8_t *dbuf = NULL;
        if (local_src) {
            if (in_left < g->len) {
                status[i] = GNTST_general_error;
                continue;
            }
            sbuf = in;
            in += g->len;
            in_left -= g->len;
        }
        if (local_dst) {
            if (out_len + g->len > PRIVCMD_MAX_PAYLOAD - status_len) {
                status[i] = GNTST_general_error;
                continue;
            }
            dbuf = reply + status_len + out_len;
        }
        if (local_src && local_dst) {
            status[i] = GNTST_general_error;
            continue;
        }
        status[i] = gnttab_copy(NULL, 0, &src, &dst, g->len, sbuf, dbuf);
        if (local_dst && status[i] == GNTST_okay)
            out_len += g->len;
    }
    privcmd_respond(c, c->hdr.op, c->hdr.id, 0, reply, status_len + out_len);
    free(segs);
    free(reply);
}
