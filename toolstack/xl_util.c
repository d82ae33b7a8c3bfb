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

xenctl *xl_open(void)
{
    char err[512];
    xenctl *xc = xenctl_open(NULL, err, sizeof(err));
    if (!xc)
        xl_err("%s", err);
    return xc;
}

bool xl_is_domid(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* One question to xenolithd, by id or by name: listing every domain
 * would cost per domain on a host running hundreds. */
int xl_find_domain(xenctl *xc, const char *arg, struct privcmd_dominfo *out)
{
    int rc;
    if (xl_is_domid(arg)) {
        errno = 0;
        unsigned long id = strtoul(arg, NULL, 10);
        rc = errno || id > UINT32_MAX ? -ESRCH : xenctl_domain_info(xc, (uint32_t)id, out);
    } else {
        rc = xenctl_domain_find(xc, arg, out);
    }
    if (rc == -ESRCH) {
        xl_err("domain '%s' does not exist", arg);
        return rc;
    }
    if (rc < 0) {
        xl_err("cannot look up domain '%s': %s", arg, xenctl_error(xc));
        return rc;
    }
    out->name[sizeof(out->name) - 1] = '\0';
    return 0;
}

char *xl_join_args(int argc, char **argv, int from)
{
    size_t len = 1;
    for (int i = from; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = calloc(1, len);
    if (!s) {
        xl_err("out of memory");
        return NULL;
    }
    for (int i = from; i < argc; i++) {
        if (i > from)
            strcat(s, ",");
        strcat(s, argv[i]);
    }
    return s;
}
