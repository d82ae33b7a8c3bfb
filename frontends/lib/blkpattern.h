/*
 * The data the block tests write and check, shared by the guest's tests
 * and the host's checker (tests/tools/blkpattern.c): each 512-byte
 * sector's contents are a function of (seed, sector) only, so any
 * sector read anywhere can be checked without knowing which request
 * wrote it. Word-wise and cheap, because the guest's CPU time is scarce
 * here: word 0 is the sector number, the others a mixed start value plus
 * a multiple of a constant. Freestanding: no libc.
 */
#ifndef FRONTENDS_LIB_BLKPATTERN_H
#define FRONTENDS_LIB_BLKPATTERN_H

#include <stdbool.h>
#include <stdint.h>

#define BLKPATTERN_WORDS (512 / 8)
#define BLKPATTERN_STEP 0x9e3779b97f4a7c15ull

static inline uint64_t blkpattern_mix(uint64_t x)
{
	/* splitmix64's finaliser */
	x += BLKPATTERN_STEP;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline void blkpattern_fill(uint64_t seed, uint64_t sector, void *buf)
{
	uint64_t *w = buf, v = blkpattern_mix(seed ^ blkpattern_mix(sector));
	w[0] = sector;
	for (unsigned i = 1; i < BLKPATTERN_WORDS; i++)
		w[i] = v + i * BLKPATTERN_STEP;
}

static inline bool blkpattern_check(uint64_t seed, uint64_t sector, const void *buf)
{
	const uint64_t *w = buf;
	uint64_t v = blkpattern_mix(seed ^ blkpattern_mix(sector));
	if (w[0] != sector)
		return false;
	for (unsigned i = 1; i < BLKPATTERN_WORDS; i++)
		if (w[i] != v + i * BLKPATTERN_STEP)
			return false;
	return true;
}

/* The checksum of a region (a whole number of 8-byte words): FNV-1a's
 * step over 64-bit words. */
static inline uint64_t blkpattern_sum(uint64_t h, const void *p, uint64_t nwords)
{
	const uint64_t *w = p;
	for (uint64_t i = 0; i < nwords; i++) {
		h ^= w[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
#define BLKPATTERN_SUM_INIT 0xcbf29ce484222325ull

#endif
