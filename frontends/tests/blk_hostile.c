/*
 * hostile-blk: a frontend that breaks every rule blkback checks, on its
 * own ring. Each bad request must be answered with an error status (the
 * device staying usable: a good read still works after them); then the
 * request producer jumps two rings ahead, after which the backend must
 * disconnect this device (state Closing or Closed, with an error key).
 * Other devices and domains are the host's to check.
 */
#include <xen/errno.h>

#include "kernel/console.h"
#include "kernel/evtchn.h"
#include "kernel/gnttab.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "tests/blk_util.h"
#include "tests/registry.h"

#define ANSWER_NS (30ull * 1000000000ull)

static struct blkfront bf;

/* One raw request; the status it got, or a failure. */
static bool expect_status(struct test *t, const char *what, const blkif_request_t *req,
			  int16_t want)
{
	blkif_request_t *slot = blkfront_raw_request(&bf);
	if (!slot) {
		test_fail(t, "%s: ring full", what);
		return false;
	}
	memcpy(slot, req, sizeof(*req));
	blkfront_raw_push(&bf);
	blkif_response_t rsp;
	if (!blkfront_raw_response(&bf, &rsp, ANSWER_NS)) {
		test_fail(t, "%s: no answer", what);
		return false;
	}
	if (!check(t, rsp.id == req->id, "%s: answered id %llu, not %llu", what,
		   (unsigned long long)rsp.id, (unsigned long long)req->id))
		return false;
	if (!check(t, rsp.status == want, "%s: status %d, expected %d", what, rsp.status, want))
		return false;
	test_info("hostile-blk: %s -> %d", what, rsp.status);
	return true;
}

static bool closing(enum xenbus_state s)
{
	return s >= XenbusStateClosing || s == XenbusStateUnknown;
}

void test_hostile_blk(struct test *t)
{
	if (!blk_prepare(t) || !blk_open(t, &bf, "blk_dev"))
		return;
	/* One page we own, granted, for the requests that need a real one. */
	uint8_t *page = page_alloc_zeroed();
	long ref = page ? gnttab_grant_access(bf.dev.otherend_id, page_gfn(page), false) : -1;
	uint8_t *ind = page_alloc_zeroed();
	long iref = ind ? gnttab_grant_access(bf.dev.otherend_id, page_gfn(ind), true) : -1;
	if (!check(t, ref >= 0 && iref >= 0, "cannot grant test pages"))
		return;
	uint64_t id = 1000;
	blkif_request_t r;
	struct blkif_request_segment good = {.gref = (grant_ref_t)ref, .first_sect = 0, .last_sect = 7};

#define FRESH(op_, nsegs_, sector_)                                                     \
	do {                                                                            \
		memset(&r, 0, sizeof(r));                                               \
		r.operation = (op_);                                                    \
		r.nr_segments = (nsegs_);                                               \
		r.handle = (blkif_vdev_t)bf.dev.devid;                                  \
		r.id = ++id;                                                            \
		r.sector_number = (sector_);                                            \
		for (unsigned i_ = 0; i_ < BLKIF_MAX_SEGMENTS_PER_REQUEST; i_++)        \
			r.seg[i_] = good;                                               \
	} while (0)

	FRESH(BLKIF_OP_READ, 1, 0);
	if (!expect_status(t, "a good read", &r, BLKIF_RSP_OKAY))
		return;
	FRESH(BLKIF_OP_READ, 1, bf.sectors);
	if (!expect_status(t, "read past the end", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_WRITE, 1, bf.sectors - 4);
	if (!expect_status(t, "write across the end", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_READ, 1, ~0ull - 2);
	if (!expect_status(t, "sector number that wraps", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_READ, BLKIF_MAX_SEGMENTS_PER_REQUEST + 1, 0);
	if (!expect_status(t, "12 direct segments", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_READ, 0, 0);
	if (!expect_status(t, "no segments", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_READ, 1, 0);
	r.seg[0].first_sect = 3;
	r.seg[0].last_sect = 2;
	if (!expect_status(t, "first_sect after last_sect", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_READ, 1, 0);
	r.seg[0].last_sect = 8;
	if (!expect_status(t, "last_sect past the page", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_READ, 1, 0);
	r.seg[0].gref = GNTTAB_NR_ENTRIES - 1;
	if (!expect_status(t, "a grant ref never granted", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_READ, 1, 0);
	r.seg[0].gref = 0x7fffffff;
	if (!expect_status(t, "a grant ref past the table", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(77, 1, 0);
	if (!expect_status(t, "an unknown operation", &r, BLKIF_RSP_EOPNOTSUPP))
		return;

	blkif_request_indirect_t *in = (blkif_request_indirect_t *)&r;
	struct blkif_request_segment *isegs = (void *)ind;
	for (unsigned i = 0; i < 512; i++)
		isegs[i] = good;
	FRESH(BLKIF_OP_INDIRECT, 0, 0);
	in->indirect_op = BLKIF_OP_READ;
	in->nr_segments = 0;
	in->indirect_grefs[0] = (grant_ref_t)iref;
	if (!expect_status(t, "indirect with no segments", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_INDIRECT, 0, 0);
	in->indirect_op = BLKIF_OP_READ;
	in->nr_segments = 4096;
	in->indirect_grefs[0] = (grant_ref_t)iref;
	if (!expect_status(t, "indirect with 4096 segments", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_INDIRECT, 0, 0);
	in->indirect_op = BLKIF_OP_DISCARD;
	in->nr_segments = 1;
	in->indirect_grefs[0] = (grant_ref_t)iref;
	if (!expect_status(t, "indirect discard", &r, BLKIF_RSP_ERROR))
		return;
	FRESH(BLKIF_OP_INDIRECT, 0, 0);
	in->indirect_op = BLKIF_OP_READ;
	in->nr_segments = 16;
	in->indirect_grefs[0] = GNTTAB_NR_ENTRIES - 2;
	if (!expect_status(t, "indirect page never granted", &r, BLKIF_RSP_ERROR))
		return;
	isegs[5].last_sect = 9;
	FRESH(BLKIF_OP_INDIRECT, 0, 0);
	in->indirect_op = BLKIF_OP_READ;
	in->nr_segments = 16;
	in->indirect_grefs[0] = (grant_ref_t)iref;
	if (!expect_status(t, "indirect segment past its page", &r, BLKIF_RSP_ERROR))
		return;
	isegs[5].last_sect = 7;
	if (!expect_status(t, "the same indirect read, fixed", &r, BLKIF_RSP_OKAY))
		return;
	FRESH(BLKIF_OP_READ, 1, 0);
	if (!expect_status(t, "a good read after all that", &r, BLKIF_RSP_OKAY))
		return;

	/* The producer two rings ahead: no frontend can have posted that. */
	struct blkfront_queue *q = &bf.q[0];
	q->ring.req_prod_pvt += 2 * RING_SIZE(&q->ring);
	RING_PUSH_REQUESTS(&q->ring);
	evtchn_send(q->port);
	long st = xenbus_dev_wait_other(&bf.dev, closing, ANSWER_NS);
	if (!check(t, st >= XenbusStateClosing, "the backend stayed in state %ld after the producer "
		   "jumped two rings ahead", st))
		return;
	char err[160] = "";
	xenbus_dev_read_other(&bf.dev, "error", err, sizeof(err));
	test_info("hostile-blk: disconnected: %s", err);
	check(t, err[0] != '\0', "the backend gave no error key");
	xenbus_dev_switch_state(&bf.dev, XenbusStateClosed);
}
