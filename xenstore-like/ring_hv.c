/*
 * The daemon-wide half of the ring transport: the connection to
 * xenolithd (made lazily, since xenolithd may start after us or not at
 * all), VIRQ_DOM_EXC and the probe that turns it into releases, and the
 * xs_ring_ops the core calls on INTRODUCE and RELEASE.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore-like/ring.h"
#include "xenstore-like/ring_int.h"

static enum xs_dom_state probe(void *ctx, uint32_t domid)
{
    struct ring_hv *hv = ctx;
    struct privcmd_dominfo info;
    int rc = xenctl_domain_info(hv->xc, domid, &info);
    if (rc == -ESRCH)
        return XS_DOM_GONE;
    if (rc < 0)
        return XS_DOM_RUNNING; /* losing xenolithd is no reason to drop domains */
    switch (info.state) {
    case PRIVCMD_STATE_DYING:
        return XS_DOM_GONE;
    case PRIVCMD_STATE_SHUTDOWN:
    case PRIVCMD_STATE_CRASHED:
        return XS_DOM_SHUTDOWN;
    default:
        return XS_DOM_RUNNING;
    }
}

static void on_dom_exc(uv_poll_t *p, int status, int events)
{
    (void)events;
    struct ring_hv *hv = p->data;
    if (status < 0)
        return;
    while (xenevtchn_pending(hv->virq) >= 0)
        ;
    /* The VIRQ does not say which domain: ask about each introduced one. */
    xs_domains_check(hv->st, probe, hv);
}

static void bind_dom_exc(struct ring_hv *hv)
{
    hv->virq = xenevtchn_open(NULL, 0);
    if (!hv->virq) {
        xs_store_log(hv->st, "cannot open an event channel handle for VIRQ_DOM_EXC: %s; "
                     "dead domains will only go on RELEASE", strerror(errno));
        return;
    }
    if (xenevtchn_bind_virq(hv->virq, VIRQ_DOM_EXC) < 0) {
        xs_store_log(hv->st, "cannot bind VIRQ_DOM_EXC: %s; dead domains will only go on RELEASE",
                     xenevtchn_error(hv->virq));
        xenevtchn_close(hv->virq);
        hv->virq = NULL;
        return;
    }
    uv_poll_init(hv->loop, &hv->virq_poll, xenevtchn_fd(hv->virq));
    hv->virq_poll.data = hv;
    uv_poll_start(&hv->virq_poll, UV_READABLE, on_dom_exc);
    hv->virq_polling = true;
}

/* True once xenolithd is reachable; tries again on every call until then. */
static bool hv_connect(struct ring_hv *hv)
{
    if (hv->xc)
        return true;
    char err[256];
    hv->xc = xenctl_open(NULL, err, sizeof(err));
    if (!hv->xc) {
        if (!hv->warned_absent)
            xs_store_log(hv->st, "xenolithd is not reachable (%s): no guest rings until it is", err);
        hv->warned_absent = true;
        return false;
    }
    xs_store_log(hv->st, "connected to xenolithd (%s): guest rings on", xenctl_rundir(hv->xc));
    bind_dom_exc(hv);
    return true;
}

static int hv_attach(void *ctx, struct xs_store *st, struct xs_domain *d)
{
    struct ring_hv *hv = ctx;
    if (!hv_connect(hv)) {
        /* What the core does without a ring transport: the domain exists,
         * with no connection. Lets the socket tools introduce test
         * domains on a host without xenolithd. */
        xs_store_log(st, "domain %u has no ring: xenolithd is not reachable", d->domid);
        return 0;
    }
    int err;
    d->transport = ring_dom_open(hv, d, &err);
    return d->transport ? 0 : err;
}

static void hv_detach(void *ctx, struct xs_store *st, struct xs_domain *d)
{
    (void)ctx;
    (void)st;
    if (d->transport)
        ring_dom_close(d->transport);
    d->transport = NULL;
}

int xs_ring_install(struct xs_store *st, uv_loop_t *loop)
{
    struct ring_hv *hv = calloc(1, sizeof(*hv));
    if (!hv)
        return ENOMEM;
    hv->st = st;
    hv->loop = loop;
    st->ring = (struct xs_ring_ops){.attach = hv_attach, .detach = hv_detach, .ctx = hv};
    hv_connect(hv);
    return 0;
}

static void free_hv(uv_handle_t *h)
{
    free(h->data);
}

void xs_ring_shutdown(struct xs_store *st)
{
    struct ring_hv *hv = st->ring.ctx;
    if (!hv)
        return;
    st->ring = (struct xs_ring_ops){0};
    if (hv->xc)
        xenctl_close(hv->xc);
    if (!hv->virq_polling) {
        free(hv);
        return;
    }
    uv_close((uv_handle_t *)&hv->virq_poll, free_hv);
    xenevtchn_close(hv->virq);
}
