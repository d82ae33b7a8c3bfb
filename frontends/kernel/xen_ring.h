/* io/ring.h leaves its barriers to the includer. On x86 stores stay
 * ordered with stores and loads with loads, so only the full barrier
 * (a later load passing an earlier store) needs a fence. */
#ifndef FRONTENDS_KERNEL_XEN_RING_H
#define FRONTENDS_KERNEL_XEN_RING_H

#include "arch/atomic.h"
#include "include/xen_public.h"
#include "lib/kstring.h"

#define xen_mb() mb()
#define xen_rmb() barrier()
#define xen_wmb() barrier()

#include <xen/io/ring.h>

#endif
