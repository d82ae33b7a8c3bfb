/* io/ring.h leaves its memory barriers to the includer: a Dom0 program
 * shares each ring page with a guest running on another CPU. x86 orders
 * loads and stores except store-load, so rmb and wmb are fences for the
 * compiler and mb a real one. Include this before any <xen/io/...> ring
 * header (blkif.h, netif.h, ring.h). */
#ifndef XENOLITH_RING_BARRIER_H
#define XENOLITH_RING_BARRIER_H

#include <string.h> /* io/ring.h's SHARED_RING_INIT uses memset */

#include "include/xen_public.h"

#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#endif
