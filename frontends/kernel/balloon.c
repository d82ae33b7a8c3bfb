#include "kernel/balloon.h"

#include <xen/errno.h>

#include "kernel/hypercall.h"
#include "kernel/page_alloc.h"
#include "kernel/start_info.h"
#include "lib/kstring.h"

/* The gfns held out live in pages of their own (taken from the
 * allocator and kept), each a small stack with a link to the next. */
#define GFNS_PER_CHUNK ((PAGE_SIZE - 2 * sizeof(uint64_t)) / sizeof(uint64_t))
/* Extents per hypercall: one guest handle array on the stack. */
#define BATCH 64

struct chunk {
	struct chunk *next;
	uint64_t count;
	uint64_t gfn[GFNS_PER_CHUNK];
};
_Static_assert(sizeof(struct chunk) <= PAGE_SIZE, "a chunk is one page");

static struct chunk *held;
static uint64_t pages_out;
/* RAM past the memory map (up to maxmem) is taken from here up, once
 * every page given back has been taken again; it must stay below 4 GiB,
 * where the kernel's identity map ends, and below the MMIO hole. */
static uint64_t next_extra, extra_end;

static void extra_init(void)
{
	if (next_extra)
		return;
	next_extra = (start_info_ram_end() + PAGE_SIZE - 1) >> PAGE_SHIFT;
	extra_end = HVM_BELOW_4G_RAM_END >> PAGE_SHIFT;
}

static bool extra_gfn(uint64_t *gfn)
{
	extra_init();
	if (next_extra >= extra_end)
		return false;
	*gfn = next_extra++;
	return true;
}

long balloon_current_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

uint64_t balloon_pages_out(void)
{
	return pages_out;
}

static bool push_gfn(uint64_t gfn)
{
	if (!held || held->count == GFNS_PER_CHUNK) {
		struct chunk *c = page_alloc();

		if (!c)
			return false;
		c->next = held;
		c->count = 0;
		held = c;
	}
	held->gfn[held->count++] = gfn;
	return true;
}

static bool pop_gfn(uint64_t *gfn)
{
	while (held && held->count == 0) {
		struct chunk *c = held;

		held = c->next;
		page_free(c);
	}
	if (!held)
		return false;
	*gfn = held->gfn[--held->count];
	return true;
}

static long memory_op(unsigned cmd, xen_pfn_t *gfns, unsigned n)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, gfns);
	return HYPERVISOR_memory_op(cmd, &r);
}

uint64_t balloon_release(uint64_t n)
{
	uint64_t done = 0;

	while (done < n) {
		xen_pfn_t gfns[BATCH];
		void *pages[BATCH];
		unsigned k = 0;

		while (k < BATCH && done + k < n) {
			void *p = page_alloc();

			if (!p)
				break;
			pages[k] = p;
			gfns[k++] = page_gfn(p);
		}
		if (!k)
			break;
		long rc = memory_op(XENMEM_decrease_reservation, gfns, k);
		unsigned given = rc > 0 ? (unsigned)rc : 0;

		/* From here the first `given` pages are not ours to touch. */
		for (unsigned i = 0; i < given; i++) {
			if (!push_gfn(gfns[i])) {
				/* No page to remember it in: ask for it back. */
				if (memory_op(XENMEM_populate_physmap, &gfns[i], 1) == 1)
					page_free(pages[i]);
				given = i;
				break;
			}
		}
		pages_out += given;
		done += given;
		for (unsigned i = given; i < k; i++)
			page_free(pages[i]);
		if (given < k)
			break;
	}
	return done;
}

uint64_t balloon_reclaim(uint64_t n)
{
	uint64_t done = 0;

	while (done < n) {
		xen_pfn_t gfns[BATCH];
		unsigned k = 0;

		unsigned from_list = 0;

		while (k < BATCH && done + k < n && pop_gfn(&gfns[k]))
			k++;
		from_list = k;
		while (k < BATCH && done + k < n && extra_gfn(&gfns[k]))
			k++;
		if (!k)
			break;
		long rc = memory_op(XENMEM_populate_physmap, gfns, k);
		unsigned got = rc > 0 ? (unsigned)rc : 0;

		for (unsigned i = 0; i < got; i++)
			page_free((void *)(uintptr_t)(gfns[i] << PAGE_SHIFT));
		/* Refused ones stay out, remembered for a later try; new RAM
		 * past the map is asked for again next time. */
		for (unsigned i = k; i > got; i--) {
			if (i - 1 < from_list)
				push_gfn(gfns[i - 1]);
			else if (gfns[i - 1] < next_extra)
				next_extra = gfns[i - 1];
		}
		pages_out -= got < from_list ? got : from_list;
		done += got;
		if (got < k)
			break;
	}
	return done;
}

long balloon_set_target(uint64_t target_kib)
{
	long cur = balloon_current_pages();

	if (cur < 0)
		return cur;
	uint64_t target = target_kib / (PAGE_SIZE >> 10);

	if (target < (uint64_t)cur)
		balloon_release((uint64_t)cur - target);
	else if (target > (uint64_t)cur)
		balloon_reclaim(target - (uint64_t)cur);
	cur = balloon_current_pages();
	return cur < 0 ? cur : cur * (long)(PAGE_SIZE >> 10);
}
