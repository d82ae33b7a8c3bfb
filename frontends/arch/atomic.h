/*
 * The few atomic operations the event-channel and grant layers need.
 * Words shared with the hypervisor (pending bitmaps, pending_sel, grant
 * flags) are written by xenolithd's threads while a vCPU runs, so every
 * read-modify-write on them is a locked instruction, never a plain C
 * expression the compiler could split.
 */
#ifndef FRONTENDS_ARCH_ATOMIC_H
#define FRONTENDS_ARCH_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

/* Compiler barrier: x86 keeps stores ordered with stores and loads with
 * loads, so only the compiler needs stopping there. */
#define barrier() asm volatile("" : : : "memory")

/* A load may pass an earlier store to another location; this stops it. */
static inline void mb(void)
{
	asm volatile("mfence" : : : "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

static inline unsigned long xchg_ulong(unsigned long *p, unsigned long v)
{
	asm volatile("xchgq %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

static inline uint32_t xchg_u32(uint32_t *p, uint32_t v)
{
	asm volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

/* True if *p held old and now holds new. */
static inline bool cmpxchg_u16(uint16_t *p, uint16_t old, uint16_t new)
{
	uint16_t prev;

	asm volatile("lock cmpxchgw %2, %1"
		     : "=a"(prev), "+m"(*p)
		     : "r"(new), "0"(old)
		     : "memory");
	return prev == old;
}

static inline void atomic_inc_u32(uint32_t *p)
{
	asm volatile("lock incl %0" : "+m"(*p) : : "memory");
}

/* Bit operations on bitmaps of unsigned long, bit n in word n / 64: the
 * layout of shared_info's evtchn_pending and evtchn_mask. */
static inline void sync_set_bit(unsigned n, unsigned long *map)
{
	asm volatile("lock btsq %1, %0"
		     : "+m"(map[n / 64])
		     : "r"((unsigned long)(n % 64))
		     : "memory");
}

static inline void sync_clear_bit(unsigned n, unsigned long *map)
{
	asm volatile("lock btrq %1, %0"
		     : "+m"(map[n / 64])
		     : "r"((unsigned long)(n % 64))
		     : "memory");
}

/* Bit n (below 64) of one word, when the caller already has the word. */
static inline void sync_clear_word_bit(unsigned long n, unsigned long *word)
{
	asm volatile("lock btrq %1, %0" : "+m"(*word) : "r"(n) : "memory");
}

static inline bool sync_test_and_clear_bit(unsigned n, unsigned long *map)
{
	bool was;

	asm volatile("lock btrq %2, %0"
		     : "+m"(map[n / 64]), "=@ccc"(was)
		     : "r"((unsigned long)(n % 64))
		     : "memory");
	return was;
}

static inline bool test_bit(unsigned n, const unsigned long *map)
{
	return (READ_ONCE(map[n / 64]) >> (n % 64)) & 1;
}

/* Index of the lowest set bit; v must not be 0. */
static inline unsigned lowest_bit(unsigned long v)
{
	return (unsigned)__builtin_ctzl(v);
}

/* The same as a full word, with no sign extension or dependency-breaking
 * zeroing around it: one instruction on the event path. */
static inline unsigned long lowest_bit_ul(unsigned long v)
{
	unsigned long r;

	asm("bsfq %1, %0" : "=r"(r) : "rm"(v) : "cc");
	return r;
}

#endif
