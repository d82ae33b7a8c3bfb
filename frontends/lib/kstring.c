/*
 * String routines built on x86 string instructions. Where the guest's
 * kernel code is emulated one instruction at a time (PVM without a
 * PVM-aware guest), a byte loop costs an emulation per byte and step,
 * while the emulator runs up to 1024 steps of one `rep` instruction per
 * emulation. So each routine is a handful of `rep` instructions and no
 * loop. The trap entry clears DF, and memmove sets it back before it
 * returns, so every `rep` here runs forwards unless it says otherwise.
 */
#include <stdint.h>

#define KSTRING_DEFINE
#include "lib/kstring.h"

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	/* The byte in every lane of a quadword. */
	uint64_t q = (uint8_t)c * 0x0101010101010101ull;
	size_t quads = n >> 3;

	asm volatile("rep stosq"
		     : "+D"(d), "+c"(quads)
		     : "a"(q)
		     : "memory");
	n &= 7;
	asm volatile("rep stosb"
		     : "+D"(d), "+c"(n)
		     : "a"(q)
		     : "memory");
	return dst;
}

static inline void copy_forward(void *dst, const void *src, size_t n)
{
	size_t quads = n >> 3;

	asm volatile("rep movsq"
		     : "+D"(dst), "+S"(src), "+c"(quads)
		     :
		     : "memory");
	n &= 7;
	asm volatile("rep movsb"
		     : "+D"(dst), "+S"(src), "+c"(n)
		     :
		     : "memory");
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

/* Backwards (DF set): first the odd top bytes one at a time, then the
 * quadwords below them, each step reading before it writes what a later
 * step reads. */
static inline void copy_backward(void *dst, const void *src, size_t n)
{
	size_t tail = n & 7, quads = n >> 3;
	uint8_t *d = (uint8_t *)dst + n - 1;
	const uint8_t *s = (const uint8_t *)src + n - 1;

	asm volatile("std\n\t"
		     "rep movsb\n\t"
		     "subq $7, %%rdi\n\t"
		     "subq $7, %%rsi\n\t"
		     "movq %[quads], %%rcx\n\t"
		     "rep movsq\n\t"
		     "cld"
		     : "+D"(d), "+S"(s), "+c"(tail)
		     : [quads] "r"(quads)
		     : "memory", "cc");
}

void *memmove(void *dst, const void *src, size_t n)
{
	/* Forwards is safe unless the destination starts inside the
	 * source. */
	if ((uintptr_t)dst - (uintptr_t)src >= n)
		copy_forward(dst, src, n);
	else if (dst != src)
		copy_backward(dst, src, n);
	return dst;
}

/* The first difference as unsigned bytes: `repe cmpsb` stops one past
 * the first unequal pair, or one past the last pair, which is then
 * equal, so the pair before the stop answers both cases. */
int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	if (!n)
		return 0;
	asm volatile("repe cmpsb"
		     : "+S"(x), "+D"(y), "+c"(n)
		     :
		     : "memory", "cc");
	return x[-1] - y[-1];
}

size_t mem_run_len(const void *s, int c, size_t n)
{
	const uint8_t *p = s;
	size_t left = n;

	if (!n)
		return 0;
	asm volatile("repe scasb"
		     : "+D"(p), "+c"(left)
		     : "a"((uint8_t)c)
		     : "memory", "cc");
	/* The scan stops one past the first other byte, if it met one. */
	size_t run = (size_t)(p - (const uint8_t *)s);

	return p[-1] == (uint8_t)c ? run : run - 1;
}

/* One past the first NUL in s[0..max), or s + max without one. */
static inline const char *scan_nul(const char *s, size_t max)
{
	const char *p = s;

	asm volatile("repne scasb"
		     : "+D"(p), "+c"(max)
		     : "a"(0)
		     : "memory", "cc");
	return p;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = (size_t)(scan_nul(s, max) - s);

	/* The scan stops one past a NUL it found. */
	if (n && !s[n - 1])
		n--;
	return n;
}

size_t strlen(const char *s)
{
	return (size_t)(scan_nul(s, SIZE_MAX) - s) - 1;
}

/* Comparing a's bytes up to and including its NUL stops at b's NUL at
 * the latest, where a still has a byte or has its own NUL. */
int strcmp(const char *a, const char *b)
{
	return memcmp(a, b, strlen(a) + 1);
}

int strncmp(const char *a, const char *b, size_t n)
{
	size_t len = strnlen(a, n);

	return memcmp(a, b, len < n ? len + 1 : n);
}

void *memchr(const void *s, int c, size_t n)
{
	const uint8_t *p = s;

	if (!n)
		return NULL;
	asm volatile("repne scasb"
		     : "+D"(p), "+c"(n)
		     : "a"((uint8_t)c)
		     : "memory", "cc");
	return p[-1] == (uint8_t)c ? (void *)(p - 1) : NULL;
}

const char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	size_t left = strlen(haystack);

	if (!n)
		return haystack;
	while (left >= n) {
		/* Only where the needle could still fit. */
		const char *p = memchr(haystack, needle[0], left - n + 1);

		if (!p)
			return NULL;
		if (!memcmp(p, needle, n))
			return p;
		left -= (size_t)(p - haystack) + 1;
		haystack = p + 1;
	}
	return NULL;
}
