/*
 * Xen's PV clock: system time in ns derived from the TSC by a fixed-point
 * multiply and shift (vcpu_time_info), computed here once per host from
 * its TSC frequency. Guest and hypervisor use the same formula, so what
 * the guest reads and what the hypervisor arms timers against agree.
 */
#ifndef XENOLITH_PVCLOCK_H
#define XENOLITH_PVCLOCK_H

#include <stdint.h>

struct pvclock_scale {
    uint32_t mul;
    int8_t shift;
};

/* mul/shift for a TSC of tsc_khz; mul lands in [2^31, 2^32). */
struct pvclock_scale pvclock_scale_for(uint32_t tsc_khz);
/* ns for delta TSC cycles, exactly as a guest computes it. */
uint64_t pvclock_cycles_to_ns(uint64_t delta, struct pvclock_scale s);

#endif
