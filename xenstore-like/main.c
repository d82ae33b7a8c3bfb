/*
 * xenolith-stored: the XenStore daemon. Serves the wire protocol of
 * io/xs_wire.h on <rundir>/xenstored/socket for Dom0 programs (Debian's
 * libxenstore reaches it through XENSTORED_PATH) and on every introduced
 * guest's ring (ring_dom.c), or with --domain-sockets on a socket per
 * domain instead, for tests without guests.
 */
#include "dom0/daemon.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "dom0/rundir.h"
#include "xenstore-like/domsock.h"
#include "xenstore-like/ring.h"
#include "xenstore-like/sock.h"
#include "xenstore-like/store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xenolith-stored [OPTIONS]\n"
            "The Xenolith XenStore daemon.\n\n"
            "  -F, --foreground         stay in the foreground, log to stderr\n"
            "  -r, --rundir DIR         runtime directory (default %s)\n"
            "  -s, --socket PATH        listen on PATH (default RUNDIR/xenstored/socket)\n"
            "  -T, --trace-file FILE    trace every request and reply to FILE from the start\n"
            "  -q, --quota NAME=VALUE   set a per-domain quota (nodes, node-size, watches,\n"
            "                           transactions, outstanding, permissions,\n"
            "                           transaction-nodes)\n"
            "      --poll-us N          after a request, poll for the next one for N us\n"
            "                           before sleeping (default 0: never; helps only\n"
            "                           with a CPU to spare)\n"
            "      --domain-sockets     on INTRODUCE, open RUNDIR/xenstored/domain/DOMID whose\n"
            "                           clients speak as that domain (tests, tools), instead\n"
            "                           of serving the guest's ring (the default)\n"
            "  -h, --help               this text\n"
            "  -V, --version            print the version\n",
            RUNDIR_SYSTEM);
}

static void log_line(const char *msg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02d %02d:%02d:%02d xenolith-stored: %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msg);
}

static bool set_quota(struct xs_quota *q, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(eq + 1, &end, 10);
    if (!eq[1] || *end || errno || v > UINT32_MAX)
        return false;
    for (const struct xs_quota_name *n = xs_quota_names; n->name; n++)
        if (strlen(n->name) == (size_t)(eq - arg) && strncmp(n->name, arg, (size_t)(eq - arg)) == 0) {
            *n->field(q) = (uint32_t)v;
            return true;
        }
    return false;
}

static bool stopping;

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    stopping = true;
    uv_stop(s->loop);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Requests come in bursts (a toolstack's sequence, a client's write then
 * read). With --poll-us, for a short while after the last one we poll
 * instead of sleeping, so the next request is picked up without a
 * wake-up. Off by default: measured on a loaded 2-CPU host, polling took
 * the CPU from the clients and halved the request rate.
 */
static void run_loop(uv_loop_t *loop, struct xs_store *st, uint64_t spin_ns)
{
    while (!stopping) {
        uint64_t seen = st->requests;
        uv_run(loop, UV_RUN_ONCE);
        if (st->requests == seen || !spin_ns)
            continue;
        uint64_t until = now_ns() + spin_ns;
        while (!stopping && now_ns() < until) {
            seen = st->requests;
            uv_run(loop, UV_RUN_NOWAIT);
            if (st->requests != seen)
                until = now_ns() + spin_ns;
        }
    }
}

int main(int argc, char **argv)
{
    enum { OPT_DOMAIN_SOCKETS = 256, OPT_POLL_US };
    static const struct option opts[] = {
        {"foreground", no_argument, NULL, 'F'},
        {"rundir", required_argument, NULL, 'r'},
        {"socket", required_argument, NULL, 's'},
        {"trace-file", required_argument, NULL, 'T'},
        {"quota", required_argument, NULL, 'q'},
        {"domain-sockets", no_argument, NULL, OPT_DOMAIN_SOCKETS},
        {"poll-us", required_argument, NULL, OPT_POLL_US},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    bool foreground = false, domain_sockets = false;
    uint64_t spin_us = 0;
    const char *rundir = RUNDIR_SYSTEM, *socket_path = NULL, *trace_file = NULL;
    struct xs_quota quota = XS_QUOTA_DEFAULTS;
    int c;
    while ((c = getopt_long(argc, argv, "Fr:s:T:q:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            foreground = true;
            break;
        case 'r':
            rundir = optarg;
            break;
        case 's':
            socket_path = optarg;
            break;
        case 'T':
            trace_file = optarg;
            break;
        case 'q':
            if (!set_quota(&quota, optarg)) {
                fprintf(stderr, "xenolith-stored: bad quota '%s' (want NAME=VALUE)\n", optarg);
                return 2;
            }
            break;
        case OPT_DOMAIN_SOCKETS:
            domain_sockets = true;
            break;
        case OPT_POLL_US:
            spin_us = strtoull(optarg, NULL, 10);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xenolith-stored %s\n", PACKAGE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "xenolith-stored: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    char sockdir[512], path[600], logpath[600], pidpath[600], tracepath[600];
    snprintf(sockdir, sizeof(sockdir), "%s/xenstored", rundir);
    snprintf(logpath, sizeof(logpath), "%s/log", rundir);
    char why[1200];
    if (rundir_prepare(logpath, 0755, why, sizeof(why)) < 0 ||
        rundir_prepare(sockdir, 0700, why, sizeof(why)) < 0) {
        fprintf(stderr, "xenolith-stored: %s\n", why);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/socket", sockdir);
    snprintf(logpath, sizeof(logpath), "%s/log/xenolith-stored.log", rundir);
    snprintf(pidpath, sizeof(pidpath), "%s/xenolith-stored.pid", rundir);
    snprintf(tracepath, sizeof(tracepath), "%s/log/xenstored-trace.log", rundir);
    if (!socket_path)
        socket_path = path;

    int pidfd = daemon_lock_pidfile("xenolith-stored", pidpath);
    if (pidfd < 0)
        return 1;
    daemon_raise_nofile();
    struct xs_store *st = xs_store_new(&quota);
    if (!st) {
        fprintf(stderr, "xenolith-stored: out of memory\n");
        return 1;
    }
    st->log = log_line;
    st->trace_path = strdup(trace_file ? trace_file : tracepath);
    if (trace_file && xs_trace_set(st, true) != 0) {
        fprintf(stderr, "xenolith-stored: cannot open %s: %s\n", trace_file, strerror(errno));
        return 1;
    }

    signal(SIGPIPE, SIG_IGN);
    uv_loop_t *loop = uv_default_loop();
    int err;
    struct xs_listener *l = xs_listen(loop, st, socket_path, 0, &err);
    if (!l) {
        fprintf(stderr, "xenolith-stored: cannot listen on %s: %s\n", socket_path, strerror(err));
        return 1;
    }
    /* The Dom0 libraries find xenolithd through XENOLITH_RUNDIR: ours. */
    setenv("XENOLITH_RUNDIR", rundir, 1);
    if (domain_sockets && (err = xs_domsock_install(st, loop, sockdir)) != 0) {
        fprintf(stderr, "xenolith-stored: cannot set up domain sockets: %s\n", strerror(err));
        return 1;
    }
    if (!domain_sockets && (err = xs_ring_install(st, loop)) != 0) {
        fprintf(stderr, "xenolith-stored: cannot set up guest rings: %s\n", strerror(err));
        return 1;
    }
    /* Detach only once the socket exists, so whoever started us can use
     * it as soon as we return. */
    if (!foreground)
        daemon_detach("xenolith-stored", logpath);
    daemon_write_pid(pidfd);

    uv_signal_t sigterm, sigint;
    uv_signal_init(loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    xs_store_log(st, "started (pid %d, socket %s)", (int)getpid(), socket_path);

    run_loop(loop, st, spin_us * 1000);

    xs_store_log(st, "stopping");
    xs_listener_close(l);
    for (uint32_t id = 1; id < DOMID_FIRST_RESERVED; id++)
        if (st->doms.by_id[id] && st->doms.by_id[id]->introduced)
            xs_release(st, id);
    if (domain_sockets) {
        free(st->ring.ctx);
        st->ring = (struct xs_ring_ops){0};
    } else {
        xs_ring_shutdown(st);
    }
    xs_store_free(st);
    uv_close((uv_handle_t *)&sigterm, NULL);
    uv_close((uv_handle_t *)&sigint, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    unlink(pidpath);
    return 0;
}
