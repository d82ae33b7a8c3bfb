/* The start-up every Xenolith daemon shares (daemon.h): kept apart from
 * daemon.c because it needs libuv, which not every Dom0 program links. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dom0/daemon.h"

#define MAX_OPTS 16

static void usage(const struct daemon *d, FILE *f)
{
    fprintf(f,
            "Usage: %s [OPTIONS]\n"
            "%s\n\n"
            "  -F, --foreground         stay in the foreground, log to stderr\n"
            "  -r, --rundir DIR         runtime directory (default %s)\n"
            "%s"
            "  -h, --help               this text\n"
            "  -V, --version            print the version\n",
            d->name, d->summary, RUNDIR_SYSTEM, d->extra_help ? d->extra_help : "");
}

static int parse_args(struct daemon *d, int argc, char **argv)
{
    struct option opts[MAX_OPTS] = {
        {"foreground", no_argument, NULL, 'F'},
        {"rundir", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
    };
    unsigned n = 4;
    for (const struct option *o = d->extra_opts; o && o->name && n + 1 < MAX_OPTS; o++)
        opts[n++] = *o;
    d->rundir = rundir_default();
    d->foreground = false;
    d->pidfd = -1;
    char shorts[32];
    snprintf(shorts, sizeof(shorts), "Fr:hV%s", d->extra_short ? d->extra_short : "");
    int c;
    while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            d->foreground = true;
            break;
        case 'r':
            d->rundir = optarg;
            break;
        case 'h':
            usage(d, stdout);
            return 0;
        case 'V':
            printf("%s %s\n", d->name, PACKAGE_VERSION);
            return 0;
        default:
            if (d->extra_opt && (c >= 256 || (c != '?' && c != ':' && d->extra_short &&
                                              strchr(d->extra_short, c)))) {
                int rc = d->extra_opt(c, optarg, d->ctx);
                if (rc)
                    return rc;
                break;
            }
            usage(d, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", d->name, argv[optind]);
        usage(d, stderr);
        return 2;
    }
    if (strlen(d->rundir) >= RUNDIR_MAX) {
        fprintf(stderr, "%s: rundir too long\n", d->name);
        return 2;
    }
    return -1;
}

static int prepare(struct daemon *d)
{
    char logdir[RUNDIR_MAX + 16];
    snprintf(logdir, sizeof(logdir), "%s/log", d->rundir);
    char why[1200];
    if (rundir_prepare(logdir, 0755, why, sizeof(why)) < 0) {
        fprintf(stderr, "%s: %s\n", d->name, why);
        return -1;
    }
    snprintf(d->logpath, sizeof(d->logpath), "%s/%s.log", logdir, d->name);
    snprintf(d->pidpath, sizeof(d->pidpath), "%s/%s.pid", d->rundir, d->name);
    d->pidfd = daemon_lock_pidfile(d->name, d->pidpath);
    if (d->pidfd < 0)
        return -1;
    if (ftruncate(d->pidfd, 0) < 0) {
        fprintf(stderr, "%s: cannot empty %s: %s\n", d->name, d->pidpath, strerror(errno));
        return -1;
    }
    /* The Dom0 libraries find xenolithd and the store through these. */
    setenv("XENOLITH_RUNDIR", d->rundir, 1);
    const char *xs = getenv("XENSTORED_PATH");
    if (!xs || !*xs) {
        char sock[RUNDIR_MAX + 32];
        snprintf(sock, sizeof(sock), "%s/xenstored/socket", d->rundir);
        setenv("XENSTORED_PATH", sock, 1);
    }
    signal(SIGPIPE, SIG_IGN);
    daemon_raise_nofile();
    return 0;
}

int daemon_init(struct daemon *d, int argc, char **argv)
{
    int rc = parse_args(d, argc, argv);
    if (rc >= 0)
        return rc;
    return prepare(d) < 0 ? 1 : -1;
}

void daemon_background(struct daemon *d)
{
    if (!d->foreground)
        daemon_detach(d->name, d->logpath);
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct daemon *d = s->data;
    d->stop_signal = signum;
    uv_stop(s->loop);
}

void daemon_serving(struct daemon *d, uv_loop_t *loop)
{
    daemon_write_pid(d->pidfd);
    uv_signal_init(loop, &d->sigterm);
    uv_signal_init(loop, &d->sigint);
    d->sigterm.data = d->sigint.data = d;
    uv_signal_start(&d->sigterm, on_signal, SIGTERM);
    uv_signal_start(&d->sigint, on_signal, SIGINT);
}

void daemon_finish(struct daemon *d)
{
    uv_close((uv_handle_t *)&d->sigterm, NULL);
    uv_close((uv_handle_t *)&d->sigint, NULL);
    unlink(d->pidpath);
}
