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

#include "toolstack/domain_config.h"
#include "toolstack/domain_config_json.h"
#include "toolstack/json_util.h"
#include "toolstack/lib/xnl.h"
#include "toolstack/xl_console.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xlcfg.h"

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
    int rc = xnl_monitor_run(rundir, domid, dc, stderr);
    if (console > 0)
        while (waitpid(console, NULL, 0) < 0 && errno == EINTR)
            ;
    return rc ? 1 : 0;
}

static int create(const struct create_opts *o, const struct domain_config *dc)
{
    char err[512];
    int rc = xnl_domain_check(dc, err, sizeof(err));
    if (rc == -ENOEXEC) {
        xl_err("%s: %s", o->config, err);
        return 1;
    }
    if (rc < 0) {
        xl_err("%s", err);
        return 1;
    }
    struct xnl_ctx *ctx = xl_ctx();
    if (!ctx)
        return 1;
    uint32_t domid;
    if (xnl_domain_create(ctx, dc, o->paused, &domid) < 0) {
        xl_err("%s", xnl_error(ctx));
        xnl_ctx_close(ctx);
        return 1;
    }
    char rundir[4096];
    snprintf(rundir, sizeof(rundir), "%s", xnl_rundir(ctx));
    xnl_ctx_close(ctx);

    if (o->foreground)
        return run_foreground(rundir, domid, o, dc);
    int e;
    if (!o->no_monitor && (e = xnl_monitor_spawn(rundir, domid, dc)) < 0)
        xl_warn("cannot start the monitor of domain %u: %s; on_poweroff, on_reboot and "
                "on_crash will not be carried out", domid, strerror(-e));
    return o->console ? xl_console_after_create(rundir, domid, dc->name) : 0;
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
