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
#include "dom0/xenctl.h"
#include "toolstack/monitor.h"
#include "toolstack/userdata.h"
#include "toolstack/xs_domain.h"

static void mlog(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

static int destroy(FILE *log, xenctl *xc, uint32_t domid, const char *name, int *failures)
{
    if (xenctl_domain_destroy(xc, domid) == 0)
        return 0;
    mlog(log, "cannot destroy domain %u (%s): %s", domid, name, xenctl_error(xc));
    if (++*failures >= DESTROY_ATTEMPTS) {
        mlog(log, "giving up on domain %u (%s) after %d attempts; monitor exiting", domid, name,
             *failures);
        return -1;
    }
    usleep(DESTROY_RETRY_US);
    return 0;
}

int monitor_run(const char *rundir, uint32_t domid, const struct domain_config *dc, FILE *log)
{
    char err[512];
    xenctl *xc = xenctl_open(rundir, err, sizeof(err));
    if (!xc) {
        mlog(log, "monitor of domain %u (%s): %s", domid, dc->name, err);
        return 1;
    }
    mlog(log, "Waiting for domain %s (domid %u) to die [pid %ld]", dc->name, domid, (long)getpid());
    int spurious = 0, failures = 0;
    for (;;) {
        struct privcmd_dominfo info;
        int rc = xenctl_domain_wait(xc, domid, &info);
        if (rc == -ESRCH) {
            mlog(log, "domain %u (%s) is gone", domid, dc->name);
            userdata_remove(rundir, domid);
            xlxs_domain_teardown(rundir, domid, log);
            xenctl_close(xc);
            return 0;
        }
        if (rc < 0) {
            mlog(log, "lost xenolithd while watching domain %u (%s): %s; monitor exiting", domid,
                 dc->name, xenctl_error(xc));
            xenctl_close(xc);
            return 1;
        }
        if (info.state != PRIVCMD_STATE_SHUTDOWN && info.state != PRIVCMD_STATE_CRASHED) {
            /* The daemon answers a wait only for a stopped domain; if it
             * ever does otherwise, back off rather than spin. */
            if (++spurious > 100) {
                mlog(log, "xenolithd keeps waking the monitor of domain %u (%s) for state %u; "
                     "monitor exiting", domid, dc->name, info.state);
                xenctl_close(xc);
                return 1;
            }
            usleep(100 * 1000);
            continue;
        }
        struct stop stop;
        if (!decide(log, &info, dc, &stop)) {
            xenctl_close(xc);
            return 0;
        }
        switch (stop.action) {
        case DC_DESTROY:
            mlog(log, "destroying domain %u (%s) (%s=destroy)", domid, dc->name, stop.key);
            if (destroy(log, xc, domid, dc->name, &failures) < 0) {
                xenctl_close(xc);
                return 1;
            }
            break; /* the next wait reports it gone */
        case DC_PRESERVE:
            mlog(log, "preserving domain %u (%s) as it is (%s=preserve)", domid, dc->name, stop.key);
            xenctl_close(xc);
            return 0;
        default:
            mlog(log, "%s=%s is not implemented yet; destroying domain %u (%s) instead", stop.key,
                 dc_action_name(stop.action), domid, dc->name);
            if (destroy(log, xc, domid, dc->name, &failures) < 0) {
                xenctl_close(xc);
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
    int rc = monitor_run(rundir, domid, dc, log);
    fclose(log);
    _exit(rc);
}

int monitor_spawn(const char *rundir, uint32_t domid, const struct domain_config *dc)
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
