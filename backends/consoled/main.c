/*
 * xenolith-consoled: guest console rings (HVM_PARAM_CONSOLE_PFN/_EVTCHN,
 * found through console/ring-ref and console/port in XenStore) to a pty
 * per domain, for `xl console`, and a size-capped log file per domain.
 * Xen's xenconsoled, with every daemon's conventions (doc/design.md,
 * "Daemons and the runtime directory").
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/consoled/consoled.h"
#include "dom0/daemon.h"
#include "dom0/rundir.h"

void consoled_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    daemon_vlog("xenolith-consoled", fmt, ap);
    va_end(ap);
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

enum { OPT_LOG_MAX = 256 };

static int extra_opt(int opt, const char *arg, void *ctx)
{
    struct consoled *cd = ctx;
    if (opt == OPT_LOG_MAX && parse_size(arg, &cd->log_max))
        return 0;
    fprintf(stderr, "xenolith-consoled: bad --log-max '%s' (bytes, or with K, M, G)\n", arg);
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option extra_opts[] = {
        {"log-max", required_argument, NULL, OPT_LOG_MAX},
        {NULL, 0, NULL, 0},
    };
    static struct consoled cd = {.log_max = CONSOLED_LOG_MAX_DEFAULT};
    struct daemon dm = {
        .name = "xenolith-consoled",
        .summary = "The Xenolith console daemon: guest console rings to ptys and log files.",
        .extra_help = "      --log-max BYTES      rotate a domain's log past this size (K, M, G\n"
                      "                           suffixes; default 1M; 0: no logs)\n",
        .extra_opts = extra_opts,
        .extra_opt = extra_opt,
        .ctx = &cd,
    };
    int rc = daemon_init(&dm, argc, argv);
    if (rc >= 0)
        return rc;
    const char *rundir = dm.rundir;
    snprintf(cd.logdir, sizeof(cd.logdir), "%s/console", rundir);
    char why[1200];
    if (rundir_prepare(cd.logdir, 0750, why, sizeof(why)) < 0) {
        fprintf(stderr, "xenolith-consoled: %s\n", why);
        return 1;
    }

    char err[256];
    cd.xc = xenctl_open(rundir, err, sizeof(err));
    if (!cd.xc) {
        fprintf(stderr, "xenolith-consoled: cannot reach xenolithd: %s (start it first)\n", err);
        return 1;
    }
    /* XENSTORED_PATH: the user's, else the rundir's (daemon_init). */
    cd.xs = xs_open(0);
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
    cd.loop = uv_default_loop();
    /* Detach, and write the pid file, only once the watches are set: a
     * pid file in place means the daemon serves consoles. */
    daemon_background(&dm);
    if (consoled_watch(&cd) < 0)
        return 1;
    daemon_serving(&dm, cd.loop);
    consoled_log("started (pid %d, logs in %s, %llu bytes each before rotation)", (int)getpid(),
                 cd.logdir, (unsigned long long)cd.log_max);

    uv_run(cd.loop, UV_RUN_DEFAULT);

    consoled_log("stopping");
    consoled_unwatch(&cd);
    daemon_finish(&dm);
    uv_run(cd.loop, UV_RUN_NOWAIT);
    if (cd.virq)
        xenevtchn_close(cd.virq);
    xs_close(cd.xs);
    xenctl_close(cd.xc);
    free(cd.by_id);
    return 0;
}
