/*
 * Whole 4 KiB pages for drivers: ring pages, data buffers, pages the
 * balloon hands back. RAM above the kernel image is handed out by a bump
 * pointer first, so a page nobody asked for is never touched (and the
 * host never backs it); freed pages go on a list threaded through
 * themselves and are reused before the bump pointer moves on.
 *
 * Safe from any vCPU (one spinlock). Pages are identity mapped: the
 * address is the guest-physical address, gfn = address >> 12.
 */
#ifndef FRONTENDS_KERNEL_PAGE_ALLOC_H
#define FRONTENDS_KERNEL_PAGE_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SIZE 4096ul
#define PAGE_SHIFT 12

/* Find the RAM range from the memory map (once). False without one. */
bool page_alloc_init(void);

/* A page, not cleared, or NULL when RAM is exhausted. */
void *page_alloc(void);
/* A page filled with zeroes, or NULL. */
void *page_alloc_zeroed(void);
void page_free(void *page);

static inline uint64_t page_gfn(const void *page)
{
	return (uint64_t)(uintptr_t)page >> PAGE_SHIFT;
}

#endif
