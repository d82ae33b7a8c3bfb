/* xl create: from a config file to a running PVH domain, its monitor and,
 * with -c, its console. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "toolstack/cmd_block.h"
#include "toolstack/cmd_network.h"
#include "toolstack/console_follow.h"
#include "toolstack/domain_config.h"
#include "toolstack/domain_config_json.h"
#include "toolstack/domain_ops.h"
#include "toolstack/json_util.h"
#include "toolstack/monitor.h"
#include "toolstack/userdata.h"
#include "toolstack/xl_console.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xlcfg.h"
#include "toolstack/xs_domain.h"

struct create_opts {
    bool paused, console, dryrun, foreground, quiet, no_monitor;
    const char *config;
    char **extra; /* key=value arguments, in order */
    int nextra;
};

static int parse_opts(int argc, char **argv, struct create_opts *o, int *rc)
{
    const struct xl_opt opts[] = {
        XL_FLAG('p', NULL, &o->paused),      XL_FLAG('c', NULL, &o->console),
        XL_FLAG('n', "dryrun", &o->dryrun),  XL_FLAG('q', "quiet", &o->quiet),
        XL_FLAG('F', NULL, &o->foreground),  XL_FLAG('e', NULL, &o->no_monitor),
        XL_VALUE('f', "defconfig", &o->config), {0}};
    if (!xl_args(argc, argv, opts, 0, rc))
        return -1;
    /* As in xl: the first argument without '=' is the config file unless
     * -f named one; every key=value argument is extra config. */
    o->extra = argv + optind;
    for (int i = optind; i < argc; i++) {
        if (strchr(argv[i], '=')) {
            o->extra[o->nextra++] = argv[i];
        } else if (!o->config) {
            o->config = argv[i];
        } else {
            xl_err("'xl create' takes one config file; '%s' is a second one "
                   "(settings are written key=value)", argv[i]);
            *rc = 2;
            return -1;
        }
    }
    if (!o->config) {
        xl_err("'xl create' needs a config file");
        xl_cmd_help(xl_find_cmd("create"), stderr);
        *rc = 2;
        return -1;
    }
    return 0;
}

static int load_config(const struct create_opts *o, struct domain_config *dc)
{
    if (!o->quiet)
        fprintf(stderr, "Parsing config from %s\n", o->config);
    xlcfg *cfg = xlcfg_new();
    if (!cfg) {
        xl_err("out of memory");
        return -ENOMEM;
    }
    int rc = xlcfg_parse_file(cfg, o->config);
    for (int i = 0; rc == 0 && i < o->nextra; i++)
        rc = xlcfg_parse_arg(cfg, o->extra[i], i + 1);
    if (rc < 0) {
        xl_err("%s", xlcfg_error(cfg));
        xlcfg_free(cfg);
        return rc;
    }
    char err[512];
    rc = domain_config_from_xlcfg(cfg, dc, err, sizeof(err));
    /* An image that cannot be read is the config's mistake: say where. */
    static const char *const images[] = {"kernel", "ramdisk"};
    bool bad_image = false;
    for (int i = 0; rc == 0 && !o->dryrun && i < 2; i++) {
        const char *src, *path = i ? dc->ramdisk : dc->kernel;
        int line;
        if (path && access(path, R_OK) < 0 && xlcfg_lookup(cfg, images[i], &src, &line)) {
            xl_err("%s:%d: %s \"%s\": %s", src, line, images[i], path, strerror(errno));
            domain_config_free(dc);
            rc = -ENOENT;
            bad_image = true;
        }
    }
    xlcfg_free(cfg);
    if (bad_image)
        return rc;
    if (rc < 0) {
        xl_err("%s", err);
        return rc;
    }
    for (int i = 0; i < dc->nwarnings; i++)
        xl_warn("%s", dc->warnings[i]);
    return 0;
}

static int dry_run(const struct domain_config *dc)
{
    yajl_gen g = json_gen_new();
    int rc = g && domain_config_gen_json(g, dc) == yajl_gen_status_ok && json_print(g, stdout) == 0
                 ? 0
                 : 1;
    if (rc)
        xl_err("cannot print the config of domain %s as JSON", dc->name);
    if (g)
        yajl_gen_free(g);
    return rc;
}

/* Opened before the domain exists, so a mistyped path costs nothing. */
static int open_image(const char *what, const char *path, const char *name)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        xl_err("cannot create domain %s: cannot open %s '%s': %s", name, what, path,
               strerror(errno));
    return fd;
}

/* Any failure but "no such domain" is left to the daemon, which refuses
 * a taken name at create too. */
static bool name_in_use(xenctl *xc, const char *name, uint32_t *domid)
{
    struct privcmd_dominfo info;
    if (xenctl_domain_find(xc, name, &info) < 0)
        return false;
    *domid = info.domid;
    return true;
}

static void undo(xenctl *xc, uint32_t domid)
{
    if (xenctl_domain_destroy(xc, domid) < 0)
        xl_err("could not destroy domain %u after the failure either: %s", domid,
               xenctl_error(xc));
}

/*
 * The domain's XenStore, before it first runs (as libxl does before
 * unpausing). Without xenolith-stored the domain still runs, without
 * XenStore: no store port or params, so the guest can tell.
 */
static int setup_xenstore(xenctl *xc, uint32_t domid, const struct domain_config *dc,
                          bool *introduced)
{
    char sock[4200];
    struct xs_handle *xsh = xlxs_open(xenctl_rundir(xc), sock, sizeof(sock));
    if (!xsh) {
        xl_warn("xenolith-stored is not running (nothing at %s): domain %u (%s) gets no XenStore",
                sock, domid, dc->name);
        return 0;
    }
    int rc = xlxs_domain_setup(xc, xsh, domid, dc);
    xs_close(xsh);
    *introduced = rc == 0;
    return rc;
}

/* Creates, loads and (unless paused) unpauses; on failure nothing is left. */
static int build(xenctl *xc, const struct create_opts *o, const struct domain_config *dc,
                 int kernel_fd, int ramdisk_fd, uint32_t *domid_out)
{
    struct privcmd_create_req req = {
        .memory_kib = dc->memory_mib * 1024,
        .max_memory_kib = dc->maxmem_mib * 1024,
        .vcpus = dc->vcpus,
        .max_vcpus = dc->maxvcpus,
        .type = dc->type == DC_TYPE_HVM ? PRIVCMD_TYPE_HVM : PRIVCMD_TYPE_PVH,
    };
    snprintf(req.name, sizeof(req.name), "%s", dc->name);
    memcpy(req.uuid, dc->uuid, sizeof(req.uuid));

    uint32_t domid;
    if (xenctl_domain_create(xc, &req, &domid) < 0) {
        xl_err("cannot create domain %s: %s", dc->name, xenctl_error(xc));
        return -1;
    }
    if (xenctl_domain_load_pvh(xc, domid, kernel_fd, ramdisk_fd, dc->cmdline) < 0) {
        xl_err("cannot load kernel %s for domain %u (%s): %s", dc->kernel, domid, dc->name,
               xenctl_error(xc));
        undo(xc, domid);
        return -1;
    }
    bool introduced = false;
    if (setup_xenstore(xc, domid, dc, &introduced) < 0) {
        undo(xc, domid);
        return -1;
    }
    if (xl_disks_setup(xenctl_rundir(xc), domid, dc) < 0) {
        undo(xc, domid);
        if (introduced)
            xlxs_domain_teardown(xenctl_rundir(xc), domid, stderr);
        return -1;
    }
    if (xl_vifs_setup(xenctl_rundir(xc), domid, dc) < 0) {
        undo(xc, domid);
        if (introduced)
            xlxs_domain_teardown(xenctl_rundir(xc), domid, stderr);
        return -1;
    }
    if (!o->paused && xenctl_domain_unpause(xc, domid) < 0) {
        xl_err("cannot unpause domain %u (%s): %s", domid, dc->name, xenctl_error(xc));
        undo(xc, domid);
        if (introduced)
            xlxs_domain_teardown(xenctl_rundir(xc), domid, stderr);
        return -1;
    }
    *domid_out = domid;
    return 0;
}

/* -F: the monitor runs here; with -c a child shows the console meanwhile. */
static int run_foreground(const char *rundir, uint32_t domid, const struct create_opts *o,
                          const struct domain_config *dc)
{
    pid_t console = -1;
    if (o->console) {
        fflush(stdout);
        fflush(stderr);
        console = fork();
        if (console == 0)
            _exit(xl_console_after_create(rundir, domid, dc->name));
        if (console < 0)
            xl_warn("cannot follow the console of domain %u: %s", domid, strerror(errno));
    }
    int rc = monitor_run(rundir, domid, dc, stderr);
    if (console > 0)
        while (waitpid(console, NULL, 0) < 0 && errno == EINTR)
            ;
    return rc ? 1 : 0;
}

static int create(const struct create_opts *o, const struct domain_config *dc)
{
    if (dc->type == DC_TYPE_HVM) {
        xl_err("cannot create domain %s: type=\"hvm\" guests cannot be built by this "
               "version of xl yet; use type=\"pvh\"", dc->name);
        return 1;
    }
    if (!dc->kernel) {
        xl_err("%s: cannot create domain %s: no kernel= given (a PVH guest needs a kernel; "
               "bootloaders and firmware are not supported yet)", o->config, dc->name);
        return 1;
    }
    int kernel_fd = open_image("kernel", dc->kernel, dc->name);
    if (kernel_fd < 0)
        return 1;
    int ramdisk_fd = -1;
    if (dc->ramdisk && (ramdisk_fd = open_image("ramdisk", dc->ramdisk, dc->name)) < 0) {
        close(kernel_fd);
        return 1;
    }
    xenctl *xc = xl_open();
    uint32_t domid = 0, other;
    int rc = 1;
    if (!xc)
        goto out;
    if (name_in_use(xc, dc->name, &other)) {
        xl_err("cannot create domain %s: domain %u already has that name", dc->name, other);
        goto out;
    }
    if (build(xc, o, dc, kernel_fd, ramdisk_fd, &domid) < 0)
        goto out;
    rc = 0;
    int e = userdata_save(xenctl_rundir(xc), domid, dc);
    if (e < 0)
        xl_warn("cannot store the config of domain %u for xl list -l: %s", domid, strerror(-e));

    char rundir[4096];
    snprintf(rundir, sizeof(rundir), "%s", xenctl_rundir(xc));
    xenctl_close(xc);
    xc = NULL;
    close(kernel_fd);
    close(ramdisk_fd);
    kernel_fd = ramdisk_fd = -1;

    if (o->foreground)
        return run_foreground(rundir, domid, o, dc);
    if (!o->no_monitor && (e = monitor_spawn(rundir, domid, dc)) < 0)
        xl_warn("cannot start the monitor of domain %u: %s; on_poweroff, on_reboot and "
                "on_crash will not be carried out", domid, strerror(-e));
    if (o->console)
        rc = xl_console_after_create(rundir, domid, dc->name);
out:
    if (xc)
        xenctl_close(xc);
    if (kernel_fd >= 0)
        close(kernel_fd);
    if (ramdisk_fd >= 0)
        close(ramdisk_fd);
    return rc;
}

int main_create(int argc, char **argv)
{
    struct create_opts o = {0};
    int rc = 0;
    if (parse_opts(argc, argv, &o, &rc) < 0)
        return rc;
    struct domain_config dc;
    if (load_config(&o, &dc) < 0)
        return 1;
    rc = o.dryrun ? dry_run(&dc) : create(&o, &dc);
    domain_config_free(&dc);
    return rc;
}

int xl_domain_build_config(xenctl *xc, const struct domain_config *dc, uint32_t *domid)
{
    struct create_opts o = {0};
    if (!dc->kernel) {
        xl_err("cannot create domain %s: no kernel= given", dc->name);
        return -1;
    }
    int kernel_fd = open_image("kernel", dc->kernel, dc->name);
    if (kernel_fd < 0)
        return -1;
    int ramdisk_fd = -1;
    if (dc->ramdisk && (ramdisk_fd = open_image("ramdisk", dc->ramdisk, dc->name)) < 0) {
        close(kernel_fd);
        return -1;
    }
    int rc = build(xc, &o, dc, kernel_fd, ramdisk_fd, domid);
    close(kernel_fd);
    if (ramdisk_fd >= 0)
        close(ramdisk_fd);
    if (rc == 0 && userdata_save(xenctl_rundir(xc), *domid, dc) < 0)
        xl_warn("cannot store the config of domain %u for xl list -l", *domid);
    return rc;
}
