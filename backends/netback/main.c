/*
 * xenolith-netback: the network backend daemon (man/xenolith-netback.8).
 * Serves every vif under /local/domain/0/backend/vif.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "backends/netback/netback.h"
#include "dom0/daemon.h"
#include "dom0/rundir.h"

void nb_log(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02d %02d:%02d:%02d xenolith-netback: %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msg);
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xenolith-netback [OPTIONS]\n"
            "The Xenolith network backend: vifs on tap devices.\n\n"
            "  -F, --foreground         stay in the foreground, log to stderr\n"
            "  -r, --rundir DIR         runtime directory (default %s)\n"
            "  -h, --help               this text\n"
            "  -V, --version            print the version\n",
            RUNDIR_SYSTEM);
}

static void on_event(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    struct netback *nb = p->data;
    int port;
    while ((port = xenevtchn_pending(nb->xce)) >= 0) {
        xenevtchn_unmask(nb->xce, (evtchn_port_t)port);
        struct vq *q = vq_by_port(nb, (evtchn_port_t)port);
        if (!q)
            continue;
        vif_tx_work(q);
        vif_rx_work(q->v);
    }
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    uv_stop(s->loop);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"foreground", no_argument, NULL, 'F'},
        {"rundir", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    bool foreground = false;
    const char *rundir = rundir_default();
    int c;
    while ((c = getopt_long(argc, argv, "Fr:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            foreground = true;
            break;
        case 'r':
            rundir = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xenolith-netback %s\n", PACKAGE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "xenolith-netback: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    char logdir[600], logpath[600], pidpath[600], sock[700];
    snprintf(logdir, sizeof(logdir), "%s/log", rundir);
    int r = rundir_mkdirs(logdir, 0755);
    if (r < 0) {
        fprintf(stderr, "xenolith-netback: cannot create %s: %s\n", logdir, strerror(-r));
        return 1;
    }
    snprintf(logpath, sizeof(logpath), "%s/log/xenolith-netback.log", rundir);
    snprintf(pidpath, sizeof(pidpath), "%s/xenolith-netback.pid", rundir);
    /* The Dom0 libraries find xenolithd and the store through these. */
    setenv("XENOLITH_RUNDIR", rundir, 1);
    snprintf(sock, sizeof(sock), "%s/xenstored/socket", rundir);
    if (!getenv("XENSTORED_PATH") || !*getenv("XENSTORED_PATH"))
        setenv("XENSTORED_PATH", sock, 1);

    int pidfd = daemon_lock_pidfile("xenolith-netback", pidpath);
    if (pidfd < 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    /* Detach before any handle or loop exists: they do not survive the
     * forks. The pid is written once the vifs are served, so whoever
     * started us can tell (xenolith-commons). */
    if (!foreground)
        daemon_detach("xenolith-netback", logpath);

    struct netback nb = {.loop = uv_default_loop()};
    nb.segs = calloc(256, sizeof(*nb.segs));
    nb.buf = malloc(1024 * 1024);
    nb.xce = xenevtchn_open(NULL, 0);
    if (!nb.xce) {
        fprintf(stderr, "xenolith-netback: cannot reach xenolithd for event channels: %s\n",
                strerror(errno));
        return 1;
    }
    nb.xgt = xengnttab_open(NULL, 0);
    if (!nb.xgt || !nb.segs || !nb.buf) {
        fprintf(stderr, "xenolith-netback: cannot reach xenolithd for grants: %s\n",
                strerror(errno));
        return 1;
    }
    uv_poll_init(nb.loop, &nb.evt_poll, xenevtchn_fd(nb.xce));
    nb.evt_poll.data = &nb;
    uv_poll_start(&nb.evt_poll, UV_READABLE, on_event);
    if (nb_xs_start(&nb) < 0)
        return 1;
    daemon_write_pid(pidfd);

    uv_signal_t sigterm, sigint;
    uv_signal_init(nb.loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_init(nb.loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    nb_log("started (pid %d)", (int)getpid());
    uv_run(nb.loop, UV_RUN_DEFAULT);
    nb_log("stopping");
    nb_xs_stop(&nb);
    xengnttab_close(nb.xgt);
    xenevtchn_close(nb.xce);
    return 0;
}
