#include "config.h"

#include <errno.h>
#include <string.h>

#include "hypervisor/gnttab.h"
#include "hypervisor/hv.h"
#include "hypervisor/hypercall.h"

/* Batched ops carry `count` structs at a[1]; each gets its own status. */
static int64_t query_size(struct vcpu *v, uint64_t arg, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++) {
        gnttab_query_size_t q;
        uint64_t at = arg + i * sizeof(q);
        if (copy_from_guest(v, &q, at, sizeof(q)))
            return -EFAULT;
        if (is_self(v, q.dom)) {
            pthread_mutex_lock(&hv.gnttab_lock);
            q.nr_frames = v->d->gnt_nr_frames;
            pthread_mutex_unlock(&hv.gnttab_lock);
            q.max_nr_frames = GNTTAB_MAX_FRAMES;
            q.status = GNTST_okay;
        } else {
            q.status = GNTST_bad_domain;
        }
        if (copy_to_guest(v, at, &q, sizeof(q)))
            return -EFAULT;
    }
    return 0;
}

static int64_t setup_table(struct vcpu *v, uint64_t arg)
{
    gnttab_setup_table_t t;
    if (copy_from_guest(v, &t, arg, sizeof(t)))
        return -EFAULT;
    struct domain *d = v->d;
    pthread_mutex_lock(&hv.gnttab_lock);
    unsigned have = d->gnt_nr_frames;
    uint64_t gpfns[GNTTAB_MAX_FRAMES];
    for (unsigned i = 0; i < have; i++)
        if (!gnttab_frame_gpfn(d, i, &gpfns[i]))
            gpfns[i] = ~0ull; /* Xen's INVALID_GFN: grown past, never placed */
    pthread_mutex_unlock(&hv.gnttab_lock);
    if (!is_self(v, t.dom)) {
        t.status = GNTST_bad_domain;
    } else if (t.nr_frames > have) {
        t.status = GNTST_general_error;
    } else {
        uint64_t list = (uint64_t)(uintptr_t)t.frame_list.p;
        for (unsigned i = 0; i < t.nr_frames; i++) {
            xen_pfn_t f = gpfns[i];
            if (copy_to_guest(v, list + i * sizeof(f), &f, sizeof(f)))
                return -EFAULT;
        }
        t.status = GNTST_okay;
    }
    return copy_to_guest(v, arg, &t, sizeof(t));
}

static void side_of(struct gnttab_side *s, const struct gnttab_copy_ptr *p, bool is_ref)
{
    s->is_ref = is_ref;
    s->domid = p->domid;
    s->ref_or_gpfn = is_ref ? p->u.ref : p->u.gmfn;
    s->offset = p->offset;
}

static int64_t copy(struct vcpu *v, uint64_t arg, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++) {
        gnttab_copy_t c;
        uint64_t at = arg + i * sizeof(c);
        if (copy_from_guest(v, &c, at, sizeof(c)))
            return -EFAULT;
        struct gnttab_side src, dst;
        side_of(&src, &c.source, c.flags & GNTCOPY_source_gref);
        side_of(&dst, &c.dest, c.flags & GNTCOPY_dest_gref);
        /* A side that is not a ref is the caller's own frame. */
        if (!src.is_ref && !is_self(v, src.domid))
            c.status = GNTST_permission_denied;
        else if (!dst.is_ref && !is_self(v, dst.domid))
            c.status = GNTST_permission_denied;
        else
            c.status = gnttab_copy(v->d, v->d->domid, &src, &dst, c.len, NULL, NULL);
        if (copy_to_guest(v, at + offsetof(gnttab_copy_t, status), &c.status, sizeof(c.status)))
            return -EFAULT;
    }
    return 0;
}

int64_t hc_grant_table_op(struct vcpu *v, const uint64_t a[5])
{
    uint64_t count = a[2];
    if (count > 512)
        return -EINVAL; /* Xen continues long batches; ours stay short */
    switch (a[0]) {
    case GNTTABOP_query_size:
        return query_size(v, a[1], count);
    case GNTTABOP_setup_table:
        return setup_table(v, a[1]);
    case GNTTABOP_copy:
        return copy(v, a[1], count);
    case GNTTABOP_set_version: {
        gnttab_set_version_t sv;
        if (copy_from_guest(v, &sv, a[1], sizeof(sv)))
            return -EFAULT;
        if (sv.version == 2)
            return -ENOSYS;
        if (sv.version != 1)
            return -EINVAL;
        return 0;
    }
    case GNTTABOP_get_version: {
        gnttab_get_version_t gv;
        if (copy_from_guest(v, &gv, a[1], sizeof(gv)))
            return -EFAULT;
        if (!is_self(v, gv.dom))
            return -EPERM;
        gv.version = 1;
        return copy_to_guest(v, a[1], &gv, sizeof(gv));
    }
    default:
        return -ENOSYS;
    }
}
