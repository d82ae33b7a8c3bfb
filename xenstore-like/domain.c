#include "config.h"

#include <stdlib.h>

#include "xenstore-like/domain.h"
#include "xenstore-like/perms.h"

static uint32_t *q_nodes(struct xs_quota *q) { return &q->nodes; }
static uint32_t *q_node_size(struct xs_quota *q) { return &q->node_size; }
static uint32_t *q_watches(struct xs_quota *q) { return &q->watches; }
static uint32_t *q_transactions(struct xs_quota *q) { return &q->transactions; }
static uint32_t *q_outstanding(struct xs_quota *q) { return &q->outstanding; }
static uint32_t *q_permissions(struct xs_quota *q) { return &q->permissions; }
static uint32_t *q_transaction_nodes(struct xs_quota *q) { return &q->transaction_nodes; }

/* The names C xenstored's "quota" control command uses. */
const struct xs_quota_name xs_quota_names[] = {
    {"nodes", "Nodes per domain", q_nodes},
    {"node-size", "Max. size of a node value", q_node_size},
    {"watches", "Watches per domain", q_watches},
    {"transactions", "Transactions per domain", q_transactions},
    {"outstanding", "Outstanding requests per domain", q_outstanding},
    {"permissions", "Max. number of permissions per node", q_permissions},
    {"transaction-nodes", "Max. number of accessed nodes per transaction", q_transaction_nodes},
    {NULL, NULL, NULL},
};

struct xs_domain *xs_domain_get(struct xs_domains *ds, uint32_t domid)
{
    if (!xs_domid_valid(domid))
        return NULL;
    struct xs_domain *d = ds->by_id[domid];
    if (d)
        return d;
    d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->domid = domid;
    d->target = XS_NO_TARGET;
    ds->by_id[domid] = d;
    return d;
}

void xs_domains_free(struct xs_domains *ds)
{
    for (size_t i = 0; i < DOMID_FIRST_RESERVED; i++) {
        free(ds->by_id[i]);
        ds->by_id[i] = NULL;
    }
}

bool xs_parse_domid(const char *s, uint32_t *out)
{
    if (!*s)
        return false;
    unsigned long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > UINT32_MAX)
            return false;
    }
    if (!xs_domid_valid(v))
        return false;
    *out = (uint32_t)v;
    return true;
}
