#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/host_mem.h"

int host_mem_read(struct host_mem *out)
{
    FILE *f = fopen("/proc/meminfo", "re");
    if (!f)
        return -1;
    char line[256];
    int found = 0;
    unsigned long long v;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemTotal: %llu kB", &v) == 1) {
            out->total_kib = v;
            found |= 1;
        } else if (sscanf(line, "MemAvailable: %llu kB", &v) == 1) {
            out->available_kib = v;
            found |= 2;
        }
    }
    fclose(f);
    return found == 3 ? 0 : -1;
}

uint64_t host_cpu_time_ns(void)
{
    FILE *f = fopen("/proc/stat", "re");
    if (!f)
        return 0;
    unsigned long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
                   &iowait, &irq, &softirq);
    fclose(f);
    if (n < 3)
        return 0;
    long hz = sysconf(_SC_CLK_TCK);
    unsigned long long ticks = user + nice + sys + irq + softirq;
    return hz > 0 ? ticks * (1000000000ull / (unsigned long long)hz) : 0;
}
