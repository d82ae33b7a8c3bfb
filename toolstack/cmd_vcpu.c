/* xl vcpu-set and xl vcpu-list: vCPU hotplug through
 * cpu/<n>/availability, and the hypervisor's view of each vCPU. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xs_domain.h"

struct availability {
    uint32_t domid;
    unsigned max, n;
};

/* Every availability key in one transaction, so the guest sees the new
 * count at once rather than each step on the way. */
static bool write_availability(struct xs_handle *xsh, xs_transaction_t t, void *arg)
{
    const struct availability *a = arg;
    for (unsigned i = 0; i < a->max; i++) {
        char path[96];
        const char *v = i < a->n ? "online" : "offline";
        snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability", a->domid, i);
        if (!xs_write(xsh, t, path, v, (unsigned)strlen(v)))
            return false;
    }
    return true;
}

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
    xenctl *xc = xl_open();
    if (!xc)
        return 1;
    struct privcmd_dominfo info;
    struct privcmd_hostinfo host;
    struct xs_handle *xsh = NULL;
    rc = 1;
    if (xl_find_domain(xc, argv[optind], &info) < 0)
        goto out;
    if (info.domid == 0) {
        xl_err("cannot change the vCPUs of Domain-0: they are the host's CPUs");
        goto out;
    }
    if (n < 1 || n > info.vcpus) {
        xl_err("cannot set domain %u (%s) to %lu vCPUs: it has 1 to %u (maxvcpus)", info.domid,
               info.name, n, info.vcpus);
        goto out;
    }
    if (!ignore_host && xenctl_host_info(xc, &host) == 0 && n > info.vcpus_online &&
        n > host.nr_cpus) {
        xl_err("You are overcommmitting! You have %u physical CPUs and want %lu vCPUs! "
               "Aborting, use --ignore-host to continue", host.nr_cpus, n);
        goto out;
    }
    char sock[4200];
    xsh = xlxs_open(xenctl_rundir(xc), sock, sizeof(sock));
    if (!xsh) {
        xl_err("cannot reach xenolith-stored at %s to set the vCPUs of domain %u (%s)", sock,
               info.domid, info.name);
        goto out;
    }
    struct availability a = {.domid = info.domid, .max = info.vcpus, .n = (unsigned)n};
    if (!xlxs_transact(xsh, write_availability, &a)) {
        xl_err("cannot set domain %u (%s) to %lu vCPUs: writing cpu/*/availability: %s",
               info.domid, info.name, n, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (xsh)
        xs_close(xsh);
    xenctl_close(xc);
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
    xenctl *xc = xl_open();
    if (!xc)
        return 1;
    printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
           "Affinity (Hard / Soft)");
    if (optind == argc) {
        struct privcmd_dominfo *list;
        size_t n;
        if (xenctl_domain_list(xc, &list, &n) < 0) {
            xl_err("cannot list domains: %s", xenctl_error(xc));
            xenctl_close(xc);
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
        if (xl_find_domain(xc, argv[a], &info) < 0)
            rc = 1;
        else if (info.domid == 0)
            print_dom0();
        else
            print_vcpus(xc, &info);
    }
    xenctl_close(xc);
    return rc;
}
