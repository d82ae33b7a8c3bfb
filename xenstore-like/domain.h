/*
 * What the store knows about each domain: whether the toolstack has
 * introduced it, its ring page and event channel, its target, its usage
 * of the quota'd resources, and the connections that speak for it.
 */
#ifndef XENOLITH_XS_DOMAIN_H
#define XENOLITH_XS_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "include/xen_public.h"

struct xs_conn;

/* Per-domain limits; Dom0 is exempt from all of them. */
struct xs_quota {
    uint32_t nodes;        /* nodes a domain may own */
    uint32_t node_size;    /* bytes in one value */
    uint32_t watches;      /* watches a domain may hold */
    uint32_t transactions; /* transactions open at once */
    uint32_t outstanding;  /* requests in flight before we stop reading */
    uint32_t permissions;  /* entries in one permission list */
    uint32_t transaction_nodes; /* paths one transaction depends on, and
                                 * changes it logs (each, not together) */
};

/* C xenstored's defaults. */
#define XS_QUOTA_DEFAULTS                                                                     \
    {.nodes = 1000, .node_size = 2048, .watches = 128, .transactions = 10, .outstanding = 20, \
     .permissions = 5, .transaction_nodes = 1024}

/* Names for CONTROL quota and the command line, in one table. */
struct xs_quota_name {
    const char *name;
    const char *what;
    uint32_t *(*field)(struct xs_quota *q);
};
extern const struct xs_quota_name xs_quota_names[];

struct xs_domain {
    uint32_t domid;
    bool introduced;
    bool shutdown_reported; /* @releaseDomain already fired for a shutdown */
    uint64_t gfn;           /* store ring page, from INTRODUCE */
    uint32_t port;          /* its unbound event channel */
    uint32_t target;        /* SET_TARGET, or XS_NO_TARGET */
    int32_t nodes, watches, txns;
    struct xs_conn *conns;  /* connections speaking as this domain */
    void *transport;        /* the ring transport's state, when attached */
};

static inline bool xs_domid_valid(unsigned long domid)
{
    return domid < DOMID_FIRST_RESERVED;
}

struct xs_domains {
    struct xs_domain *by_id[DOMID_FIRST_RESERVED];
};

/* The record for domid, created on first use; NULL on ENOMEM or a bad id. */
struct xs_domain *xs_domain_get(struct xs_domains *ds, uint32_t domid);
/* The record if it exists. */
static inline struct xs_domain *xs_domain_find(struct xs_domains *ds, uint32_t domid)
{
    return xs_domid_valid(domid) ? ds->by_id[domid] : NULL;
}
void xs_domains_free(struct xs_domains *ds);

/*
 * Parses a decimal domid as the wire carries it; false when it is not a
 * number or not a real domain id.
 */
bool xs_parse_domid(const char *s, uint32_t *out);

#endif
