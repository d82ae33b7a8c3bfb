/* xl sched-credit: a domain's credit-scheduler weight and cap, which
 * xenolithd maps onto the cgroup its vCPU threads run in. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

/* What Xen's credit scheduler gives a domain nobody has tuned; Domain-0
 * shows it because the host's own processes are in no cgroup of ours. */
#define DEFAULT_WEIGHT 256

static bool is_dom0(const struct privcmd_dominfo *d)
{
    return d->domid == 0 || (d->flags & PRIVCMD_DOMINFO_DOM0);
}

/* Only the syntax is checked here: the range is the daemon's to judge,
 * and its message says what the range is. */
static int parse_value(const char *what, const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || *s == '-' || errno || v > UINT32_MAX) {
        xl_err("'xl sched-credit': %s '%s' is not a number from 0 to %u", what, s, UINT32_MAX);
        return -EINVAL;
    }
    *out = (uint32_t)v;
    return 0;
}

static void print_header(void)
{
    printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
}

/* One row; -ESRCH when the domain went away since it was listed. */
static int print_row(xenctl *xc, const struct privcmd_dominfo *d)
{
    struct privcmd_sched sc = {.weight = DEFAULT_WEIGHT, .cap = 0};
    if (!is_dom0(d)) {
        int rc = xenctl_sched_credit_get(xc, d->domid, &sc);
        if (rc < 0) {
            if (rc != -ESRCH)
                xl_err("cannot read the scheduler parameters of domain %u (%s): %s", d->domid,
                       d->name, xenctl_error(xc));
            return rc;
        }
    }
    printf("%-33s %4u %6u %4u\n", d->name, d->domid, sc.weight, sc.cap);
    return 0;
}

static int print_all(struct xnl_ctx *ctx)
{
    xenctl *xc = xnl_xenctl(ctx);
    struct privcmd_dominfo *list;
    size_t n;
    if (xl_domain_list(ctx, &list, &n) != 0)
        return 1;
    print_header();
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        list[i].name[sizeof(list[i].name) - 1] = '\0';
        /* A domain destroyed while the table is printed just drops out,
         * as it would had the list been taken a moment later. */
        int e = print_row(xc, &list[i]);
        if (e < 0 && e != -ESRCH)
            rc = 1;
    }
    free(list);
    return rc;
}

static int set_params(xenctl *xc, const struct privcmd_dominfo *d, bool set_w, uint32_t weight,
                      bool set_c, uint32_t cap)
{
    if (is_dom0(d)) {
        xl_err("cannot set the scheduler parameters of Domain-0: the host's processes are in "
               "no cgroup of xenolithd's");
        return 1;
    }
    /* xl changes only what was given; the daemon takes both values, so
     * the other one is read back first. */
    if (!set_w || !set_c) {
        struct privcmd_sched cur;
        if (xenctl_sched_credit_get(xc, d->domid, &cur) < 0) {
            xl_err("cannot read the scheduler parameters of domain %u (%s): %s", d->domid,
                   d->name, xenctl_error(xc));
            return 1;
        }
        if (!set_w)
            weight = cur.weight;
        if (!set_c)
            cap = cur.cap;
    }
    if (xenctl_sched_credit_set(xc, d->domid, weight, cap) < 0) {
        xl_err("cannot set the scheduler parameters of domain %u (%s): %s", d->domid, d->name,
               xenctl_error(xc));
        return 1;
    }
    return 0;
}

int main_sched_credit(int argc, char **argv)
{
    const char *dom = NULL, *w = NULL, *c = NULL;
    const struct xl_opt opts[] = {XL_VALUE('d', "domain", &dom), XL_VALUE('w', "weight", &w),
                                  XL_VALUE('c', "cap", &c), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 0, &rc))
        return rc;
    uint32_t weight = 0, cap = 0;
    bool set_w = w != NULL, set_c = c != NULL;
    if ((w && parse_value("weight", w, &weight) < 0) || (c && parse_value("cap", c, &cap) < 0))
        return 2;
    if (optind < argc) {
        xl_err("'xl sched-credit' takes no arguments besides its options ('%s')", argv[optind]);
        xl_cmd_help(xl_find_cmd(argv[0]), stderr);
        return 2;
    }
    if (!dom && (set_w || set_c)) {
        xl_err("'xl sched-credit': -w and -c need a domain (-d)");
        return 2;
    }
    struct xnl_ctx *ctx = xl_ctx();
    if (!ctx)
        return 1;
    xenctl *xc = xnl_xenctl(ctx);
    if (!dom) {
        rc = print_all(ctx);
        xnl_ctx_close(ctx);
        return rc;
    }
    struct privcmd_dominfo info;
    if (xl_find_domain(ctx, dom, &info) < 0) {
        xnl_ctx_close(ctx);
        return 1;
    }
    if (set_w || set_c) {
        rc = set_params(xc, &info, set_w, weight, set_c, cap);
    } else {
        print_header();
        rc = print_row(xc, &info);
        if (rc == -ESRCH)
            xl_err("domain %u (%s) went away: %s", info.domid, info.name, xenctl_error(xc));
        rc = rc < 0 ? 1 : 0;
    }
    xnl_ctx_close(ctx);
    return rc;
}
