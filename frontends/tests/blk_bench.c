/*
 * blk-bench: throughput from inside the guest, for bench/blk-throughput
 * and bench/storage-guest. Over the first blk_bench_mb MiB (default 64):
 * a sequential write and a sequential read in 128 KiB requests, 8 in
 * flight; then 4 KiB random reads for blk_bench_ms (default 2000) ms at
 * queue depth 1 and again at 32. Prints
 *   blk-bench: seq-write-kBps=N seq-read-kBps=N rand-qd1-iops=N rand-qd32-iops=N
 * after a line saying how fast this vCPU runs a plain loop and a copy
 * (blk-bench-calibration:), since on a host with software virtualization
 * that, not the disk path, can bound the figures.
 */
#include <xen/errno.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "tests/blk_util.h"
#include "tests/registry.h"

#define SEQ_SECT (BLKFRONT_MAX_SEGS * 8)
#define MAXQ 32

static struct blkfront bf;
static struct blk_req reqs[MAXQ];
static uint8_t *bufs[MAXQ];

/* Slots free for a new request: completions push theirs back (no scan
 * of every slot per pass: each guest instruction counts on PVM). */
static unsigned free_stack[MAXQ], nfree_slots;
static uint64_t completed;
static bool failed;

static void on_done(struct blk_req *r)
{
	if (r->status != BLKIF_RSP_OKAY)
		failed = true;
	free_stack[nfree_slots++] = (unsigned)(uintptr_t)r->arg;
	completed++;
}

/* Keeps depth requests going until total have been issued or the time is
 * up, then waits for the last. The number completed. */
static uint64_t run(struct test *t, unsigned depth, uint8_t op, uint32_t nsect, bool random,
		    uint64_t span, uint64_t total, uint64_t ns, uint64_t *rng)
{
	uint64_t next = 0, deadline = time_now() + ns;
	bool stop = false;
	nfree_slots = 0;
	completed = 0;
	failed = false;
	for (unsigned s = depth; s-- > 0;)
		free_stack[nfree_slots++] = s;
	while (!stop || nfree_slots < depth) {
		/* One clock read per pass. */
		if (!stop && ((total && next >= total) || time_now() >= deadline))
			stop = true;
		bool queued = false;
		while (!stop && nfree_slots && !(total && next >= total)) {
			unsigned s = free_stack[--nfree_slots];
			struct blk_req *r = &reqs[s];
			r->op = op;
			r->nsectors = nsect;
			r->buf = bufs[s];
			r->on_done = on_done;
			r->arg = (void *)(uintptr_t)s;
			r->sector = random ? (blk_rand(rng) % (span / nsect)) * nsect
					   : (next * nsect) % span;
			long rc = blkfront_submit(&bf, r);
			if (rc == -XEN_EAGAIN) {
				nfree_slots++;
				break;
			}
			if (rc < 0) {
				test_fail(t, "submit: %ld", rc);
				return completed;
			}
			next++;
			queued = true;
		}
		if (queued)
			blkfront_kick(&bf);
		if (!blkfront_poll(&bf)) {
			if (time_now() > deadline + BLK_TIMEOUT_NS) {
				test_fail(t, "requests stuck");
				return completed;
			}
			blkfront_wait(&bf, NS_PER_MS);
		}
		if (failed) {
			test_fail(t, "a request failed");
			return completed;
		}
	}
	return completed;
}

static uint8_t cal_a[SEQ_SECT * 512], cal_b[SEQ_SECT * 512];

static void calibrate(void)
{
	/* How fast this vCPU is at all, so the figures below can be read:
	 * a loop with a load and a store per iteration, and a copy. */
	uint64_t c0 = time_now();
	volatile uint64_t acc = 0;
	for (uint64_t i = 0; i < 100000; i++)
		acc += i;
	uint64_t c1 = time_now();
	for (unsigned k = 0; k < 4; k++) {
		void *d = cal_a, *sr = cal_b;
		uint64_t cnt = SEQ_SECT * 64;
		asm volatile("rep movsq" : "+D"(d), "+S"(sr), "+c"(cnt) : : "memory");
	}
	uint64_t c2 = time_now();
	kprintf("blk-bench-calibration: loop-100k-us=%llu copy-512KiB-us=%llu\n",
		  (unsigned long long)(c1 - c0) / 1000, (unsigned long long)(c2 - c1) / 1000);
}

void test_blk_bench(struct test *t)
{
	calibrate();
	if (!blk_prepare(t) || !blk_open(t, &bf, "blk_dev"))
		return;
	uint64_t mb = 64, ms = 2000, rng = 88172645463325252ull;
	cmdline_u64("blk_bench_mb", &mb);
	cmdline_u64("blk_bench_ms", &ms);
	uint64_t span = mb * 2048;
	if (span > bf.sectors)
		span = bf.sectors - bf.sectors % SEQ_SECT;
	for (unsigned i = 0; i < MAXQ; i++) {
		uint8_t *first = NULL;
		for (unsigned p = 0; p < SEQ_SECT / 8; p++) {
			uint8_t *pg = page_alloc();
			if (!pg || (first && pg != first + p * PAGE_SIZE)) {
				test_fail(t, "no contiguous buffers");
				return;
			}
			if (!first)
				first = pg;
		}
		bufs[i] = first;
	}
	uint64_t n = span / SEQ_SECT;
	uint64_t t0 = time_now();
	uint64_t got = run(t, 8, BLKIF_OP_WRITE, SEQ_SECT, false, span, n, 600 * NS_PER_SEC, &rng);
	uint64_t t1 = time_now();
	struct blk_req f = {.op = BLKIF_OP_FLUSH_DISKCACHE};
	blkfront_io(&bf, &f, BLK_TIMEOUT_NS);
	uint64_t t2 = time_now();
	uint64_t wkb = got * SEQ_SECT / 2 * NS_PER_SEC / (t2 - t0 ? t2 - t0 : 1);
	(void)t1;
	t0 = time_now();
	got = run(t, 8, BLKIF_OP_READ, SEQ_SECT, false, span, n, 600 * NS_PER_SEC, &rng);
	t1 = time_now();
	uint64_t rkb = got * SEQ_SECT / 2 * NS_PER_SEC / (t1 - t0 ? t1 - t0 : 1);
	t0 = time_now();
	got = run(t, 1, BLKIF_OP_READ, 8, true, span, 0, ms * NS_PER_MS, &rng);
	t1 = time_now();
	uint64_t qd1 = got * NS_PER_SEC / (t1 - t0 ? t1 - t0 : 1);
	t0 = time_now();
	got = run(t, 32, BLKIF_OP_READ, 8, true, span, 0, ms * NS_PER_MS, &rng);
	t1 = time_now();
	uint64_t qd32 = got * NS_PER_SEC / (t1 - t0 ? t1 - t0 : 1);
	kprintf("blk-bench: seq-write-kBps=%llu seq-read-kBps=%llu rand-qd1-iops=%llu "
		"rand-qd32-iops=%llu\n",
		(unsigned long long)wkb, (unsigned long long)rkb, (unsigned long long)qd1,
		(unsigned long long)qd32);
}
