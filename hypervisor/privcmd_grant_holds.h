/*
 * The grant-hold ledger: which grants a privcmd client has mapped
 * (PRIVCMD_OP_GNTTAB_MAP), so that a client that exits or dies without
 * unmapping gives them back. One ledger per connection; event-loop thread
 * only.
 */
#ifndef XENOLITH_PRIVCMD_GRANT_HOLDS_H
#define XENOLITH_PRIVCMD_GRANT_HOLDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct domain;

struct privcmd_grant_hold {
    uint32_t domid;
    uint32_t generation; /* a new domain with the same id holds none of these */
    uint32_t ref;
    bool readonly;
};

/* Zeroed is empty. */
struct privcmd_grant_holds {
    struct privcmd_grant_hold *v;
    size_t n, cap;
};

/* Records a map of ref in d; false when out of memory (nothing recorded). */
bool privcmd_hold_add(struct privcmd_grant_holds *l, const struct domain *d, uint32_t ref,
                      bool ro);
/* Drops the hold on (domid, ref, ro); false when there is none. *d is the
 * domain it was on, NULL when that domain is gone. */
bool privcmd_hold_drop(struct privcmd_grant_holds *l, uint32_t domid, uint32_t ref, bool ro,
                       struct domain **d);
/* Unmaps every grant still held in a domain that still exists, and empties
 * the ledger. */
void privcmd_holds_release(struct privcmd_grant_holds *l);

#endif
