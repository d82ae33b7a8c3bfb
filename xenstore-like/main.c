/*
 * xenolith-stored: the XenStore daemon. Serves the wire protocol of
 * io/xs_wire.h on <rundir>/xenstored/socket for Dom0 programs (Debian's
 * libxenstore reaches it through XENSTORED_PATH) and on every introduced
 * guest's ring (ring_dom.c), or with --domain-sockets on a socket per
 * domain instead, for tests without guests.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "dom0/daemon.h"
#include "dom0/rundir.h"
#include "xenstore-like/domsock.h"
#include "xenstore-like/ring.h"
#include "xenstore-like/sock.h"
#include "xenstore-like/store.h"

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    daemon_vlog("xenolith-stored", fmt, ap);
    va_end(ap);
}

static void log_line(const char *msg)
{
    say("%s", msg);
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
static void run_loop(uv_loop_t *loop, struct xs_store *st, const struct daemon *dm,
                     uint64_t spin_ns)
{
    while (!dm->stop_signal) {
        uint64_t seen = st->requests;
        uv_run(loop, UV_RUN_ONCE);
        if (st->requests == seen || !spin_ns)
            continue;
        uint64_t until = now_ns() + spin_ns;
        while (!dm->stop_signal && now_ns() < until) {
            seen = st->requests;
            uv_run(loop, UV_RUN_NOWAIT);
            if (st->requests != seen)
                until = now_ns() + spin_ns;
        }
    }
}

struct options {
    const char *socket_path, *trace_file;
    bool domain_sockets;
    uint64_t spin_us;
    struct xs_quota quota;
};

enum { OPT_DOMAIN_SOCKETS = 256, OPT_POLL_US };

static int extra_opt(int opt, const char *arg, void *ctx)
{
    struct options *o = ctx;
    switch (opt) {
    case 's':
        o->socket_path = arg;
        return 0;
    case 'T':
        o->trace_file = arg;
        return 0;
    case 'q':
        if (set_quota(&o->quota, arg))
            return 0;
        fprintf(stderr, "xenolith-stored: bad quota '%s' (want NAME=VALUE)\n", arg);
        return 2;
    case OPT_DOMAIN_SOCKETS:
        o->domain_sockets = true;
        return 0;
    default: /* OPT_POLL_US */
        o->spin_us = strtoull(arg, NULL, 10);
        return 0;
    }
}

int main(int argc, char **argv)
{
    static const struct option extra_opts[] = {
        {"socket", required_argument, NULL, 's'},
        {"trace-file", required_argument, NULL, 'T'},
        {"quota", required_argument, NULL, 'q'},
        {"domain-sockets", no_argument, NULL, OPT_DOMAIN_SOCKETS},
        {"poll-us", required_argument, NULL, OPT_POLL_US},
        {NULL, 0, NULL, 0},
    };
    struct options o = {.quota = XS_QUOTA_DEFAULTS};
    struct daemon dm = {
        .name = "xenolith-stored",
        .summary = "The Xenolith XenStore daemon.",
        .extra_help = "  -s, --socket PATH        listen on PATH (default RUNDIR/xenstored/socket)\n"
                      "  -T, --trace-file FILE    trace every request and reply to FILE from the start\n"
                      "  -q, --quota NAME=VALUE   set a per-domain quota (nodes, node-size, watches,\n"
                      "                           transactions, outstanding, permissions,\n"
                      "                           transaction-nodes)\n"
                      "      --poll-us N          after a request, poll for the next one for N us\n"
                      "                           before sleeping (default 0: never; helps only\n"
                      "                           with a CPU to spare)\n"
                      "      --domain-sockets     on INTRODUCE, open RUNDIR/xenstored/domain/DOMID whose\n"
                      "                           clients speak as that domain (tests, tools), instead\n"
                      "                           of serving the guest's ring (the default)\n",
        .extra_opts = extra_opts,
        .extra_short = "s:T:q:",
        .extra_opt = extra_opt,
        .ctx = &o,
    };
    int rc = daemon_init(&dm, argc, argv);
    if (rc >= 0)
        return rc;
    const char *rundir = dm.rundir;
    char sockdir[512], path[600], tracepath[600];
    snprintf(sockdir, sizeof(sockdir), "%s/xenstored", rundir);
    char why[1200];
    if (rundir_prepare(sockdir, 0700, why, sizeof(why)) < 0) {
        fprintf(stderr, "xenolith-stored: %s\n", why);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/socket", sockdir);
    snprintf(tracepath, sizeof(tracepath), "%s/log/xenstored-trace.log", rundir);
    const char *socket_path = o.socket_path ? o.socket_path : path;

    struct xs_store *st = xs_store_new(&o.quota);
    if (!st) {
        fprintf(stderr, "xenolith-stored: out of memory\n");
        return 1;
    }
    st->log = log_line;
    st->trace_path = strdup(o.trace_file ? o.trace_file : tracepath);
    if (o.trace_file && xs_trace_set(st, true) != 0) {
        fprintf(stderr, "xenolith-stored: cannot open %s: %s\n", o.trace_file, strerror(errno));
        return 1;
    }

    uv_loop_t *loop = uv_default_loop();
    int err;
    struct xs_listener *l = xs_listen(loop, st, socket_path, 0, &err);
    if (!l) {
        fprintf(stderr, "xenolith-stored: cannot listen on %s: %s\n", socket_path, strerror(err));
        return 1;
    }
    if (o.domain_sockets && (err = xs_domsock_install(st, loop, sockdir)) != 0) {
        fprintf(stderr, "xenolith-stored: cannot set up domain sockets: %s\n", strerror(err));
        return 1;
    }
    if (!o.domain_sockets && (err = xs_ring_install(st, loop)) != 0) {
        fprintf(stderr, "xenolith-stored: cannot set up guest rings: %s\n", strerror(err));
        return 1;
    }
    /* Detach only once the socket exists, so whoever started us can use
     * it as soon as we return. */
    daemon_background(&dm);
    daemon_serving(&dm, loop);
    xs_store_log(st, "started (pid %d, socket %s)", (int)getpid(), socket_path);

    run_loop(loop, st, &dm, o.spin_us * 1000);

    xs_store_log(st, "stopping");
    xs_listener_close(l);
    for (uint32_t id = 1; id < DOMID_FIRST_RESERVED; id++)
        if (st->doms.by_id[id] && st->doms.by_id[id]->introduced)
            xs_release(st, id);
    if (o.domain_sockets) {
        free(st->ring.ctx);
        st->ring = (struct xs_ring_ops){0};
    } else {
        xs_ring_shutdown(st);
    }
    xs_store_free(st);
    daemon_finish(&dm);
    uv_run(loop, UV_RUN_NOWAIT);
    return 0;
}
