/* xl list: the domain table in xl's exact columns, or JSON with -l. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/xen_public.h"

#include "toolstack/json_util.h"
#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xluuid.h"

/* The fifth state column shows why a domain shut down, indexed by
 * SHUTDOWN_* (poweroff shows as '-'), as xl does. */
static const char shutdown_letters[] = "-rscwS";

static bool is_shut_down(const struct privcmd_dominfo *d)
{
    return d->state == PRIVCMD_STATE_SHUTDOWN || d->state == PRIVCMD_STATE_CRASHED;
}

static char reason_letter(const struct privcmd_dominfo *d)
{
    if (d->state == PRIVCMD_STATE_CRASHED)
        return 'c';
    if (d->state != PRIVCMD_STATE_SHUTDOWN)
        return '-';
    return d->shutdown_reason < sizeof(shutdown_letters) - 1 ? shutdown_letters[d->shutdown_reason]
                                                             : '?';
}

static void state_string(const struct privcmd_dominfo *d, char out[7])
{
    out[0] = d->state == PRIVCMD_STATE_RUNNING ? 'r' : '-';
    out[1] = d->state == PRIVCMD_STATE_BLOCKED ? 'b' : '-';
    out[2] = d->state == PRIVCMD_STATE_PAUSED ? 'p' : '-';
    out[3] = is_shut_down(d) ? 's' : '-';
    out[4] = reason_letter(d);
    out[5] = d->state == PRIVCMD_STATE_DYING ? 'd' : '-';
    out[6] = '\0';
}

static uint32_t reason_code(const struct privcmd_dominfo *d)
{
    return d->state == PRIVCMD_STATE_CRASHED ? SHUTDOWN_crash : d->shutdown_reason;
}

static void print_table(const struct privcmd_dominfo *list, size_t n, bool verbose)
{
    printf("Name                                        ID   Mem VCPUs\tState\tTime(s)");
    if (verbose)
        printf("   UUID                            Reason-Code\tSecurity Label");
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        const struct privcmd_dominfo *d = &list[i];
        char state[7];
        state_string(d, state);
        printf("%-40s %5u %5lu %5u     %s  %8.1f", d->name, d->domid,
               (unsigned long)(d->memory_kib / 1024), d->vcpus_online, state,
               (double)d->cpu_time_ns / 1e9);
        if (verbose) {
            char uuid[XLUUID_STRLEN + 1];
            xluuid_format(d->uuid, uuid);
            printf(" %s", uuid);
            if (is_shut_down(d))
                printf(" %8x", reason_code(d));
            else
                printf(" %8s", "-");
            printf(" %16s", "-");
        }
        printf("\n");
    }
}

static const char *type_name(const struct privcmd_dominfo *d)
{
    switch (d->type) {
    case PRIVCMD_TYPE_PVH: return "pvh";
    case PRIVCMD_TYPE_HVM: return "hvm";
    default: return NULL;
    }
}

#define CHECK(expr)                                                                   \
    do {                                                                              \
        if ((expr) != yajl_gen_status_ok)                                             \
            return -ENOMEM;                                                           \
    } while (0)

static int gen_domain(yajl_gen g, struct xnl_ctx *ctx, const struct privcmd_dominfo *d)
{
    char uuid[XLUUID_STRLEN + 1], state[7];
    xluuid_format(d->uuid, uuid);
    state_string(d, state);
    CHECK(yajl_gen_map_open(g));
    CHECK(json_key_int(g, "domid", d->domid));
    CHECK(json_key_str(g, "name", d->name));
    CHECK(json_key_str(g, "uuid", uuid));
    CHECK(json_key_str(g, "state", state));
    CHECK(json_key_str(g, "shutdown_reason",
                       is_shut_down(d) ? xenctl_shutdown_reason_name(reason_code(d)) : NULL));
    if (d->state == PRIVCMD_STATE_CRASHED && d->crash_reason[0])
        CHECK(json_key_str(g, "crash_reason", d->crash_reason));
    CHECK(json_key_int(g, "memory", (long long)(d->memory_kib / 1024)));
    CHECK(json_key_int(g, "maxmem", (long long)(d->max_memory_kib / 1024)));
    CHECK(json_key_int(g, "vcpus", d->vcpus_online));
    CHECK(json_key_int(g, "max_vcpus", d->vcpus));
    /* Seconds with xl list's precision and then some, not yajl's 20
     * digits of binary noise. */
    char secs[32];
    int len = snprintf(secs, sizeof(secs), "%.3f", (double)d->cpu_time_ns / 1e9);
    CHECK(json_str(g, "cpu_time"));
    CHECK(yajl_gen_number(g, secs, (size_t)len));
    CHECK(json_key_str(g, "type", type_name(d)));
    yajl_val cfg = d->domid == 0 ? NULL : xnl_domain_config_load(ctx, d->domid, d->uuid);
    if (cfg) {
        yajl_gen_status s = json_str(g, "config");
        if (s == yajl_gen_status_ok)
            s = json_gen_tree(g, cfg);
        yajl_tree_free(cfg);
        CHECK(s);
    }
    CHECK(yajl_gen_map_close(g));
    return 0;
}

static int print_json(struct xnl_ctx *ctx, const struct privcmd_dominfo *list, size_t n)
{
    yajl_gen g = json_gen_new();
    if (!g)
        return -ENOMEM;
    int rc = yajl_gen_array_open(g) == yajl_gen_status_ok ? 0 : -ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = gen_domain(g, ctx, &list[i]);
    if (rc == 0 && yajl_gen_array_close(g) != yajl_gen_status_ok)
        rc = -ENOMEM;
    if (rc == 0 && json_print(g, stdout) < 0)
        rc = -EIO;
    yajl_gen_free(g);
    return rc;
}

/* Keeps the domains the arguments name, in the arguments' order. */
static int select_domains(struct privcmd_dominfo *list, size_t n, char **args, int nargs,
                          struct privcmd_dominfo **out, size_t *nout)
{
    struct privcmd_dominfo *sel = calloc((size_t)nargs, sizeof(*sel));
    if (!sel)
        return -ENOMEM;
    for (int a = 0; a < nargs; a++) {
        const struct privcmd_dominfo *d = xl_domain_in_list(list, n, args[a]);
        if (!d) {
            xl_err("domain '%s' does not exist", args[a]);
            free(sel);
            return -ESRCH;
        }
        sel[a] = *d;
    }
    *out = sel;
    *nout = (size_t)nargs;
    return 0;
}

int main_list(int argc, char **argv)
{
    bool details = false, verbose = false;
    const struct xl_opt opts[] = {XL_FLAG('l', "long", &details),
                                  XL_FLAG('v', "verbose", &verbose), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 0, &rc))
        return rc;
    struct xnl_ctx *ctx = xl_ctx();
    if (!ctx)
        return 1;
    struct privcmd_dominfo *list, *shown = NULL;
    size_t n, nshown = 0;
    if (xl_domain_list(ctx, &list, &n) != 0) {
        xnl_ctx_close(ctx);
        return 1;
    }
    if (optind < argc) {
        rc = select_domains(list, n, argv + optind, argc - optind, &shown, &nshown);
        free(list);
        if (rc < 0) {
            xnl_ctx_close(ctx);
            return 1;
        }
    } else {
        shown = list;
        nshown = n;
    }
    rc = 0;
    if (details) {
        int e = print_json(ctx, shown, nshown);
        if (e < 0) {
            xl_err("cannot print the domain list as JSON: %s", strerror(-e));
            rc = 1;
        }
    } else {
        print_table(shown, nshown, verbose);
    }
    free(shown);
    xnl_ctx_close(ctx);
    return rc;
}
