/*
 * The balloon: gives pages back to the hypervisor
 * (XENMEM_decrease_reservation) until the domain has the target the
 * toolstack set in memory/target, and takes them back
 * (XENMEM_populate_physmap) when the target grows again. Pages come out
 * of the page allocator, so nothing in the kernel uses them while they
 * are out, and go back into it once populated.
 *
 * vCPU 0 only (it is driven from xenbus watches); nothing here locks
 * beyond what the page allocator does.
 */
#ifndef FRONTENDS_KERNEL_BALLOON_H
#define FRONTENDS_KERNEL_BALLOON_H

#include <stdbool.h>
#include <stdint.h>

/* Pages the hypervisor says the domain has (XENMEM_current_reservation),
 * or a negative XEN_E* value. */
long balloon_current_pages(void);

/* Pages this driver holds out now. */
uint64_t balloon_pages_out(void);

/*
 * Balloon towards target_kib. Returns the KiB the domain has afterwards
 * (by the hypervisor's count), or a negative XEN_E* value when it could
 * not ask. Stops short, without error, when the allocator has no more
 * pages to give or the hypervisor refuses more.
 */
long balloon_set_target(uint64_t target_kib);

/*
 * The raw operations, for the in-guest test: hand out n gfns of pages
 * taken from the allocator, or take back n of those held out. Each
 * returns the number done.
 */
uint64_t balloon_release(uint64_t n);
uint64_t balloon_reclaim(uint64_t n);

#endif
