/*
 * xenolithd: the thin hypervisor. Owns /dev/kvm, runs every domain's
 * vCPUs, and serves Dom0 programs on the privcmd socket.
 */
#include "config.h"

#include <grp.h>
#include <stdio.h>
#include <unistd.h>
#include <uv.h>

#include "dom0/daemon.h"
#include "hypervisor/domain_lifecycle.h"
#include "hypervisor/hv.h"
#include "hypervisor/log.h"
#include "hypervisor/privcmd_server.h"
#include "hypervisor/sched_cgroup.h"

enum { OPT_MSR_FILTER = 256 };

struct options {
    gid_t admin_gid;
    bool force_msr_filter;
};

static int extra_opt(int opt, const char *arg, void *ctx)
{
    struct options *o = ctx;
    if (opt == OPT_MSR_FILTER) {
        o->force_msr_filter = true;
        return 0;
    }
    struct group *g = getgrnam(arg); /* -g, --group */
    if (!g) {
        fprintf(stderr, "xenolithd: no group named %s\n", arg);
        return 2;
    }
    o->admin_gid = g->gr_gid;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option extra_opts[] = {
        {"group", required_argument, NULL, 'g'},
        {"msr-filter", no_argument, NULL, OPT_MSR_FILTER},
        {NULL, 0, NULL, 0},
    };
    struct options o = {.admin_gid = (gid_t)-1};
    struct daemon dm = {
        .name = "xenolithd",
        .summary = "The Xenolith hypervisor: runs Xen-ABI domains on KVM.",
        .extra_help = "  -g, --group NAME         also let members of group NAME use the privcmd\n"
                      "                           socket\n"
                      "      --msr-filter         route the hypercall MSR through a KVM MSR filter\n"
                      "                           even where refused-MSR exits would do (slower\n"
                      "                           domain creation)\n",
        .extra_opts = extra_opts,
        .extra_short = "g:",
        .extra_opt = extra_opt,
        .ctx = &o,
    };
    int rc = daemon_init(&dm, argc, argv);
    if (rc >= 0)
        return rc;
    char err[512];
    if (hv_init(dm.rundir, err, sizeof(err)) < 0) {
        fprintf(stderr, "xenolithd: %s\n", err);
        return 1;
    }
    if (o.force_msr_filter)
        hv.msr_via_filter = true;
    daemon_background(&dm);

    uv_loop_t *loop = uv_default_loop();
    if (privcmd_server_start(loop, dm.rundir, o.admin_gid, err, sizeof(err)) < 0) {
        hv_log("%s", err);
        return 1;
    }
    daemon_serving(&dm, loop);
    hv_log("started (pid %d, rundir %s, TSC %u kHz, hypercall MSR via %s, global callback "
           "vector %s)",
           (int)getpid(), dm.rundir, hv.tsc_khz,
           hv.msr_via_filter ? "MSR filter" : "refused-MSR exits",
           hv.auto_eoi ? "without EOI (SynIC AutoEOI)"
                       : "through the LAPIC: guests must EOI it (KVM has no SynIC)");

    uv_run(loop, UV_RUN_DEFAULT);

    hv_log("signal %d: destroying all domains and stopping", dm.stop_signal);
    domain_destroy_all();
    sched_cleanup();
    privcmd_server_stop();
    daemon_finish(&dm);
    uv_run(loop, UV_RUN_NOWAIT);
    hv_log("stopped");
    return 0;
}
