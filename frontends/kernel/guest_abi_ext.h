/*
 * xenolithd's measurement hooks that the raw-echo benchmark uses. The
 * hypervisor's include/guest_abi.h is meant to name them too: where it
 * does, its definitions are used, and the asserts below hold both to
 * the values this kernel was written against.
 */
#ifndef FRONTENDS_KERNEL_GUEST_ABI_EXT_H
#define FRONTENDS_KERNEL_GUEST_ABI_EXT_H

#include "include/guest_abi.h"

/* A 32-bit `out` here is the raw doorbell: an ioeventfd with no
 * hypervisor logic behind it, the floor of the event-channel ping-pong. */
#ifndef XENOLITH_RAW_DOORBELL_PORT
#define XENOLITH_RAW_DOORBELL_PORT 0xe7
#endif

/* The vector the Dom0 side of that ping-pong injects (a bare irqfd). */
#ifndef XENOLITH_RAW_VECTOR
#define XENOLITH_RAW_VECTOR 0xf0
#endif

_Static_assert(XENOLITH_RAW_DOORBELL_PORT == 0xe7, "raw doorbell port");
_Static_assert(XENOLITH_RAW_VECTOR == 0xf0, "raw vector");

#endif
