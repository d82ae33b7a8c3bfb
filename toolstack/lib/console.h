/*
 * Inside libxnl: a domain's primary console as a device. Its ring is the
 * second special page, its port an unbound one for xenolith-consoled; the
 * entries are libxl's for xenconsoled (console/ in the domain's directory
 * and backend/console/<domid>/0), written with the domain's own.
 */
#ifndef XENOLITH_XNL_CONSOLE_H
#define XENOLITH_XNL_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "toolstack/lib/xs_domain.h"

/* The console ring: the second special page, reserved for it. */
#define XLCONS_GFN 0xfeff1ull
/* What libxl writes as console/limit (LIBXL_XENCONSOLE_LIMIT). */
#define XLCONS_LIMIT 1048576

/* For a paused domain: the console's port, and HVM_PARAM_CONSOLE_PFN and
 * _EVTCHN. 0, or -errno with the message in the context. */
int xlcons_setup(struct xnl_ctx *ctx, uint32_t domid, uint32_t *port);
/* The console's entries, into the batch that writes the domain's. */
void xlcons_entries(struct xlxs_batch *b, uint32_t domid, uint32_t port);
/* /local/domain/0/backend/console/<domid>, which goes with the domain. */
void xlcons_backend_dir(char *buf, size_t len, uint32_t domid);

#endif
