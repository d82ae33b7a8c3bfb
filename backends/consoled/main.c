/*
 * xenolith-consoled: guest console rings (HVM_PARAM_CONSOLE_PFN/_EVTCHN,
 * found through console/ring-ref and console/port in XenStore) to a pty
 * per domain, for `xl console`, and a size-capped log file per domain.
 * Xen's xenconsoled, with the daemon conventions of DESIGN §10.
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

#include "backends/consoled/consoled.h"
#include "dom0/daemon.h"
#include "dom0/rundir.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xenolith-consoled [OPTIONS]\n"
            "The Xenolith console daemon: guest console rings to ptys and log files.\n\n"
            "  -F, --foreground         stay in the foreground, log to stderr\n"
            "  -r, --rundir DIR         runtime directory (default %s)\n"
            "      --log-max BYTES      rotate a domain's log past this size (K, M, G\n"
            "                           suffixes; default 1M; 0: no logs)\n"
            "  -h, --help               this text\n"
            "  -V, --version            print the version\n",
            RUNDIR_SYSTEM);
}

void consoled_log(const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02d %02d:%02d:%02d xenolith-consoled: %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msg);
}

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || s[0] == '-')
        return false;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return false;
    }
    if (*end || (shift && v > (UINT64_MAX >> shift)))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    uv_stop(s->loop);
}

/* XenStore through Debian's libxenstore: RUNDIR/xenstored/socket unless
 * the user named another in XENSTORED_PATH. */
static struct xs_handle *open_xenstore(const char *rundir)
{
    const char *env = getenv("XENSTORED_PATH");
    if (!env || !*env) {
        char sock[600];
        snprintf(sock, sizeof(sock), "%s/xenstored/socket", rundir);
        setenv("XENSTORED_PATH", sock, 1);
    }
    return xs_open(0);
}

int main(int argc, char **argv)
{
    enum { OPT_LOG_MAX = 256 };
    static const struct option opts[] = {
        {"foreground", no_argument, NULL, 'F'},
        {"rundir", required_argument, NULL, 'r'},
        {"log-max", required_argument, NULL, OPT_LOG_MAX},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    bool foreground = false;
    const char *rundir = RUNDIR_SYSTEM;
    static struct consoled cd = {.log_max = CONSOLED_LOG_MAX_DEFAULT};
    int c;
    while ((c = getopt_long(argc, argv, "Fr:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            foreground = true;
            break;
        case 'r':
            rundir = optarg;
            break;
        case OPT_LOG_MAX:
            if (!parse_size(optarg, &cd.log_max)) {
                fprintf(stderr, "xenolith-consoled: bad --log-max '%s' (bytes, or with K, M, G)\n",
                        optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xenolith-consoled %s\n", PACKAGE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "xenolith-consoled: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    char logpath[600], pidpath[600];
    snprintf(logpath, sizeof(logpath), "%s/log", rundir);
    snprintf(cd.logdir, sizeof(cd.logdir), "%s/console", rundir);
    int r = rundir_mkdirs(logpath, 0755);
    if (r == 0)
        r = rundir_mkdirs(cd.logdir, 0750);
    if (r < 0) {
        fprintf(stderr, "xenolith-consoled: cannot create directories under %s: %s\n", rundir,
                strerror(-r));
        return 1;
    }
    snprintf(logpath, sizeof(logpath), "%s/log/xenolith-consoled.log", rundir);
    snprintf(pidpath, sizeof(pidpath), "%s/xenolith-consoled.pid", rundir);
    int pidfd = daemon_lock_pidfile("xenolith-consoled", pidpath);
    if (pidfd < 0)
        return 1;
    /* Empty until we serve: a pid in it means ready (xenolith-commons). */
    if (ftruncate(pidfd, 0) < 0)
        return 1;

    /* The Dom0 libraries find xenolithd through XENOLITH_RUNDIR: ours. */
    setenv("XENOLITH_RUNDIR", rundir, 1);
    char err[256];
    cd.xc = xenctl_open(rundir, err, sizeof(err));
    if (!cd.xc) {
        fprintf(stderr, "xenolith-consoled: cannot reach xenolithd: %s (start it first)\n", err);
        return 1;
    }
    cd.xs = open_xenstore(rundir);
    if (!cd.xs) {
        fprintf(stderr, "xenolith-consoled: cannot reach XenStore at %s: %s "
                "(start xenolith-stored first)\n", getenv("XENSTORED_PATH"), strerror(errno));
        return 1;
    }
    cd.by_id = calloc(DOMID_FIRST_RESERVED, sizeof(cd.by_id[0]));
    if (!cd.by_id) {
        fprintf(stderr, "xenolith-consoled: out of memory\n");
        return 1;
    }
    daemon_raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    cd.loop = uv_default_loop();
    /* Detach, and write the pid file, only once the watches are set: a
     * pid file in place means the daemon serves consoles. */
    if (!foreground)
        daemon_detach("xenolith-consoled", logpath);
    if (consoled_watch(&cd) < 0)
        return 1;
    daemon_write_pid(pidfd);

    uv_signal_t sigterm, sigint;
    uv_signal_init(cd.loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_init(cd.loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    consoled_log("started (pid %d, logs in %s, %llu bytes each before rotation)", (int)getpid(),
                 cd.logdir, (unsigned long long)cd.log_max);

    uv_run(cd.loop, UV_RUN_DEFAULT);

    consoled_log("stopping");
    consoled_unwatch(&cd);
    uv_close((uv_handle_t *)&sigterm, NULL);
    uv_close((uv_handle_t *)&sigint, NULL);
    uv_run(cd.loop, UV_RUN_NOWAIT);
    if (cd.virq)
        xenevtchn_close(cd.virq);
    xs_close(cd.xs);
    xenctl_close(cd.xc);
    free(cd.by_id);
    unlink(pidpath);
    return 0;
}
