#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "xl: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void xl_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void xl_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

void xl_opt_reset(void)
{
    optind = 1;
    opterr = 0;
}

/* getopt_long with -h and bad options handled: the option, -1 at the
 * end, or -2 when the command should return *rc now. */
static int next_opt(int argc, char **argv, const char *shortopts, const struct option *longopts,
                    int *rc)
{
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    const struct xl_cmd *cmd = xl_find_cmd(argv[0]);
    if (c == 'h') {
        if (cmd)
            xl_cmd_help(cmd, stdout);
        *rc = 0;
        return -2;
    }
    if (c == '?') {
        if (optopt && strchr(shortopts, optopt))
            xl_err("option -%c of 'xl %s' needs an argument", optopt, argv[0]);
        else if (optopt)
            xl_err("'xl %s' has no option -%c", argv[0], optopt);
        else
            xl_err("'xl %s' has no option %s", argv[0], argv[optind - 1]);
        if (cmd)
            xl_cmd_help(cmd, stderr);
        *rc = 2;
        return -2;
    }
    return c;
}

/* Options a command may have: -h and a few of its own. */
#define MAX_OPTS 16

bool xl_args(int argc, char **argv, const struct xl_opt *opts, int nargs, int *rc)
{
    char shortopts[2 * MAX_OPTS + 2] = "h";
    struct option longopts[MAX_OPTS + 2] = {{"help", 0, NULL, 'h'}};
    size_t ns = 1, nl = 1, n = 0;
    while (opts && opts[n].opt && n < MAX_OPTS) {
        shortopts[ns++] = (char)opts[n].opt;
        if (opts[n].value)
            shortopts[ns++] = ':';
        if (opts[n].name)
            longopts[nl++] = (struct option){opts[n].name, opts[n].value ? 1 : 0, NULL,
                                             opts[n].opt};
        n++;
    }
    int c;
    while ((c = next_opt(argc, argv, shortopts, longopts, rc)) != -1) {
        if (c == -2)
            return false;
        for (size_t i = 0; i < n; i++) {
            if (opts[i].opt != c)
                continue;
            if (opts[i].value)
                *opts[i].value = optarg;
            else if (opts[i].flag)
                *opts[i].flag = true;
        }
    }
    *rc = xl_need_args(argc, argv, nargs);
    return *rc == 0;
}

int xl_need_args(int argc, char **argv, int n)
{
    if (argc - optind >= n)
        return 0;
    xl_err("'xl %s' requires at least %d argument%s", argv[0], n, n == 1 ? "" : "s");
    const struct xl_cmd *cmd = xl_find_cmd(argv[0]);
    if (cmd)
        xl_cmd_help(cmd, stderr);
    return 2;
}

static void print_warning(void *arg, const char *msg)
{
    (void)arg;
    xl_warn("%s", msg);
}

struct xnl_ctx *xl_ctx(void)
{
    char err[512];
    struct xnl_ctx *ctx = xnl_ctx_open(NULL, err, sizeof(err));
    if (!ctx) {
        xl_err("%s", err);
        return NULL;
    }
    xnl_ctx_set_warn(ctx, print_warning, NULL);
    return ctx;
}

int xl_find_domain(struct xnl_ctx *ctx, const char *arg, struct privcmd_dominfo *out)
{
    int rc = xnl_domain_find(ctx, arg, out);
    if (rc < 0)
        xl_err("%s", xnl_error(ctx));
    return rc;
}

struct xnl_ctx *xl_ctx_domain(const char *arg, struct privcmd_dominfo *info)
{
    struct xnl_ctx *ctx = xl_ctx();
    if (ctx && xl_find_domain(ctx, arg, info) < 0) {
        xnl_ctx_close(ctx);
        return NULL;
    }
    return ctx;
}

int xl_domain_list(struct xnl_ctx *ctx, struct privcmd_dominfo **list, size_t *n)
{
    xenctl *xc = xnl_xenctl(ctx);
    if (xenctl_domain_list(xc, list, n) < 0) {
        xl_err("cannot list domains: %s", xenctl_error(xc));
        return 1;
    }
    for (size_t i = 0; i < *n; i++)
        (*list)[i].name[sizeof((*list)[i].name) - 1] = '\0';
    return 0;
}

int xl_domain_do(const char *arg, int (*op)(struct xnl_ctx *ctx, uint32_t domid))
{
    struct privcmd_dominfo info;
    struct xnl_ctx *ctx = xl_ctx_domain(arg, &info);
    if (!ctx)
        return 1;
    int rc = op(ctx, info.domid) < 0;
    if (rc)
        xl_err("%s", xnl_error(ctx));
    xnl_ctx_close(ctx);
    return rc;
}

int xl_device_domain(struct xnl_ctx *ctx, const char *arg, uint32_t *domid)
{
    struct privcmd_dominfo info;
    if (xl_find_domain(ctx, arg, &info) < 0)
        return 1;
    if (info.domid == 0) {
        xl_err("Domain-0 has no frontend devices here");
        return 1;
    }
    if (!xnl_xs(ctx)) {
        xl_err("%s", xnl_error(ctx));
        return 1;
    }
    *domid = info.domid;
    return 0;
}

struct xnl_ctx *xl_device_open(const char *arg, uint32_t *domid)
{
    struct xnl_ctx *ctx = xl_ctx();
    if (ctx && xl_device_domain(ctx, arg, domid) != 0) {
        xnl_ctx_close(ctx);
        return NULL;
    }
    return ctx;
}

int xl_parse_spec(int argc, char **argv, int from, xl_spec_parse_fn *parse, void *out)
{
    size_t len = 1;
    for (int i = from; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = calloc(1, len), err[1200];
    if (!s) {
        xl_err("out of memory");
        return 1;
    }
    for (int i = from; i < argc; i++) {
        if (i > from)
            strcat(s, ",");
        strcat(s, argv[i]);
    }
    int rc = parse(s, out, err, sizeof(err)) < 0;
    if (rc)
        xl_err("%s", err);
    free(s);
    return rc;
}

int xl_device_attach(int argc, char **argv, int nargs, const struct xl_attach *a, void *spec)
{
    int rc;
    if (!xl_args(argc, argv, NULL, nargs, &rc))
        return rc;
    if (xl_parse_spec(argc, argv, optind + 1, a->parse, spec))
        return 1;
    uint32_t domid;
    struct xnl_ctx *ctx = xl_device_open(argv[optind], &domid);
    rc = !ctx || a->add(ctx, domid, spec);
    a->free(spec);
    xnl_ctx_close(ctx);
    return rc;
}

int xl_device_rows(int argc, char **argv, const char *type, unsigned max, xl_device_row_fn *row)
{
    uint32_t ids[XL_DEVICE_ROWS_MAX];
    if (max > XL_DEVICE_ROWS_MAX)
        max = XL_DEVICE_ROWS_MAX;
    struct xnl_ctx *ctx = xl_ctx();
    if (!ctx)
        return 1;
    int rc = 0;
    for (int a = optind; a < argc; a++) {
        uint32_t domid;
        if (xl_device_domain(ctx, argv[a], &domid) != 0) {
            rc = 1;
            continue;
        }
        int n = xnl_device_list(ctx, type, domid, ids, max);
        for (int i = 0; i < n && i < (int)max; i++)
            row(ctx, domid, ids[i]);
    }
    xnl_ctx_close(ctx);
    return rc;
}

const struct privcmd_dominfo *xl_domain_in_list(const struct privcmd_dominfo *list, size_t n,
                                                const char *arg)
{
    bool by_id = xnl_is_domid(arg);
    unsigned long id = by_id ? strtoul(arg, NULL, 10) : 0;
    for (size_t i = 0; i < n; i++)
        if (by_id ? list[i].domid == id : strcmp(list[i].name, arg) == 0)
            return &list[i];
    return NULL;
}
