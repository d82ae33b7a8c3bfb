/* xl uptime: how long each domain has existed, in xl's format. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

/* xl prints days only when there are any and pads the hours to two
 * columns; the short form drops the seconds. */
static void format_uptime(unsigned long secs, bool short_mode, char *buf, size_t len)
{
    unsigned long day = secs / 86400, hour = secs / 3600 % 24, min = secs / 60 % 60,
                  sec = secs % 60;
    int n = 0;
    if (day > 0)
        n = snprintf(buf, len, "%lu day%s, ", day, day > 1 ? "s" : "");
    if (n < 0 || (size_t)n >= len)
        return;
    if (short_mode)
        snprintf(buf + n, len - (size_t)n, "%2lu:%02lu", hour, min);
    else
        snprintf(buf + n, len - (size_t)n, "%2lu:%02lu:%02lu", hour, min, sec);
}

/* Domain-0 is the host, so its uptime is the host's. */
static int host_uptime(unsigned long *secs)
{
    FILE *f = fopen("/proc/uptime", "r");
    if (!f)
        return -errno;
    double up;
    int n = fscanf(f, "%lf", &up);
    fclose(f);
    if (n != 1 || up < 0)
        return -EINVAL;
    *secs = (unsigned long)up;
    return 0;
}

static bool is_dom0(const struct privcmd_dominfo *d)
{
    return d->domid == 0 || (d->flags & PRIVCMD_DOMINFO_DOM0);
}

static int domain_uptime(const struct privcmd_dominfo *d, const struct timespec *now,
                         unsigned long *secs)
{
    if (is_dom0(d)) {
        int rc = host_uptime(secs);
        if (rc < 0)
            xl_err("cannot read the uptime of Domain-0 from /proc/uptime: %s", strerror(-rc));
        return rc;
    }
    long long now_ns = (long long)now->tv_sec * 1000000000LL + now->tv_nsec;
    long long age = now_ns - (long long)d->create_time_ns;
    /* create_time_ns is CLOCK_REALTIME: a clock stepped back since the
     * domain was created would make it look younger than zero. */
    *secs = age > 0 ? (unsigned long)(age / 1000000000LL) : 0;
    return 0;
}

static int print_one(const struct privcmd_dominfo *d, bool short_mode, const struct timespec *now)
{
    unsigned long secs = 0;
    if (domain_uptime(d, now, &secs) < 0)
        return -1;
    char up[64];
    format_uptime(secs, short_mode, up, sizeof(up));
    if (short_mode) {
        /* The short form reads like uptime(1): the time of day first. */
        char clock[16] = "";
        struct tm tm;
        time_t t = now->tv_sec;
        if (localtime_r(&t, &tm))
            strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
        printf(" %s up %s, %s (%u)\n", clock, up, d->name, d->domid);
    } else {
        printf("%-33s %4u %s\n", d->name, d->domid, up);
    }
    return 0;
}

int main_uptime(int argc, char **argv)
{
    bool short_mode = false;
    const struct xl_opt opts[] = {XL_FLAG('s', NULL, &short_mode), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 0, &rc))
        return rc;
    struct xnl_ctx *ctx = xl_ctx();
    if (!ctx)
        return 1;
    struct privcmd_dominfo *list;
    size_t n;
    rc = xl_domain_list(ctx, &list, &n);
    xnl_ctx_close(ctx);
    if (rc)
        return 1;
    /* Every name is checked before anything is printed, so a typo does
     * not leave half a table behind. */
    for (int a = optind; a < argc; a++) {
        if (!xl_domain_in_list(list, n, argv[a])) {
            xl_err("domain '%s' does not exist", argv[a]);
            free(list);
            return 1;
        }
    }
    /* One clock reading for the whole table, as xl does, so the rows
     * compare. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (!short_mode)
        printf("%-33s %4s %s\n", "Name", "ID", "Uptime");
    rc = 0;
    if (optind < argc) {
        for (int a = optind; a < argc; a++)
            if (print_one(xl_domain_in_list(list, n, argv[a]), short_mode, &now) < 0)
                rc = 1;
    } else {
        for (size_t i = 0; i < n; i++)
            if (print_one(&list[i], short_mode, &now) < 0)
                rc = 1;
    }
    free(list);
    return rc;
}
