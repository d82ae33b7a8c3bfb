/*
 * rate=: the vif's transmit budget, Xen's credit scheme. The toolstack
 * writes "BYTES,USECS" to the backend's rate key; every USECS the vif
 * may send BYTES again. A packet larger than the whole budget still
 * goes, on a full budget, so nothing is stuck for good.
 */
#ifndef XENOLITH_NETBACK_RATE_H
#define XENOLITH_NETBACK_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct rate {
    uint64_t bytes;    /* 0: unlimited */
    uint64_t usecs;
    uint64_t remaining;
    uint64_t next_ns;  /* when the budget is next refilled */
};

/* "BYTES,USECS"; false when malformed (r then unlimited). */
bool rate_parse(struct rate *r, const char *s);
/* May a packet of len bytes go at now_ns? Takes it from the budget if so. */
bool rate_take(struct rate *r, uint64_t len, uint64_t now_ns);
/* Nanoseconds until the next refill (0 when unlimited or due). */
uint64_t rate_wait_ns(const struct rate *r, uint64_t now_ns);

#endif
