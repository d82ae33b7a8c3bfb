/* The grant-hold ledger (privcmd_grant_holds.h). */
#include "config.h"

#include <stdlib.h>

#include "hypervisor/domain.h"
#include "hypervisor/gnttab.h"
#include "hypervisor/privcmd_grant_holds.h"

bool privcmd_hold_add(struct privcmd_grant_holds *l, const struct domain *d, uint32_t ref,
                      bool ro)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct privcmd_grant_hold *h = realloc(l->v, cap * sizeof(*h));
        if (!h)
            return false;
        l->v = h;
        l->cap = cap;
    }
    l->v[l->n++] = (struct privcmd_grant_hold){d->domid, d->generation, ref, ro};
    return true;
}

/* The domain a hold was taken on, if it still exists. */
static struct domain *hold_domain(const struct privcmd_grant_hold *h)
{
    struct domain *d = domain_find(h->domid);
    return d && d->generation == h->generation ? d : NULL;
}

bool privcmd_hold_drop(struct privcmd_grant_holds *l, uint32_t domid, uint32_t ref, bool ro,
                       struct domain **d)
{
    for (size_t i = 0; i < l->n; i++) {
        struct privcmd_grant_hold *h = &l->v[i];
        if (h->domid == domid && h->ref == ref && h->readonly == ro) {
            *d = hold_domain(h);
            *h = l->v[--l->n];
            return true;
        }
    }
    return false;
}

void privcmd_holds_release(struct privcmd_grant_holds *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct domain *d = hold_domain(&l->v[i]);
        if (d)
            gnttab_unmap(d, l->v[i].ref, l->v[i].readonly);
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
