/* The host's memory and CPU time as Linux reports them (/proc). */
#ifndef XENOLITH_HOST_MEM_H
#define XENOLITH_HOST_MEM_H

#include <stdint.h>

struct host_mem {
    uint64_t total_kib;
    uint64_t available_kib;
};

/* 0, or -1 when /proc/meminfo cannot be read. */
int host_mem_read(struct host_mem *out);
/* CPU time the host spent outside idle, all CPUs: Dom0's "Time(s)". */
uint64_t host_cpu_time_ns(void);

#endif
