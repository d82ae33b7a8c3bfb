/*
 * blk: data integrity through blkfront, checked here and by the host.
 * The host prepares sectors [0, blk_hsect) with the pattern of seed
 * blk_hseed and passes their checksum (blkpattern_sum) as blk_sum; this test
 *   - reads them sequentially (128 KiB requests: indirect) and checks the
 *     sum and every sector, then random ranges with 32 in flight;
 *   - writes [blk_hsect, +blk_wsect) with the pattern of blk_seed: first
 *     blk_nwrites random ranges (1 to 256 sectors, 32 in flight,
 *     answered in any order), then every sector still unwritten, so the
 *     host can check the whole range byte for byte;
 *   - flushes, writes a barrier, reads the range back and checks it;
 *   - writes, discards and (blk_discard_zero=1) reads back zeros from the
 *     64 sectors after it;
 *   - with blk_ro=DEVID, checks that device refuses a write with
 *     BLKIF_RSP_ERROR and still reads.
 */
#include <xen/errno.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/evtchn.h"
#include "kernel/gnttab.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "lib/blkpattern.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "tests/blk_util.h"
#include "tests/evt_util.h"
#include "tests/registry.h"

#define MAX_SECT (BLKFRONT_MAX_SEGS * 8)
#define DEPTH 32
#define DISCARD_SECT 64

bool blk_prepare(struct test *t)
{
	if (!events_ready(t))
		return false;
	if (xenbus_init() < 0) {
		test_fail(t, "no XenStore: no vbd to find");
		return false;
	}
	if (gnttab_init() < 0 || !page_alloc_init()) {
		test_fail(t, "no grant table or page allocator");
		return false;
	}
	return true;
}

bool blk_open(struct test *t, struct blkfront *bf, const char *key)
{
	uint64_t devid = 0;
	if (!key || !cmdline_u64(key, &devid)) {
		uint32_t ids[4];
		long n = xenbus_dev_list("vbd", ids, 4);
		if (n <= 0) {
			test_fail(t, "no vbd device (%ld)", n);
			return false;
		}
		devid = ids[0];
	}
	struct blkfront_opts o = {.ring_order = -1};
	uint64_t v;
	if (cmdline_u64("blk_queues", &v))
		o.queues = (unsigned)v;
	if (cmdline_u64("blk_order", &v))
		o.ring_order = (int)v;
	if (cmdline_u64("blk_nopersist", &v))
		o.no_persistent = v != 0;
	if (cmdline_u64("blk_noindirect", &v))
		o.no_indirect = v != 0;
	long rc = blkfront_connect(bf, (uint32_t)devid, &o, BLK_TIMEOUT_NS);
	if (rc < 0) {
		test_fail(t, "vbd %llu did not connect (%ld)", (unsigned long long)devid, rc);
		return false;
	}
	test_info("vbd %llu: %llu sectors, %u queue%s, ring order %u, %spersistent, indirect %u%s",
		  (unsigned long long)devid, (unsigned long long)bf->sectors, bf->nqueues,
		  bf->nqueues == 1 ? "" : "s", bf->ring_order, bf->persistent ? "" : "not ",
		  bf->max_indirect, bf->readonly ? ", read-only" : "");
	return true;
}

/* Buffers for DEPTH requests of MAX_SECT sectors each. */
static uint8_t *bufs[DEPTH];
static struct blk_req reqs[DEPTH];

static bool alloc_bufs(struct test *t)
{
	for (unsigned i = 0; i < DEPTH; i++) {
		if (bufs[i])
			continue;
		/* Page by page: only the request's buffer must be contiguous
		 * in the kernel's view, and the identity map makes it so. */
		uint8_t *first = NULL;
		for (unsigned p = 0; p < MAX_SECT / 8; p++) {
			uint8_t *pg = page_alloc();
			if (!pg || (first && pg != first + p * PAGE_SIZE)) {
				test_fail(t, "no contiguous buffer of %u pages", MAX_SECT / 8);
				return false;
			}
			if (!first)
				first = pg;
		}
		bufs[i] = first;
	}
	return true;
}

static bool check_sectors(struct test *t, uint64_t seed, uint64_t sector, const uint8_t *buf,
			  uint32_t n, const char *what)
{
	for (uint32_t i = 0; i < n; i++)
		if (!blkpattern_check(seed, sector + i, buf + (size_t)i * 512)) {
			test_fail(t, "%s: sector %llu does not hold its pattern", what,
				  (unsigned long long)(sector + i));
			return false;
		}
	return true;
}

/* Runs count requests made by make(i, req) with up to DEPTH in flight;
 * done(req) checks each as it completes. */
struct batch {
	struct test *t;
	struct blkfront *bf;
	void (*make)(struct batch *b, unsigned i, struct blk_req *r);
	bool (*done)(struct batch *b, struct blk_req *r);
	uint64_t rng;
	uint64_t seed, base, span;
	uint8_t *written; /* bitmap over span */
	unsigned errors;
};

static bool run_batch(struct batch *b, unsigned count)
{
	bool busy[DEPTH] = {false};
	unsigned issued = 0, completed = 0;
	uint64_t deadline = time_now() + BLK_TIMEOUT_NS;
	while (completed < count) {
		bool queued = false;
		for (unsigned s = 0; s < DEPTH && issued < count; s++) {
			if (busy[s])
				continue;
			b->make(b, issued, &reqs[s]);
			reqs[s].buf = bufs[s];
			long rc = blkfront_submit(b->bf, &reqs[s]);
			if (rc == -XEN_EAGAIN)
				break;
			if (rc < 0) {
				test_fail(b->t, "submit refused (%ld)", rc);
				return false;
			}
			busy[s] = true;
			issued++;
			queued = true;
		}
		if (queued)
			blkfront_kick(b->bf);
		if (!blkfront_poll(b->bf)) {
			if (time_now() > deadline) {
				test_fail(b->t, "%u requests never completed", issued - completed);
				return false;
			}
			blkfront_wait(b->bf, 10 * NS_PER_MS);
			continue;
		}
		for (unsigned s = 0; s < DEPTH; s++) {
			if (!busy[s] || !reqs[s].done)
				continue;
			busy[s] = false;
			completed++;
			if (!b->done(b, &reqs[s]))
				return false;
		}
	}
	return true;
}

static void make_read(struct batch *b, unsigned i, struct blk_req *r)
{
	(void)i;
	uint32_t n = 1 + (uint32_t)(blk_rand(&b->rng) % 64);
	if (n > b->span)
		n = (uint32_t)b->span;
	r->op = BLKIF_OP_READ;
	r->nsectors = n;
	r->sector = b->base + blk_rand(&b->rng) % (b->span - n + 1);
}

static bool done_read(struct batch *b, struct blk_req *r)
{
	if (r->status != BLKIF_RSP_OKAY) {
		test_fail(b->t, "read of %u sectors at %llu: status %d", r->nsectors,
			  (unsigned long long)r->sector, r->status);
		return false;
	}
	return check_sectors(b->t, b->seed, r->sector, r->buf, r->nsectors, "random read");
}

static void make_write(struct batch *b, unsigned i, struct blk_req *r)
{
	(void)i;
	uint32_t n = 1 + (uint32_t)(blk_rand(&b->rng) % MAX_SECT);
	if (n > b->span)
		n = (uint32_t)b->span;
	r->op = BLKIF_OP_WRITE;
	r->nsectors = n;
	r->sector = b->base + blk_rand(&b->rng) % (b->span - n + 1);
}

static bool done_write(struct batch *b, struct blk_req *r)
{
	if (r->status != BLKIF_RSP_OKAY) {
		test_fail(b->t, "write of %u sectors at %llu: status %d", r->nsectors,
			  (unsigned long long)r->sector, r->status);
		return false;
	}
	for (uint32_t i = 0; i < r->nsectors; i++) {
		uint64_t s = r->sector + i - b->base;
		b->written[s / 8] |= (uint8_t)(1u << (s % 8));
	}
	return true;
}

static long sync_io(struct blkfront *bf, uint8_t op, uint64_t sector, void *buf, uint32_t n)
{
	struct blk_req r = {.op = op, .sector = sector, .nsectors = n, .buf = buf};
	return blkfront_io(bf, &r, BLK_TIMEOUT_NS);
}

static bool fill(uint64_t seed, uint64_t sector, uint8_t *buf, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		blkpattern_fill(seed, sector + i, buf + (size_t)i * 512);
	return true;
}

static struct blkfront bf_main, bf_ro;
static uint8_t written_map[65536];

static bool read_host_region(struct test *t, struct blkfront *bf, uint64_t hseed, uint64_t hsect,
			     uint64_t want_sum)
{
	uint64_t sum = BLKPATTERN_SUM_INIT;
	for (uint64_t s = 0; s < hsect; s += MAX_SECT) {
		uint32_t n = (uint32_t)(hsect - s < MAX_SECT ? hsect - s : MAX_SECT);
		long rc = sync_io(bf, BLKIF_OP_READ, s, bufs[0], n);
		if (rc != BLKIF_RSP_OKAY) {
			test_fail(t, "reading the host's sectors at %llu: %ld", (unsigned long long)s, rc);
			return false;
		}
		sum = blkpattern_sum(sum, bufs[0], (uint64_t)n * BLKPATTERN_WORDS);
		if (!check_sectors(t, hseed, s, bufs[0], n, "host's data"))
			return false;
	}
	if (!check(t, sum == want_sum, "host region checksum %llx, the host says %llx",
		   (unsigned long long)sum, (unsigned long long)want_sum))
		return false;
	struct batch b = {.t = t, .bf = bf, .make = make_read, .done = done_read,
			  .rng = hseed * 7 + 1, .seed = hseed, .base = 0, .span = hsect};
	return run_batch(&b, 256);
}

/* Random writes with many in flight; the buffer of each is filled right
 * before it is submitted (run_batch calls make then submit). */
static void make_write_hook(struct batch *b, unsigned i, struct blk_req *r)
{
	make_write(b, i, r);
	for (unsigned s = 0; s < DEPTH; s++)
		if (&reqs[s] == r)
			fill(b->seed, r->sector, bufs[s], r->nsectors);
}

static bool write_region(struct test *t, struct blkfront *bf, uint64_t seed, uint64_t base,
			 uint64_t span, unsigned nwrites)
{
	if (span > sizeof(written_map) * 8) {
		test_fail(t, "blk_wsect too large");
		return false;
	}
	memset(written_map, 0, (size_t)((span + 7) / 8));
	struct batch b = {.t = t, .bf = bf, .make = make_write_hook, .done = done_write,
			  .rng = seed * 13 + 5, .seed = seed, .base = base, .span = span,
			  .written = written_map};
	if (!run_batch(&b, nwrites))
		return false;
	unsigned random_cover = 0;
	for (uint64_t s = 0; s < span; s++)
		random_cover += (written_map[s / 8] >> (s % 8)) & 1;
	/* The gaps, in runs. */
	for (uint64_t s = 0; s < span;) {
		if ((written_map[s / 8] >> (s % 8)) & 1) {
			s++;
			continue;
		}
		uint32_t n = 0;
		while (s + n < span && n < MAX_SECT && !((written_map[(s + n) / 8] >> ((s + n) % 8)) & 1))
			n++;
		fill(seed, base + s, bufs[0], n);
		long rc = sync_io(bf, BLKIF_OP_WRITE, base + s, bufs[0], n);
		if (rc != BLKIF_RSP_OKAY) {
			test_fail(t, "write at %llu: %ld", (unsigned long long)(base + s), rc);
			return false;
		}
		s += n;
	}
	test_info("blk: %u random writes covered %u of %llu sectors; gaps filled", nwrites,
		  random_cover, (unsigned long long)span);
	return true;
}

static bool read_back(struct test *t, struct blkfront *bf, uint64_t seed, uint64_t base,
		      uint64_t span)
{
	for (uint64_t s = 0; s < span; s += MAX_SECT) {
		uint32_t n = (uint32_t)(span - s < MAX_SECT ? span - s : MAX_SECT);
		long rc = sync_io(bf, BLKIF_OP_READ, base + s, bufs[1], n);
		if (rc != BLKIF_RSP_OKAY) {
			test_fail(t, "read back at %llu: %ld", (unsigned long long)(base + s), rc);
			return false;
		}
		if (!check_sectors(t, seed, base + s, bufs[1], n, "read back"))
			return false;
	}
	return true;
}

static bool flush_and_barrier(struct test *t, struct blkfront *bf, uint64_t seed, uint64_t base)
{
	if (!check(t, bf->flush && bf->barrier, "the backend offers no flush or barrier"))
		return false;
	struct blk_req f = {.op = BLKIF_OP_FLUSH_DISKCACHE};
	long rc = blkfront_io(bf, &f, BLK_TIMEOUT_NS);
	if (!check(t, rc == BLKIF_RSP_OKAY, "flush: %ld", rc))
		return false;
	/* From a buffer off a page boundary: the copying path. */
	uint8_t *odd = bufs[0] + 512;
	fill(seed, base, odd, 8);
	rc = sync_io(bf, BLKIF_OP_WRITE_BARRIER, base, odd, 8);
	return check(t, rc == BLKIF_RSP_OKAY, "barrier write: %ld", rc);
}

static bool discard(struct test *t, struct blkfront *bf, uint64_t seed, uint64_t base, bool zero)
{
	if (!check(t, bf->discard, "the backend offers no discard"))
		return false;
	fill(seed, base, bufs[0], DISCARD_SECT);
	long rc = sync_io(bf, BLKIF_OP_WRITE, base, bufs[0], DISCARD_SECT);
	if (!check(t, rc == BLKIF_RSP_OKAY, "write before discard: %ld", rc))
		return false;
	struct blk_req d = {.op = BLKIF_OP_DISCARD, .sector = base, .nsectors = DISCARD_SECT};
	rc = blkfront_io(bf, &d, BLK_TIMEOUT_NS);
	if (!check(t, rc == BLKIF_RSP_OKAY, "discard: %ld", rc))
		return false;
	if (!zero)
		return true;
	rc = sync_io(bf, BLKIF_OP_READ, base, bufs[1], DISCARD_SECT);
	if (!check(t, rc == BLKIF_RSP_OKAY, "read after discard: %ld", rc))
		return false;
	const uint64_t *w = (const uint64_t *)bufs[1];
	for (unsigned i = 0; i < DISCARD_SECT * BLKPATTERN_WORDS; i++)
		if (w[i]) {
			test_fail(t, "discarded word %u reads %llx, not 0", i, (unsigned long long)w[i]);
			return false;
		}
	return true;
}

static bool read_only(struct test *t)
{
	if (!blk_open(t, &bf_ro, "blk_ro"))
		return false;
	if (!check(t, bf_ro.readonly, "the read-only disk's info lacks VDISK_READONLY"))
		return false;
	fill(1, 0, bufs[0], 8);
	long rc = sync_io(&bf_ro, BLKIF_OP_WRITE, 0, bufs[0], 8);
	if (!check(t, rc == BLKIF_RSP_ERROR, "a write to the read-only disk gave %ld, not %d", rc,
		   BLKIF_RSP_ERROR))
		return false;
	rc = sync_io(&bf_ro, BLKIF_OP_READ, 0, bufs[0], 8);
	if (!check(t, rc == BLKIF_RSP_OKAY, "a read of the read-only disk gave %ld", rc))
		return false;
	test_info("blk: read-only disk refused a write with BLKIF_RSP_ERROR");
	return true;
}

void test_blk(struct test *t)
{
	if (!blk_prepare(t) || !alloc_bufs(t))
		return;
	uint64_t hseed = 1, hsect = 0, sum = BLKPATTERN_SUM_INIT, seed = 2, wsect = 4096,
		 nwrites = 200, dzero = 0, v;
	cmdline_u64("blk_hseed", &hseed);
	cmdline_u64("blk_hsect", &hsect);
	cmdline_u64("blk_sum", &sum);
	cmdline_u64("blk_seed", &seed);
	cmdline_u64("blk_wsect", &wsect);
	cmdline_u64("blk_nwrites", &nwrites);
	cmdline_u64("blk_discard_zero", &dzero);
	if (!blk_open(t, &bf_main, "blk_dev"))
		return;
	struct blkfront *bf = &bf_main;
	if (!check(t, bf->sectors >= hsect + wsect + DISCARD_SECT,
		   "disk of %llu sectors is smaller than the test", (unsigned long long)bf->sectors))
		return;
	if (hsect && !read_host_region(t, bf, hseed, hsect, sum))
		return;
	if (!write_region(t, bf, seed, hsect, wsect, (unsigned)nwrites))
		return;
	if (!flush_and_barrier(t, bf, seed, hsect))
		return;
	if (!read_back(t, bf, seed, hsect, wsect))
		return;
	if (!discard(t, bf, seed, hsect + wsect, dzero))
		return;
	test_info("blk: %llu requests granted in place, %llu copied",
		  (unsigned long long)bf->zc_requests, (unsigned long long)bf->copied_requests);
	if (!check(t, bf->zc_requests && bf->copied_requests,
		   "both data paths (in place and copied) should have been used"))
		return;
	if (bf->stale_responses)
		test_fail(t, "%llu responses for no request", (unsigned long long)bf->stale_responses);
	if (cmdline_u64("blk_ro", &v) && !read_only(t))
		return;
	test_info("blk: done");
}
