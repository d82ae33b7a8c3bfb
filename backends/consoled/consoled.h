/*
 * xenolith-consoled: what the daemon's parts share. main.c owns the
 * options and the loop, scan.c finds the domains that have a console
 * (XenStore watches, VIRQ_DOM_EXC, the domain list) and dom.c serves one
 * domain's console: its ring, its pty and its log.
 */
#ifndef XENOLITH_CONSOLED_H
#define XENOLITH_CONSOLED_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include <xenstore.h>

#include "dom0/xenctl.h"
#include "dom0/xenevtchn.h"

#define CONSOLED_LOG_MAX_DEFAULT (1024u * 1024u)

struct cons_dom;

struct consoled {
    uv_loop_t *loop;
    xenctl *xc;
    struct xs_handle *xs;
    char logdir[512];   /* RUNDIR/console: one guest-<name>.log per domain */
    uint64_t log_max;   /* bytes per log file before it rotates */
    struct cons_dom **by_id; /* DOMID_FIRST_RESERVED of them */
    xenevtchn_handle *virq;
    uv_poll_t xs_poll, virq_poll;
    bool xs_polling, virq_polling;
};

void consoled_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* scan.c: watches and VIRQ_DOM_EXC on the loop, then a first scan.
 * 0, or -1 after logging why. */
int consoled_watch(struct consoled *cd);
/* Attaches new domains' consoles and tears down those of domains gone. */
void consoled_scan(struct consoled *cd);
void consoled_unwatch(struct consoled *cd);

/* dom.c */
/* Serves domid's console from ring gfn and guest port; NULL after
 * logging why, or a console that is kept (so the domain is not retried)
 * but does nothing. */
struct cons_dom *cons_dom_open(struct consoled *cd, uint32_t domid, const char *name,
                               uint64_t gfn, uint32_t port);
/* Closes the pty (an attached `xl console` sees it end) and the log. */
void cons_dom_close(struct cons_dom *d);

#endif
