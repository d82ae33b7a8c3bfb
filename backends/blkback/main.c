/*
 * xenolith-blkback: the block backend daemon (xenolith-blkback(8)).
 * Start-up is every daemon's (dom0/daemon.h: --rundir, -F, a locked pid file);
 * then one libuv loop carries the XenStore watch, the event channels of
 * every ring and the io_uring completions.
 *
 * SIGTERM and SIGINT stop it without closing any device: XenStore keeps
 * saying Connected and each ring's journal stays, so the next daemon
 * resumes the rings (xenbus_backend.h, journal.c), as after a SIGKILL.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/blkback/blkback.h"
#include "dom0/daemon.h"

static void on_evtchn(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    struct bb_ctx *c = h->data;
    int port;
    while ((port = xenevtchn_pending(c->xce)) >= 0) {
        xenevtchn_unmask(c->xce, (evtchn_port_t)port);
        if ((unsigned)port < sizeof(c->by_port) / sizeof(c->by_port[0])) {
            struct bb_ring *r = c->by_port[port];
            if (r && r->live)
                bb_ring_kick(r);
        }
    }
}

/* A safety net: a ring whose producer moved without an event reaching
 * us (counted, so the log shows it) is served anyway. */
void bb_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    daemon_vlog("xenolith-blkback", fmt, ap);
    va_end(ap);
}

static void on_sweep(uv_timer_t *h)
{
    struct bb_ctx *c = h->data;
    for (unsigned p = 0; p < sizeof(c->by_port) / sizeof(c->by_port[0]); p++) {
        struct bb_ring *r = c->by_port[p];
        if (!r || !r->live || r->draining)
            continue;
        if (r->ring.sring->req_prod != r->ring.req_cons) {
            c->missed_events++;
            if (getenv("XENOLITH_BLKBACK_TRACE") && *getenv("XENOLITH_BLKBACK_TRACE"))
                bb_log("sweep: port %u prod %u cons %u", p, r->ring.sring->req_prod,
                       r->ring.req_cons);
            bb_ring_kick(r);
        }
    }
}

int main(int argc, char **argv)
{
    struct daemon dm = {
        .name = "xenolith-blkback",
        .summary = "Serves the vbd devices in XenStore's backend/vbd (Xen's blkif protocol).",
    };
    int rc = daemon_init(&dm, argc, argv);
    if (rc >= 0)
        return rc;
    const char *rundir = dm.rundir;
    /* The storage library's requests run here; before the loop's first use. */
    setenv("UV_THREADPOOL_SIZE", "8", 0);

    static struct bb_ctx ctx;
    ctx.loop = uv_default_loop();
    ctx.rundir = rundir;
    ctx.xce = xenevtchn_open(NULL, 0);
    ctx.xgt = xenevtchn_fd(ctx.xce) >= 0 ? xengnttab_open(NULL, 0) : NULL;
    if (!ctx.xce || !ctx.xgt) {
        bb_log("cannot reach xenolithd in %s: %s", rundir, strerror(errno));
        return 1;
    }
    ctx.io = bb_io_open(ctx.loop);
    if (!ctx.io) {
        bb_log("out of memory");
        return 1;
    }
    bb_io_start(&ctx);
    uv_poll_init(ctx.loop, &ctx.evtchn_poll, xenevtchn_fd(ctx.xce));
    ctx.evtchn_poll.data = &ctx;
    uv_poll_start(&ctx.evtchn_poll, UV_READABLE, on_evtchn);

    daemon_background(&dm);
    ctx.xbb = xbb_open(ctx.loop, &bb_vbd_ops, &ctx);
    if (!ctx.xbb)
        return 1;
    /* The pid goes in once we serve: xenolith-commons waits for it. */
    daemon_serving(&dm, ctx.loop);

    uv_timer_t sweep;
    uv_timer_init(ctx.loop, &sweep);
    sweep.data = &ctx;
    uv_timer_start(&sweep, on_sweep, 100, 100);
    bb_log("started (pid %d, %s)", (int)getpid(),
           bb_io_uring_ok(&ctx) ? "io_uring" : "thread pool only");

    uv_run(ctx.loop, UV_RUN_DEFAULT);

    bb_log("stopping; devices stay connected for the next daemon");
    daemon_finish(&dm);
    return 0;
}
