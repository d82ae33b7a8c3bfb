/* xl mem-set and xl mem-max: the balloon target in memory/target, and the
 * most a domain may have (xenolithd's limit and memory/static-max). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xs_domain.h"

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

/* A KiB value under the domain's memory/; -1 when absent. */
static int64_t read_kib(struct xs_handle *xsh, uint32_t domid, const char *key)
{
    char path[96];
    snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", domid, key);
    unsigned len;
    char *v = xs_read(xsh, XBT_NULL, path, &len);
    if (!v)
        return -1;
    char *end;
    long long n = strtoll(v, &end, 10);
    bool ok = end != v && *end == '\0' && n >= 0;
    free(v);
    return ok ? n : -1;
}

static bool write_kib(struct xs_handle *xsh, uint32_t domid, const char *key, int64_t kib)
{
    char path[96], val[32];
    snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", domid, key);
    snprintf(val, sizeof(val), "%" PRId64, kib);
    return xs_write(xsh, XBT_NULL, path, val, (unsigned)strlen(val));
}

struct mem_cmd {
    xenctl *xc;
    struct xs_handle *xsh;
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
    if (!(m->xc = xl_open()))
        return 1;
    if (xl_find_domain(m->xc, argv[optind], &m->info) < 0)
        return 1;
    if (m->info.domid == 0) {
        xl_err("%s: Domain-0's memory belongs to the host; it has no balloon here", argv[0]);
        return 1;
    }
    char sock[4200];
    m->xsh = xlxs_open(xenctl_rundir(m->xc), sock, sizeof(sock));
    if (!m->xsh) {
        xl_err("%s: cannot reach xenolith-stored at %s, where domain %u (%s) keeps its "
               "memory settings", argv[0], sock, m->info.domid, m->info.name);
        return 1;
    }
    return 0;
}

static void mem_close(struct mem_cmd *m)
{
    if (m->xsh)
        xs_close(m->xsh);
    if (m->xc)
        xenctl_close(m->xc);
}

int main_mem_set(int argc, char **argv)
{
    struct mem_cmd m = {0};
    int rc = mem_open(argc, argv, &m);
    if (rc == 0) {
        rc = 1;
        int64_t max = read_kib(m.xsh, m.info.domid, "static-max");
        if (max < 0)
            max = (int64_t)m.info.max_memory_kib;
        if (m.kib > max)
            xl_err("cannot set the memory target of domain %u (%s) to %" PRId64 " KiB: "
                   "above its maximum of %" PRId64 " KiB (memory/static-max; see xl mem-max)",
                   m.info.domid, m.info.name, m.kib, max);
        else if (m.kib < 1024)
            xl_err("cannot set the memory target of domain %u (%s) to %" PRId64 " KiB: "
                   "a domain needs at least 1 MiB", m.info.domid, m.info.name, m.kib);
        else if (!write_kib(m.xsh, m.info.domid, "target", m.kib))
            xl_err("cannot set domid %u dynamic max memory to : %s: writing memory/target: %s",
                   m.info.domid, argv[optind + 1], strerror(errno));
        else
            rc = 0;
    }
    mem_close(&m);
    return rc;
}

int main_mem_max(int argc, char **argv)
{
    struct mem_cmd m = {0};
    int rc = mem_open(argc, argv, &m);
    if (rc == 0) {
        rc = 1;
        int64_t target = read_kib(m.xsh, m.info.domid, "target");
        if (target >= 0 && m.kib < target)
            xl_err("cannot set the maximum memory of domain %u (%s) to %" PRId64 " KiB: "
                   "below its memory target of %" PRId64 " KiB (lower it first with xl mem-set)",
                   m.info.domid, m.info.name, m.kib, target);
        else if (xenctl_domain_set_maxmem(m.xc, m.info.domid, (uint64_t)m.kib) < 0)
            xl_err("cannot set domid %u static max memory to : %s: %s", m.info.domid,
                   argv[optind + 1], xenctl_error(m.xc));
        else if (!write_kib(m.xsh, m.info.domid, "static-max", m.kib))
            xl_err("cannot set domid %u static max memory to : %s: writing memory/static-max: %s",
                   m.info.domid, argv[optind + 1], strerror(errno));
        else
            rc = 0;
    }
    mem_close(&m);
    return rc;
}
