/*
 * What xl does in XenStore for a domain, through Debian's libxenstore
 * talking to xenolith-stored: the store ring's port and params, the
 * entries a Xen toolstack writes for a new domain, INTRODUCE; and on the
 * way out, removal of those entries and RELEASE.
 */
#ifndef XENOLITH_XNL_XS_DOMAIN_H
#define XENOLITH_XNL_XS_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <xenstore.h>

#include "toolstack/domain_config.h"
#include "toolstack/lib/xnl.h"

/* The guest's store ring: the first special page (GUEST_SPECIAL_GPA). */
#define XLXS_STORE_GFN 0xfeff0ull

/*
 * For a built, still paused domain: allocates its store port, sets
 * HVM_PARAM_STORE_PFN/_EVTCHN, writes its XenStore entries and
 * introduces it. When xenolith-consoled runs, also its console port,
 * HVM_PARAM_CONSOLE_PFN/_EVTCHN and the console/ entries (without a
 * daemon to drain it, a console ring would only hold the guest up).
 * Needs the context's XenStore connection open. 0, or -errno with the
 * message in the context (entries removed again).
 */
int xlxs_domain_setup(struct xnl_ctx *ctx, uint32_t domid, const struct domain_config *dc);

/*
 * Removes the domain's devices, /local/domain/DOMID and its /vm/UUID and
 * releases the domain, on a connection of its own. Quietly does nothing
 * without xenolith-stored; problems are the context's warnings (its
 * error is left alone, for a teardown after a failure). 0 or -1.
 */
int xlxs_domain_teardown(struct xnl_ctx *ctx, uint32_t domid);

/* Writes made in one transaction (in an xlxs_transact body): the first
 * failure is kept in failed and the writes after it are skipped. */
struct xlxs_batch {
    struct xs_handle *h;
    xs_transaction_t t;
    char failed[512];
};
/* path = the formatted value. */
void xlxs_put(struct xlxs_batch *b, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An empty node with its own permissions (libxl's mknod). */
void xlxs_node(struct xlxs_batch *b, const char *path, struct xs_permissions *perms,
               unsigned n);

/*
 * Runs body in a transaction and commits it, from the start again while
 * the commit conflicts (EAGAIN), a few times at most. body returns false
 * to abandon the transaction. True once committed.
 */
bool xlxs_transact(struct xs_handle *xsh,
                   bool (*body)(struct xs_handle *xsh, xs_transaction_t t, void *arg), void *arg);

#endif
