/*
 * The byte rings of Xen's shared pages (the console's in and out,
 * XenStore's req and rsp): a ring of size bytes, a power of two, read and
 * written at free-running indices, so that one copy may run past the
 * ring's end and continue at its start. Header-only: it is arithmetic
 * for consoled's and the XenStore daemon's copies.
 */
#ifndef XENOLITH_DOM0_BYTE_RING_H
#define XENOLITH_DOM0_BYTE_RING_H

#include <stddef.h>
#include <stdint.h>

/* Where a copy of n bytes (at most size) at index idx splits: *at is the
 * offset it starts at; the return value, the bytes before the ring's end.
 * The other n minus that many continue at offset 0. */
static inline size_t byte_ring_split(size_t size, uint32_t idx, size_t n, size_t *at)
{
    *at = idx & (size - 1);
    return size - *at < n ? size - *at : n;
}

#endif
