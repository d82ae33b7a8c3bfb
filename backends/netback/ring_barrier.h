/* io/ring.h leaves its memory barriers to the includer; Dom0 programs
 * share the ring page with a guest running on another CPU. */
#ifndef XENOLITH_NETBACK_RING_BARRIER_H
#define XENOLITH_NETBACK_RING_BARRIER_H

#include <string.h>

#include "include/xen_public.h"

#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define rmb() xen_rmb()

#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#endif
