/*
 * balloon: the guest gives pages back and takes them again, and the
 * hypervisor's count (XENMEM_current_reservation) follows; pages it must
 * keep (shared_info, not RAM, already given) are refused.
 */
#include <xen/errno.h>

#include "kernel/balloon.h"
#include "kernel/hypercall.h"
#include "kernel/page_alloc.h"
#include "kernel/shared_info.h"
#include "tests/registry.h"

#define PAGES 1024 /* 4 MiB */

static long one(unsigned cmd, xen_pfn_t gfn)
{
	struct xen_memory_reservation r = {
		.nr_extents = 1, .domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, &gfn);
	return HYPERVISOR_memory_op(cmd, &r);
}

void test_balloon(struct test *t)
{
	domid_t self = DOMID_SELF;
	long start = balloon_current_pages();
	long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);

	if (!check(t, start > PAGES, "current_reservation: %ld", start))
		return;
	check(t, max >= start, "maximum_reservation %ld below current %ld",
	      max, start);

	CHECK_EQ(t, balloon_release(PAGES), PAGES, "pages released");
	CHECK_EQ(t, balloon_current_pages(), start - PAGES,
		 "current_reservation after releasing %d pages", PAGES);

	/* Refusals: nothing is counted for them. */
	CHECK_EQ(t, one(XENMEM_decrease_reservation,
			page_gfn(HYPERVISOR_shared_info)), 0,
		 "releasing the shared_info page");
	CHECK_EQ(t, one(XENMEM_decrease_reservation, 0xfeff0), 0,
		 "releasing a special page outside RAM");
	void *in_use = page_alloc();
	if (check(t, in_use != NULL, "a page to populate over")) {
		CHECK_EQ(t, one(XENMEM_populate_physmap, page_gfn(in_use)), 0,
			 "populating a page the domain has");
		page_free(in_use);
	}
	CHECK_EQ(t, balloon_current_pages(), start - PAGES,
		 "current_reservation after the refusals");

	/* A refused extent ends the list: those before it are out. */
	void *a = page_alloc(), *b = page_alloc();
	if (check(t, a && b, "two pages for a mixed list")) {
		xen_pfn_t list[3] = { page_gfn(a),
				      page_gfn(HYPERVISOR_shared_info),
				      page_gfn(b) };
		struct xen_memory_reservation r = {
			.nr_extents = 3, .domid = DOMID_SELF,
		};

		set_xen_guest_handle(r.extent_start, list);
		CHECK_EQ(t, HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r),
			 1, "extents released from [page, shared_info, page]");
		CHECK_EQ(t, balloon_current_pages(), start - PAGES - 1,
			 "current_reservation after the mixed list");
		CHECK_EQ(t, one(XENMEM_populate_physmap, page_gfn(a)), 1,
			 "populating the released page again");
		page_free(a);
		page_free(b);
	}

	CHECK_EQ(t, balloon_reclaim(PAGES), PAGES, "pages taken back");
	CHECK_EQ(t, balloon_current_pages(), start,
		 "current_reservation after taking them back");
	CHECK_EQ(t, balloon_pages_out(), 0, "pages still out");

	/* Pages that came back are usable: they read as zeroes. */
	uint64_t *p = page_alloc();
	if (check(t, p != NULL, "a page after reclaiming")) {
		p[0] = 0x1234;
		CHECK_EQ(t, p[0], 0x1234, "writing a reclaimed page");
		page_free(p);
	}
}
