/* What the library's parts share and do not export. */
#ifndef XENOLITH_XNS_INTERNAL_H
#define XENOLITH_XNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/storage/xnstorage.h"

/* Sets this thread's error message and returns rc (a -errno). */
int xns_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline uint64_t xns_align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) / a * a;
}

/* Entry points of the format drivers, behind xns_create / xns_resize. */
int vhd_create_image(const char *target, const struct xns_create_opts *o);
int vhd_resize_image(const char *target, uint64_t size);
int raw_create(const char *target, const struct xns_create_opts *o);

#endif
