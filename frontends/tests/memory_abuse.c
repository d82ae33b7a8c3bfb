/*
 * A guest that wants host memory it was not given, or to hold up other
 * domains with its memory hypercalls (issue 11, items 6 and 8):
 *
 * balloon-touch: gives pages back, then writes to them again. Xen
 *   crashes such a guest (the frames have no page behind them); the host
 *   must not back them anew.
 * maxmem-touch: writes to RAM above memory= that it never populated.
 * memory-storm: a 64-frame grant table, and for STORM_NS again and again
 *   128 MiB populated above memory= and handed back in one call each: a
 *   long list whose every page used to be checked against every grant
 *   entry under the global locks.
 * evtchn-latency (the bystander): event round trips on a loopback
 *   channel for as long, reporting the slowest; fails above
 *   LATENCY_BOUND_NS.
 *
 * The touching tests end in a crash when xenolithd does its job; if they
 * return, the test fails, having touched every page.
 */
#include <xen/errno.h>

#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/page_alloc.h"
#include "kernel/start_info.h"
#include "kernel/time.h"
#include "tests/evt_util.h"
#include "tests/registry.h"

#define TOUCH_PAGES 2048 /* 8 MiB */
#define BATCH 64
#define TOUCH_DELAY_NS (3 * NS_PER_SEC) /* the host reads the backing meanwhile */
#define STORM_NS (15 * NS_PER_SEC)
#define STORM_EXTENTS 64 /* of 2 MiB */
#define STORM_ORDER 9
#define STORM_FRAME_GPFN 0xe0000 /* in the hole below 4 GiB, outside RAM */
/* Loose enough for a loaded 2-core test host; a stall under the global
 * locks lasted seconds there. */
#define LATENCY_BOUND_NS (NS_PER_SEC / 2)

static long reservation(unsigned cmd, xen_pfn_t *gfns, unsigned n, unsigned order)
{
	struct xen_memory_reservation r = {
		.nr_extents = n, .extent_order = order, .domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, gfns);
	return HYPERVISOR_memory_op(cmd, &r);
}

static void touch(struct test *t, uint64_t first_gfn, const char *what)
{
	test_info("%s: %u pages from gfn %#llx are not ours, touching them in 3 s", t->name,
		  TOUCH_PAGES, (unsigned long long)first_gfn);
	sleep_ns(TOUCH_DELAY_NS);
	for (uint64_t i = 0; i < TOUCH_PAGES; i++)
		*(volatile uint64_t *)(uintptr_t)((first_gfn + i) << PAGE_SHIFT) = i;
	test_fail(t, "wrote %u pages %s and was not stopped", TOUCH_PAGES, what);
}

void test_balloon_touch(struct test *t)
{
	uint8_t *first = NULL;
	xen_pfn_t gfns[BATCH];

	/* The bump allocator hands out neighbours: one range, written so
	 * that the host backs it before it is given back. */
	for (unsigned i = 0; i < TOUCH_PAGES; i++) {
		uint8_t *p = page_alloc();

		if (!check(t, p && (!first || p == first + i * PAGE_SIZE),
			   "page %u of a contiguous range", i))
			return;
		if (!first)
			first = p;
		p[0] = 1;
	}
	for (unsigned i = 0; i < TOUCH_PAGES; i += BATCH) {
		for (unsigned k = 0; k < BATCH; k++)
			gfns[k] = page_gfn(first) + i + k;
		CHECK_EQ(t, reservation(XENMEM_decrease_reservation, gfns, BATCH, 0), BATCH,
			 "pages given back from %u", i);
	}
	touch(t, page_gfn(first), "it had given back");
}

void test_maxmem_touch(struct test *t)
{
	domid_t self = DOMID_SELF;
	uint64_t end = (start_info_ram_end() + PAGE_SIZE - 1) >> PAGE_SHIFT;
	long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);

	if (!check(t, max >= (long)(end + TOUCH_PAGES),
		   "maxmem (%ld pages) leaves %u pages above memory= (%llu pages)", max,
		   TOUCH_PAGES, (unsigned long long)end))
		return;
	touch(t, end, "above memory= that it never populated");
}

void test_memory_storm(struct test *t)
{
	uint64_t base = ((start_info_ram_end() >> PAGE_SHIFT) + 511) & ~511ull;
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
		.idx = 63, .gpfn = STORM_FRAME_GPFN,
	};
	xen_pfn_t gfns[STORM_EXTENTS];
	unsigned rounds = 0;

	CHECK_EQ(t, HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), 0,
		 "grant frame 63 placed");
	for (unsigned i = 0; i < STORM_EXTENTS; i++)
		gfns[i] = base + ((uint64_t)i << STORM_ORDER);
	uint64_t end = time_now() + STORM_NS;

	while (time_now() < end && !t->failures) {
		CHECK_EQ(t, reservation(XENMEM_populate_physmap, gfns, STORM_EXTENTS, STORM_ORDER),
			 STORM_EXTENTS, "2 MiB extents populated above memory=");
		CHECK_EQ(t, reservation(XENMEM_decrease_reservation, gfns, STORM_EXTENTS,
					STORM_ORDER),
			 STORM_EXTENTS, "2 MiB extents given back");
		rounds++;
	}
	test_info("memory-storm: %u rounds of %u MiB", rounds, STORM_EXTENTS * 2);
}

static struct port_rec rec;

void test_evtchn_latency(struct test *t)
{
	evtchn_port_t a = 0, b = 0;
	uint64_t worst = 0, sum = 0;
	unsigned trips = 0;

	if (!events_ready(t))
		return;
	CHECK_EQ(t, evtchn_alloc_unbound(DOMID_SELF, &a), 0, "alloc_unbound");
	CHECK_EQ(t, evtchn_bind_interdomain((domid_t)xen_cpuid.domid, a, &b), 0,
		 "bind_interdomain");
	if (t->failures)
		return;
	port_rec_attach(&rec, a, 0);
	uint64_t end = time_now() + STORM_NS;

	while (time_now() < end) {
		uint64_t t0 = time_now();
		uint32_t before = rec.count;

		if (evtchn_send(b) != 0 ||
		    !port_rec_wait(&rec, before + 1, 10 * NS_PER_SEC)) {
			test_fail(t, "round trip %u: no event within 10 s", trips);
			break;
		}
		uint64_t dt = time_now() - t0;

		worst = dt > worst ? dt : worst;
		sum += dt;
		trips++;
		sleep_ns(NS_PER_MS);
	}
	test_info("evtchn-latency: %u round trips, mean %llu us, worst %llu us", trips,
		  (unsigned long long)(trips ? sum / trips / 1000 : 0),
		  (unsigned long long)(worst / 1000));
	check(t, worst < LATENCY_BOUND_NS, "worst round trip %llu ms, bound %llu ms",
	      (unsigned long long)(worst / NS_PER_MS),
	      (unsigned long long)(LATENCY_BOUND_NS / NS_PER_MS));
	evtchn_close(b);
	evtchn_close(a);
}
