#include "config.h"

#include "hypervisor/pvclock.h"

struct pvclock_scale pvclock_scale_for(uint32_t tsc_khz)
{
    uint64_t hz = (uint64_t)tsc_khz * 1000;
    struct pvclock_scale s = {.mul = 0, .shift = 0};
    if (hz == 0)
        return s;
    /* Bring hz * 2^shift into (1e9, 2e9], so 1e9 / that is in [1/2, 1). */
    uint64_t f = hz;
    while (f <= 1000000000ull) {
        f <<= 1;
        s.shift++;
    }
    while (f > 2000000000ull) {
        f >>= 1;
        s.shift--;
    }
    unsigned __int128 num = (unsigned __int128)1000000000ull << (32 - s.shift);
    s.mul = (uint32_t)(num / hz);
    return s;
}

uint64_t pvclock_cycles_to_ns(uint64_t delta, struct pvclock_scale s)
{
    if (s.shift >= 0)
        delta <<= s.shift;
    else
        delta >>= -s.shift;
    return (uint64_t)(((unsigned __int128)delta * s.mul) >> 32);
}
