/* xl vcpu-set and xl vcpu-list: vCPU hotplug through
 * cpu/<n>/availability, and the hypervisor's view of each vCPU. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

int main_vcpu_set(int argc, char **argv)
{
    bool ignore_host = false;
    const struct xl_opt opts[] = {XL_FLAG('i', "ignore-host", &ignore_host), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 2, &rc))
        return rc;
    const char *count = argv[optind + 1];
    char *end;
    unsigned long n = strtoul(count, &end, 10);
    if (end == count || *end || count[0] == '-') {
        xl_err("invalid number of vCPUs: %s", count);
        return 1;
    }
    /* A count beyond what unsigned holds is out of range all the same. */
    unsigned count_n = n > UINT_MAX ? UINT_MAX : (unsigned)n;
    struct privcmd_dominfo info;
    struct xnl_ctx *ctx = xl_ctx_domain(argv[optind], &info);
    if (!ctx)
        return 1;
    rc = xnl_vcpus_set(ctx, &info, count_n, !ignore_host) < 0;
    if (rc)
        xl_err("%s", xnl_error(ctx));
    xnl_ctx_close(ctx);
    return rc;
}

static void print_vcpus(xenctl *xc, const struct privcmd_dominfo *d)
{
    struct privcmd_vcpuinfo *v;
    size_t n;
    if (xenctl_vcpu_list(xc, d->domid, &v, &n) < 0) {
        xl_err("cannot list the vCPUs of domain %u (%s): %s", d->domid, d->name,
               xenctl_error(xc));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        printf("%-32s %5u %5u", d->name, d->domid, v[i].vcpu);
        if (!v[i].online || v[i].cpu < 0)
            printf("%5c %3c%c%c ", '-', '-', '-', v[i].online ? '-' : 'p');
        else
            printf("%5d %3c%c- ", v[i].cpu, v[i].blocked ? '-' : 'r', v[i].blocked ? 'b' : '-');
        printf("%9.1f  all / all\n", (double)v[i].cpu_time_ns / 1e9);
    }
    free(v);
}

/* Domain-0's vCPUs are the host's CPUs: one line each, its time the
 * CPU's busy time from /proc/stat; running is the CPU xl runs on. */
static void print_dom0(void)
{
    FILE *f = fopen("/proc/stat", "re");
    if (!f)
        return;
    long hz = sysconf(_SC_CLK_TCK);
    int self = sched_getcpu();
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        unsigned cpu;
        unsigned long long v[8] = {0};
        if (strncmp(line, "cpu", 3) != 0 || line[3] < '0' || line[3] > '9' ||
            sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 8)
            continue;
        /* user nice system [idle iowait] irq softirq steal */
        double busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)(hz > 0 ? hz : 100);
        printf("%-32s %5u %5u%5u %3c%c- %9.1f  all / all\n", "Domain-0", 0u, cpu, cpu,
               (int)cpu == self ? 'r' : '-', (int)cpu == self ? '-' : 'b', busy);
    }
    fclose(f);
}

int main_vcpu_list(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 0, &rc))
        return rc;
    struct xnl_ctx *ctx = xl_ctx();
    if (!ctx)
        return 1;
    xenctl *xc = xnl_xenctl(ctx);
    printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
           "Affinity (Hard / Soft)");
    if (optind == argc) {
        struct privcmd_dominfo *list;
        size_t n;
        if (xl_domain_list(ctx, &list, &n) != 0) {
            xnl_ctx_close(ctx);
            return 1;
        }
        for (size_t i = 0; i < n; i++) {
            if (list[i].domid == 0)
                print_dom0();
            else
                print_vcpus(xc, &list[i]);
        }
        free(list);
    }
    for (int a = optind; a < argc; a++) {
        struct privcmd_dominfo info;
        if (xl_find_domain(ctx, argv[a], &info) < 0)
            rc = 1;
        else if (info.domid == 0)
            print_dom0();
        else
            print_vcpus(xc, &info);
    }
    xnl_ctx_close(ctx);
    return rc;
}
