/*
 * Which pages of a domain's RAM the guest has handed back (ballooned
 * out) and may ask for again: the bookkeeping behind
 * XENMEM_decrease_reservation and XENMEM_populate_physmap, kept apart
 * from the hypercalls so it can be tested without a VM.
 *
 * Pages are numbered by their place in the domain's memory file (low RAM
 * first, then RAM above 4 GiB), which is also where a hole is punched.
 */
#ifndef XENOLITH_BALLOON_H
#define XENOLITH_BALLOON_H

#include <stdbool.h>
#include <stdint.h>

#include "hypervisor/guest_ram.h"

/* The largest extent_order accepted: a 2 MiB superpage, which is all a
 * balloon driver asks for. */
#define BALLOON_MAX_ORDER 9

/* Runs of pages out a domain may have at once. Each run is a range the
 * guest's view of the memory file denies (guest_ram_guard), one or two
 * host mappings of xenolithd's own; a guest giving back every other page
 * would otherwise use up the mappings the host allows a process
 * (vm.max_map_count, 65530 by default) for every domain. */
#define BALLOON_MAX_RUNS 8192

struct balloon {
    uint64_t nr_pages; /* of RAM */
    uint64_t out;      /* pages ballooned out now */
    uint64_t runs;     /* runs of neighbouring pages out */
    /* One bit per page, set while ballooned out. Written under the
     * domain's lock, read without it (guest_ram.absent), so atomically. */
    uint64_t *map;
};

/* 0 or -ENOMEM. */
int balloon_init(struct balloon *b, uint64_t nr_pages);
void balloon_free(struct balloon *b);

/* Pages from index first to the end start out (RAM between memory and
 * maxmem: the guest may populate it, its memory map does not show it). */
void balloon_start_out(struct balloon *b, uint64_t first);

/* The page of RAM at gfn: its index in the memory file. False when gfn
 * is not RAM (the MMIO hole, the special pages, past the end). */
bool balloon_gfn_index(const struct guest_ram *r, uint64_t gfn, uint64_t *index);

/* Pages the domain has now. */
static inline uint64_t balloon_current(const struct balloon *b)
{
    return b->nr_pages - b->out;
}

bool balloon_is_out(const struct balloon *b, uint64_t index);

/*
 * Why the 2^order pages at gfn may not be given back, or 0 when they
 * may: -EINVAL for a misaligned extent, a bad order, or one that is not
 * wholly RAM; -EBUSY when a page is one the hypervisor writes to
 * (reserved[0..nreserved), gfns) or is already out; -ENOSPC when it
 * would make more than BALLOON_MAX_RUNS runs out.
 */
int balloon_check_release(const struct balloon *b, const struct guest_ram *r, uint64_t gfn,
                          unsigned order, const uint64_t *reserved, unsigned nreserved);
/*
 * Why the 2^order pages at gfn may not be given back to the domain, or
 * 0: -EINVAL as above or when a page is not out (populate only refills
 * what was handed back), -ENOMEM when max_pages would be exceeded.
 */
int balloon_check_populate(const struct balloon *b, const struct guest_ram *r, uint64_t gfn,
                           unsigned order, uint64_t max_pages);

/* Marks the extent out or back in (after a successful check). */
void balloon_mark(struct balloon *b, const struct guest_ram *r, uint64_t gfn, unsigned order,
                  bool out);

#endif
