/*
 * blk-reconnect: a frontend that closes its device and starts over while
 * requests are in flight (blkback holds each finished request for
 * XENOLITH_BLKBACK_STALL_MS, which the host sets). The backend must stay
 * Closing until those requests are done, as Linux's blkback does, and the
 * new ring must never see them: every response on it answers a request
 * made on it. The host checks that blkback is alive and logged nothing
 * wrong.
 */
#include <xen/errno.h>

#include "kernel/cmdline.h"
#include "kernel/gnttab.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "lib/kstring.h"
#include "tests/blk_util.h"
#include "tests/registry.h"

#define INFLIGHT 4
#define WAIT_NS (60ull * 1000000000ull)

static struct blkfront bf, bf2;

static bool is_closing(enum xenbus_state s)
{
	return s >= XenbusStateClosing;
}

static bool is_closed(enum xenbus_state s)
{
	return s == XenbusStateClosed;
}

static bool is_initwait(enum xenbus_state s)
{
	return s == XenbusStateInitWait;
}

void test_blk_reconnect(struct test *t)
{
	uint64_t stall_ms = 0;
	if (!check(t, cmdline_u64("blk_stall_ms", &stall_ms) && stall_ms >= 1000,
		   "blk_stall_ms= (the host's XENOLITH_BLKBACK_STALL_MS, 1000 or more) is missing"))
		return;
	if (!blk_prepare(t) || !blk_open(t, &bf, "blk_dev"))
		return;
	uint8_t *page = page_alloc_zeroed();
	long ref = page ? gnttab_grant_access(bf.dev.otherend_id, page_gfn(page), false) : -1;
	if (!check(t, ref >= 0, "cannot grant a page"))
		return;

	/* Requests the backend takes and then holds for stall_ms. */
	for (unsigned i = 0; i < INFLIGHT; i++) {
		blkif_request_t *r = blkfront_raw_request(&bf);
		if (!check(t, r != NULL, "ring full"))
			return;
		memset(r, 0, sizeof(*r));
		r->operation = BLKIF_OP_READ;
		r->nr_segments = 1;
		r->handle = (blkif_vdev_t)bf.dev.devid;
		r->id = 0x0ddba11000ull + i;
		r->sector_number = 8 * i;
		r->seg[0] = (struct blkif_request_segment){.gref = (grant_ref_t)ref, .last_sect = 7};
		blkfront_raw_push(&bf);
	}
	sleep_ns(200 * 1000000ull); /* taken, now held */

	uint64_t t0 = time_now();
	xenbus_dev_switch_state(&bf.dev, XenbusStateClosing);
	if (!check(t, xenbus_dev_wait_other(&bf.dev, is_closing, WAIT_NS) >= XenbusStateClosing,
		   "the backend did not follow us to Closing"))
		return;
	xenbus_dev_switch_state(&bf.dev, XenbusStateClosed);
	long st = xenbus_dev_wait_other(&bf.dev, is_closed, WAIT_NS);
	uint64_t waited_ms = (time_now() - t0) / 1000000ull;
	if (!check(t, st == XenbusStateClosed, "the backend never closed (%ld)", st))
		return;
	test_info("blk-reconnect: the backend closed %llu ms after us, its requests held %llu ms",
		  (unsigned long long)waited_ms, (unsigned long long)stall_ms);
	if (!check(t, waited_ms + 200 + 500 >= stall_ms,
		   "the backend closed after %llu ms, with its requests held %llu ms: it did not "
		   "wait for them", (unsigned long long)waited_ms, (unsigned long long)stall_ms))
		return;

	/* Start over: a new ring. */
	xenbus_dev_switch_state(&bf.dev, XenbusStateInitialising);
	if (!check(t, xenbus_dev_wait_other(&bf.dev, is_initwait, WAIT_NS) == XenbusStateInitWait,
		   "the backend did not start over"))
		return;
	long rc = blkfront_connect(&bf2, bf.dev.devid, NULL, WAIT_NS);
	if (!check(t, rc == 0, "reconnecting failed (%ld)", rc))
		return;
	static uint8_t wbuf[4096] __attribute__((aligned(4096)));
	static uint8_t rbuf[4096] __attribute__((aligned(4096)));
	for (unsigned i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (uint8_t)(i * 7 + 3);
	struct blk_req w = {.op = BLKIF_OP_WRITE, .sector = 64, .nsectors = 8, .buf = wbuf};
	struct blk_req r = {.op = BLKIF_OP_READ, .sector = 64, .nsectors = 8, .buf = rbuf};
	if (!check(t, blkfront_io(&bf2, &w, WAIT_NS) == BLKIF_RSP_OKAY, "a write on the new ring failed") ||
	    !check(t, blkfront_io(&bf2, &r, WAIT_NS) == BLKIF_RSP_OKAY, "a read on the new ring failed") ||
	    !check(t, memcmp(wbuf, rbuf, sizeof(wbuf)) == 0, "the new ring read back other data"))
		return;
	/* Long enough for any old request to have been answered somewhere. */
	sleep_ns((stall_ms + 1000) * 1000000ull);
	struct blkfront_queue *q = &bf2.q[0];
	RING_IDX extra = q->ring.sring->rsp_prod - q->ring.rsp_cons;
	if (!check(t, extra == 0 && bf2.stale_responses == 0,
		   "the new ring got %u response%s it never asked for (%llu stale)", extra,
		   extra == 1 ? "" : "s", (unsigned long long)bf2.stale_responses))
		return;
	test_info("blk-reconnect: the new ring saw only its own responses");
	blkfront_close(&bf2, WAIT_NS);
}
