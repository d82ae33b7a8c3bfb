#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "backends/netback/rate.h"

bool rate_parse(struct rate *r, const char *s)
{
    *r = (struct rate){0};
    if (!s || !*s)
        return true;
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    uint64_t bytes = strtoull(s, &end, 10);
    if (errno || end == s || *end != ',')
        return false;
    const char *u = end + 1;
    if (*u < '0' || *u > '9')
        return false;
    uint64_t usecs = strtoull(u, &end, 10);
    if (errno || end == u || *end || bytes == 0 || usecs == 0)
        return false;
    r->bytes = r->remaining = bytes;
    r->usecs = usecs;
    return true;
}

static void refill(struct rate *r, uint64_t now_ns)
{
    if (now_ns >= r->next_ns) {
        r->remaining = r->bytes;
        r->next_ns = now_ns + r->usecs * 1000;
    }
}

bool rate_take(struct rate *r, uint64_t len, uint64_t now_ns)
{
    if (!r->bytes)
        return true;
    refill(r, now_ns);
    if (len <= r->remaining) {
        r->remaining -= len;
        return true;
    }
    if (r->remaining == r->bytes) {
        r->remaining = 0;
        return true;
    }
    return false;
}

uint64_t rate_wait_ns(const struct rate *r, uint64_t now_ns)
{
    if (!r->bytes || now_ns >= r->next_ns)
        return 0;
    return r->next_ns - now_ns;
}
