/*
 * A test-and-set lock for the few structures vCPUs share (the console
 * line, the grant allocator). The kernel runs with interrupts off, and
 * interrupt handlers never take a lock, so holders are never interrupted
 * by a handler that wants the same lock.
 */
#ifndef FRONTENDS_ARCH_SPINLOCK_H
#define FRONTENDS_ARCH_SPINLOCK_H

#include <stdint.h>

#include "arch/atomic.h"

struct spinlock {
	uint32_t locked;
};

static inline void spin_lock(struct spinlock *l)
{
	while (xchg_u32(&l->locked, 1))
		while (READ_ONCE(l->locked))
			cpu_relax();
}

static inline bool spin_trylock(struct spinlock *l)
{
	return !xchg_u32(&l->locked, 1);
}

static inline void spin_unlock(struct spinlock *l)
{
	barrier();
	WRITE_ONCE(l->locked, 0);
}

#endif
