/* Shared by the block tests (blk.c, blk_hostile.c, blk_bench.c). */
#ifndef FRONTENDS_TESTS_BLK_UTIL_H
#define FRONTENDS_TESTS_BLK_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/blkfront.h"
#include "tests/runner.h"

#define BLK_TIMEOUT_NS (120ull * 1000000000ull)

/* Events, xenbus, grants and pages ready; false after test_fail. */
bool blk_prepare(struct test *t);
/* Connects devid (or, for key's absence, the first vbd) with the
 * blk_queues=, blk_order=, blk_nopersist=, blk_noindirect= options. */
bool blk_open(struct test *t, struct blkfront *bf, const char *key);

static inline uint64_t blk_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif
