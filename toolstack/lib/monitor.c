/* The per-domain monitor xl create leaves behind: it waits for the domain
 * to stop and carries out on_poweroff / on_reboot / on_crash, building a
 * restarted domain with xnl_domain_create. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "include/xen_public.h"

#include "dom0/rundir.h"
#include "toolstack/lib/ctx.h"
#include "toolstack/lib/xnl.h"
#include "toolstack/xluuid.h"

static void mlog(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mlog_warn(void *log, const char *msg);

static void mlog(FILE *log, const char *fmt, ...)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(log, "[%s] ", stamp);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log, fmt, ap);
    va_end(ap);
    fputc('\n', log);
    fflush(log);
}

/* The library's warnings, in the log with the rest. */
static void mlog_warn(void *log, const char *msg)
{
    mlog(log, "%s", msg);
}

struct stop {
    enum dc_action action;
    const char *key; /* the config key that chose the action */
};

/* What to do about a stopped domain; false when there is nothing to do
 * but leave it (a suspended domain waits for xl restore). */
static bool decide(FILE *log, const struct privcmd_dominfo *info, const struct domain_config *dc,
                   struct stop *out)
{
    bool crashed = info->state == PRIVCMD_STATE_CRASHED ||
                   (info->state == PRIVCMD_STATE_SHUTDOWN && info->shutdown_reason == SHUTDOWN_crash);
    if (crashed) {
        mlog(log, "domain %u (%s) crashed: %s", info->domid, dc->name,
             info->crash_reason[0] ? info->crash_reason : "reason crash");
        *out = (struct stop){dc->on_crash, "on_crash"};
        return true;
    }
    mlog(log, "domain %u (%s) shut down: reason %s", info->domid, dc->name,
         xenctl_shutdown_reason_name(info->shutdown_reason));
    switch (info->shutdown_reason) {
    case SHUTDOWN_poweroff: *out = (struct stop){dc->on_poweroff, "on_poweroff"}; return true;
    case SHUTDOWN_reboot: *out = (struct stop){dc->on_reboot, "on_reboot"}; return true;
    case SHUTDOWN_watchdog: *out = (struct stop){dc->on_watchdog, "on_watchdog"}; return true;
    case SHUTDOWN_soft_reset: *out = (struct stop){dc->on_soft_reset, "on_soft_reset"}; return true;
    case SHUTDOWN_suspend:
        mlog(log, "domain %u (%s) is suspended; leaving it as it is", info->domid, dc->name);
        return false;
    default:
        /* An unknown reason is treated like poweroff, the least surprising. */
        *out = (struct stop){dc->on_poweroff, "on_poweroff"};
        return true;
    }
}

/* A refused destroy would have the next wait return at once with the
 * same stopped domain; pause between attempts and give up eventually
 * rather than spin against the daemon. */
#define DESTROY_ATTEMPTS 10
#define DESTROY_RETRY_US (500 * 1000)

static int destroy(FILE *log, struct xnl_ctx *ctx, uint32_t domid, const char *name,
                   int *failures)
{
    if (xenctl_domain_destroy(ctx->xc, domid) == 0)
        return 0;
    mlog(log, "cannot destroy domain %u (%s): %s", domid, name, xenctl_error(ctx->xc));
    if (++*failures >= DESTROY_ATTEMPTS) {
        mlog(log, "giving up on domain %u (%s) after %d attempts; monitor exiting", domid, name,
             *failures);
        return -1;
    }
    usleep(DESTROY_RETRY_US);
    return 0;
}

/*
 * Restarts, rate-limited: xl waits a moment before it rebuilds a domain;
 * here consecutive restarts are at least RESTART_MIN_INTERVAL_S apart,
 * and after RESTART_BURST restarts within RESTART_WINDOW_S the monitor
 * stops restarting and leaves the stopped domain as it is (as with
 * preserve), so a guest that dies at once cannot loop for ever.
 */
#define RESTART_MIN_INTERVAL_S 2
#define RESTART_BURST 5
#define RESTART_WINDOW_S 60

struct restarts {
    unsigned count;                 /* since the monitor started */
    time_t at[RESTART_BURST];       /* the last RESTART_BURST, a ring */
};

static time_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* False when this restart would exceed the burst; else waits out the
 * minimum interval and records it. */
static bool restart_allowed(FILE *log, struct restarts *r, const char *name)
{
    time_t now = now_s();
    if (r->count >= RESTART_BURST) {
        time_t oldest = r->at[r->count % RESTART_BURST];
        if (now - oldest < RESTART_WINDOW_S) {
            mlog(log, "domain %s was restarted %d times within %d s; not restarting it again",
                 name, RESTART_BURST, RESTART_WINDOW_S);
            return false;
        }
    }
    if (r->count) {
        time_t last = r->at[(r->count - 1) % RESTART_BURST];
        if (now - last < RESTART_MIN_INTERVAL_S) {
            sleep((unsigned)(RESTART_MIN_INTERVAL_S - (now - last)));
            now = now_s();
        }
    }
    r->at[r->count % RESTART_BURST] = now;
    r->count++;
    return true;
}

/* rename-restart: the old domain becomes NAME-<n>, the first n free. */
static int rename_aside(FILE *log, struct xnl_ctx *ctx, uint32_t domid, const char *name)
{
    char newname[PRIVCMD_NAME_LEN];
    for (unsigned n = 1; n < 10000; n++) {
        snprintf(newname, sizeof(newname), "%.*s-%u", PRIVCMD_NAME_LEN - 8, name, n);
        int rc = xnl_domain_rename(ctx, domid, newname);
        if (rc == 0) {
            mlog(log, "renamed domain %u (%s) to %s", domid, name, newname);
            return 0;
        }
        if (rc != -EEXIST) {
            mlog(log, "cannot rename domain %u (%s) to %s: %s", domid, name, newname,
                 xnl_error(ctx));
            return -1;
        }
    }
    mlog(log, "no free name %s-<n> for domain %u", name, domid);
    return -1;
}

/*
 * restart and rename-restart: the stopped domain goes (destroyed, or
 * renamed and kept) and a new one is built from the config under the
 * name the old one had last (xl rename is honoured). Its id, or -1.
 */
static int64_t restart(FILE *log, struct xnl_ctx *ctx, const struct privcmd_dominfo *info,
                       const struct domain_config *dc, bool rename, struct restarts *r)
{
    char name[PRIVCMD_NAME_LEN];
    snprintf(name, sizeof(name), "%.*s", (int)sizeof(info->name) - 1, info->name);
    if (!restart_allowed(log, r, name))
        return -1;
    struct domain_config again = *dc;
    again.name = name;
    if (rename) {
        if (rename_aside(log, ctx, info->domid, name) < 0)
            return -1;
        /* The old domain keeps its UUID and /vm/<uuid>; the new one needs
         * its own so that neither's clean-up removes the other's. */
        xluuid_generate(again.uuid);
    } else if (xnl_domain_destroy(ctx, info->domid) < 0) {
        mlog(log, "cannot destroy domain %u (%s) to restart it: %s", info->domid, name,
             xnl_error(ctx));
        return -1;
    }
    uint32_t domid;
    if (xnl_domain_create(ctx, &again, false, &domid) < 0) {
        mlog(log, "%s", xnl_error(ctx));
        mlog(log, "cannot restart domain %s; monitor exiting", name);
        return -1;
    }
    mlog(log, "restarted domain %s as domain %u (restart %u)", name, domid, r->count);
    return domid;
}

int xnl_monitor_run(const char *rundir, uint32_t domid, const struct domain_config *dc,
                    FILE *log)
{
    char err[512];
    struct xnl_ctx *ctx = xnl_ctx_open(rundir, err, sizeof(err));
    if (!ctx) {
        mlog(log, "monitor of domain %u (%s): %s", domid, dc->name, err);
        return 1;
    }
    xnl_ctx_set_warn(ctx, mlog_warn, log);
    xenctl *xc = ctx->xc;
    mlog(log, "Waiting for domain %s (domid %u) to die [pid %ld]", dc->name, domid, (long)getpid());
    int spurious = 0, failures = 0;
    struct restarts restarts = {0};
    for (;;) {
        struct privcmd_dominfo info;
        int rc = xenctl_domain_wait(xc, domid, &info);
        if (rc == -ESRCH) {
            mlog(log, "domain %u (%s) is gone", domid, dc->name);
            xnl_domain_cleanup(ctx, domid);
            xnl_ctx_close(ctx);
            return 0;
        }
        if (rc < 0) {
            mlog(log, "lost xenolithd while watching domain %u (%s): %s; monitor exiting", domid,
                 dc->name, xenctl_error(xc));
            xnl_ctx_close(ctx);
            return 1;
        }
        if (info.state != PRIVCMD_STATE_SHUTDOWN && info.state != PRIVCMD_STATE_CRASHED) {
            /* The daemon answers a wait only for a stopped domain; if it
             * ever does otherwise, back off rather than spin. */
            if (++spurious > 100) {
                mlog(log, "xenolithd keeps waking the monitor of domain %u (%s) for state %u; "
                     "monitor exiting", domid, dc->name, info.state);
                xnl_ctx_close(ctx);
                return 1;
            }
            usleep(100 * 1000);
            continue;
        }
        struct stop stop;
        if (!decide(log, &info, dc, &stop)) {
            xnl_ctx_close(ctx);
            return 0;
        }
        switch (stop.action) {
        case DC_DESTROY:
            mlog(log, "destroying domain %u (%s) (%s=destroy)", domid, dc->name, stop.key);
            if (destroy(log, ctx, domid, dc->name, &failures) < 0) {
                xnl_ctx_close(ctx);
                return 1;
            }
            break; /* the next wait reports it gone */
        case DC_PRESERVE:
            mlog(log, "preserving domain %u (%s) as it is (%s=preserve)", domid, dc->name, stop.key);
            xnl_ctx_close(ctx);
            return 0;
        case DC_RESTART:
        case DC_RENAME_RESTART: {
            mlog(log, "restarting domain %u (%s) (%s=%s)", domid, info.name, stop.key,
                 dc_action_name(stop.action));
            int64_t next = restart(log, ctx, &info, dc, stop.action == DC_RENAME_RESTART,
                                   &restarts);
            if (next < 0) {
                mlog(log, "leaving domain %u as it is; monitor exiting", domid);
                xnl_ctx_close(ctx);
                return 0;
            }
            domid = (uint32_t)next;
            spurious = failures = 0;
            break;
        }
        default:
            mlog(log, "%s=%s is not implemented yet; destroying domain %u (%s) instead", stop.key,
                 dc_action_name(stop.action), domid, dc->name);
            if (destroy(log, ctx, domid, dc->name, &failures) < 0) {
                xnl_ctx_close(ctx);
                return 1;
            }
            break;
        }
    }
}

static void detach_stdio(void)
{
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
}

/* The grandchild: never returns. */
static void __attribute__((noreturn))
monitor_daemon(const char *rundir, uint32_t domid, const struct domain_config *dc)
{
    /* Nothing of xl's may stay open here: not its daemon connection,
     * and not a pipe a caller is waiting to see closed. */
    close_range(3, ~0U, 0);
    detach_stdio();
    /* A restart opens the images again after the chdir below. */
    struct domain_config abs = *dc;
    char *kernel = dc->kernel ? realpath(dc->kernel, NULL) : NULL;
    char *ramdisk = dc->ramdisk ? realpath(dc->ramdisk, NULL) : NULL;
    if (kernel)
        abs.kernel = kernel;
    if (ramdisk)
        abs.ramdisk = ramdisk;
    dc = &abs;
    if (chdir("/") < 0)
        _exit(1);
    char dir[4096], path[4200];
    snprintf(dir, sizeof(dir), "%s/log", rundir);
    rundir_mkdirs(dir, 0755);
    snprintf(path, sizeof(path), "%s/xl-%s.log", dir, dc->name);
    FILE *log = fopen(path, "ae");
    if (!log)
        log = fopen("/dev/null", "w");
    if (!log)
        _exit(1);
    int rc = xnl_monitor_run(rundir, domid, dc, log);
    fclose(log);
    _exit(rc);
}

int xnl_monitor_spawn(const char *rundir, uint32_t domid, const struct domain_config *dc)
{
    fflush(stdout);
    fflush(stderr);
    pid_t child = fork();
    if (child < 0)
        return -errno;
    if (child == 0) {
        /* The middle process only exists so that the monitor is not our
         * child and not a session leader that could acquire a tty. */
        if (setsid() < 0)
            _exit(1);
        pid_t grandchild = fork();
        if (grandchild < 0)
            _exit(1);
        if (grandchild == 0)
            monitor_daemon(rundir, domid, dc);
        _exit(0);
    }
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}
