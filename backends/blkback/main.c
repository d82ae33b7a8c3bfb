/*
 * xenolith-blkback: the block backend daemon (xenolith-blkback(8)).
 * Start-up follows the other daemons (--rundir, -F, a locked pid file);
 * then one libuv loop carries the XenStore watch, the event channels of
 * every ring and the io_uring completions.
 *
 * SIGTERM and SIGINT stop it without closing any device: XenStore keeps
 * saying Connected and each ring's journal stays, so the next daemon
 * resumes the rings (xenbus_backend.h, journal.c), as after a SIGKILL.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/blkback/blkback.h"
#include "dom0/daemon.h"
#include "dom0/rundir.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xenolith-blkback [options]\n"
            "Serves the vbd devices in XenStore's backend/vbd (Xen's blkif protocol).\n"
            "  -F, --foreground         stay in the foreground, log to stderr\n"
            "  -r, --rundir DIR         runtime directory (default %s)\n"
            "  -h, --help               this text\n",
            RUNDIR_SYSTEM);
}

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
                fprintf(stderr, "sweep: port %u prod %u cons %u\n", p, r->ring.sring->req_prod,
                        r->ring.req_cons);
            bb_ring_kick(r);
        }
    }
}

static void on_signal(uv_signal_t *h, int sig)
{
    (void)sig;
    uv_stop(h->loop);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"foreground", no_argument, NULL, 'F'},
        {"rundir", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *rundir = RUNDIR_SYSTEM;
    bool foreground = false;
    int o;
    while ((o = getopt_long(argc, argv, "Fr:h", opts, NULL)) != -1) {
        switch (o) {
        case 'F':
            foreground = true;
            break;
        case 'r':
            rundir = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (strlen(rundir) >= RUNDIR_MAX) {
        fprintf(stderr, "xenolith-blkback: rundir too long\n");
        return 2;
    }

    char logdir[RUNDIR_MAX + 16], logpath[RUNDIR_MAX + 64], pidpath[RUNDIR_MAX + 64];
    snprintf(logdir, sizeof(logdir), "%s/log", rundir);
    int r = rundir_mkdirs(logdir, 0755);
    if (r < 0) {
        fprintf(stderr, "xenolith-blkback: cannot create %s: %s\n", logdir, strerror(-r));
        return 1;
    }
    snprintf(logpath, sizeof(logpath), "%s/log/xenolith-blkback.log", rundir);
    snprintf(pidpath, sizeof(pidpath), "%s/xenolith-blkback.pid", rundir);
    int pidfd = daemon_lock_pidfile("xenolith-blkback", pidpath);
    if (pidfd < 0)
        return 1;
    daemon_raise_nofile();
    /* The Dom0 libraries find xenolithd and the store through it. */
    setenv("XENOLITH_RUNDIR", rundir, 1);
    /* The storage library's requests run here; before the loop's first use. */
    setenv("UV_THREADPOOL_SIZE", "8", 0);
    signal(SIGPIPE, SIG_IGN);

    static struct bb_ctx ctx;
    ctx.loop = uv_default_loop();
    ctx.rundir = rundir;
    ctx.xce = xenevtchn_open(NULL, 0);
    ctx.xgt = xenevtchn_fd(ctx.xce) >= 0 ? xengnttab_open(NULL, 0) : NULL;
    if (!ctx.xce || !ctx.xgt) {
        fprintf(stderr, "xenolith-blkback: cannot reach xenolithd in %s: %s\n", rundir,
                strerror(errno));
        return 1;
    }
    ctx.io = bb_io_open(ctx.loop);
    if (!ctx.io) {
        fprintf(stderr, "xenolith-blkback: out of memory\n");
        return 1;
    }
    bb_io_start(&ctx);
    uv_poll_init(ctx.loop, &ctx.evtchn_poll, xenevtchn_fd(ctx.xce));
    ctx.evtchn_poll.data = &ctx;
    uv_poll_start(&ctx.evtchn_poll, UV_READABLE, on_evtchn);

    if (!foreground)
        daemon_detach("xenolith-blkback", logpath);
    ctx.xbb = xbb_open(ctx.loop, &bb_vbd_ops, &ctx);
    if (!ctx.xbb)
        return 1;
    /* The pid goes in once we serve: xenolith-commons waits for it. */
    daemon_write_pid(pidfd);

    uv_timer_t sweep;
    uv_timer_init(ctx.loop, &sweep);
    sweep.data = &ctx;
    uv_timer_start(&sweep, on_sweep, 100, 100);

    uv_signal_t sigterm, sigint;
    uv_signal_init(ctx.loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_init(ctx.loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    fprintf(stderr, "xenolith-blkback: started (pid %d, %s)\n", (int)getpid(),
            bb_io_uring_ok(&ctx) ? "io_uring" : "thread pool only");

    uv_run(ctx.loop, UV_RUN_DEFAULT);

    fprintf(stderr, "xenolith-blkback: stopping; devices stay connected for the next daemon\n");
    unlink(pidpath);
    return 0;
}
