/*
 * xenolithd: the thin hypervisor. Owns /dev/kvm, runs every domain's
 * vCPUs, and serves Dom0 programs on the privcmd socket.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "dom0/daemon.h"
#include "dom0/rundir.h"
#include "hypervisor/hv.h"
#include "hypervisor/log.h"
#include "hypervisor/privcmd_server.h"
#include "hypervisor/sched_cgroup.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xenolithd [OPTIONS]\n"
            "The Xenolith hypervisor: runs Xen-ABI domains on KVM.\n\n"
            "  -F, --foreground      stay in the foreground, log to stderr\n"
            "  -r, --rundir DIR      runtime directory (default %s)\n"
            "  -g, --group NAME      also let members of group NAME use the privcmd socket\n"
            "      --msr-filter      route the hypercall MSR through a KVM MSR filter even\n"
            "                        where refused-MSR exits would do (slower domain creation)\n"
            "  -h, --help            this text\n"
            "  -V, --version         print the version\n",
            RUNDIR_SYSTEM);
}

static void on_signal(uv_signal_t *s, int signum)
{
    hv_log("signal %d: destroying all domains and stopping", signum);
    uv_stop(s->loop);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"foreground", no_argument, NULL, 'F'}, {"rundir", required_argument, NULL, 'r'},
        {"group", required_argument, NULL, 'g'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},    {"msr-filter", no_argument, NULL, 'M'},
        {NULL, 0, NULL, 0},
    };
    bool foreground = false;
    const char *rundir = RUNDIR_SYSTEM;
    gid_t admin_gid = (gid_t)-1;
    bool force_msr_filter = false;
    int c;
    while ((c = getopt_long(argc, argv, "Fr:g:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            foreground = true;
            break;
        case 'r':
            rundir = optarg;
            break;
        case 'g': {
            struct group *g = getgrnam(optarg);
            if (!g) {
                fprintf(stderr, "xenolithd: no group named %s\n", optarg);
                return 2;
            }
            admin_gid = g->gr_gid;
            break;
        }
        case 'M':
            force_msr_filter = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xenolithd %s\n", PACKAGE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "xenolithd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    char path[512];
    snprintf(path, sizeof(path), "%s/log", rundir);
    char why[1200];
    if (rundir_prepare(path, 0755, why, sizeof(why)) < 0) {
        fprintf(stderr, "xenolithd: %s\n", why);
        return 1;
    }
    char err[512];
    if (hv_init(rundir, err, sizeof(err)) < 0) {
        fprintf(stderr, "xenolithd: %s\n", err);
        return 1;
    }
    if (force_msr_filter)
        hv.msr_via_filter = true;
    snprintf(path, sizeof(path), "%s/xenolithd.pid", rundir);
    int pidfd = daemon_lock_pidfile("xenolithd", path);
    if (pidfd < 0)
        return 1;
    if (!foreground) {
        char logpath[512];
        snprintf(logpath, sizeof(logpath), "%s/log/xenolithd.log", rundir);
        daemon_detach("xenolithd", logpath); /* the flock is inherited by the surviving child */
    }
    daemon_write_pid(pidfd);
    daemon_raise_nofile();

    uv_loop_t *loop = uv_default_loop();
    if (privcmd_server_start(loop, rundir, admin_gid, err, sizeof(err)) < 0) {
        hv_log("%s", err);
        return 1;
    }
    uv_signal_t sigterm, sigint;
    uv_signal_init(loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    hv_log("started (pid %d, rundir %s, TSC %u kHz, hypercall MSR via %s, global callback "
           "vector %s)",
           (int)getpid(), rundir, hv.tsc_khz,
           hv.msr_via_filter ? "MSR filter" : "refused-MSR exits",
           hv.auto_eoi ? "without EOI (SynIC AutoEOI)"
                       : "through the LAPIC: guests must EOI it (KVM has no SynIC)");

    uv_run(loop, UV_RUN_DEFAULT);

    hv_destroy_all();
    sched_cleanup();
    privcmd_server_stop();
    uv_close((uv_handle_t *)&sigterm, NULL);
    uv_close((uv_handle_t *)&sigint, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    unlink(path);
    hv_log("stopped");
    return 0;
}
