/* xl mem-set and xl mem-max: the balloon target in memory/target, and the
 * most a domain may have (xenolithd's limit and memory/static-max). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

/* xl's sizes: a number with an optional unit b, k, m, g or t; no unit
 * means MiB, as xl reads it. -1 when malformed. */
static int64_t parse_size_kib(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno || v < 0 || strlen(end) > 1)
        return -1;
    int shift;
    switch (tolower((unsigned char)*end)) {
    case 't': shift = 30; break;
    case 'g': shift = 20; break;
    case '\0':
    case 'm': shift = 10; break;
    case 'k': shift = 0; break;
    case 'b': return v >> 10;
    default: return -1;
    }
    if (v > (INT64_MAX >> shift))
        return -1;
    return (int64_t)v << shift;
}

struct mem_cmd {
    struct xnl_ctx *ctx;
    struct privcmd_dominfo info;
    int64_t kib;
};

/* Options, the domain, the size and XenStore; 0 or an exit code. */
static int mem_open(int argc, char **argv, struct mem_cmd *m)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 2, &rc))
        return rc;
    const char *size = argv[optind + 1];
    m->kib = parse_size_kib(size);
    if (m->kib < 0) {
        xl_err("invalid memory size: %s", size);
        return 1;
    }
    if (!(m->ctx = xl_ctx_domain(argv[optind], &m->info)))
        return 1;
    if (m->info.domid == 0) {
        xl_err("%s: Domain-0's memory belongs to the host; it has no balloon here", argv[0]);
        return 1;
    }
    if (!xnl_xs(m->ctx)) {
        xl_err("%s: %s; domain %u (%s) keeps its memory settings there", argv[0],
               xnl_error(m->ctx), m->info.domid, m->info.name);
        return 1;
    }
    return 0;
}

/* xl mem-set or mem-max: the library's call on the domain and size. */
static int mem_cmd(int argc, char **argv,
                   int (*set)(struct xnl_ctx *, const struct privcmd_dominfo *, int64_t))
{
    struct mem_cmd m = {0};
    int rc = mem_open(argc, argv, &m);
    if (rc == 0 && set(m.ctx, &m.info, m.kib) < 0) {
        xl_err("%s", xnl_error(m.ctx));
        rc = 1;
    }
    xnl_ctx_close(m.ctx);
    return rc;
}

int main_mem_set(int argc, char **argv)
{
    return mem_cmd(argc, argv, xnl_memory_set_target);
}

int main_mem_max(int argc, char **argv)
{
    return mem_cmd(argc, argv, xnl_memory_set_max);
}
