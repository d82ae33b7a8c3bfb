/*
 * Expected faults: a test names the instruction that may fault and where
 * to resume, runs it, and learns whether and how it faulted. Only one
 * expectation is armed at a time, and only for the exact RIP, so a fault
 * anywhere else is still fatal.
 */
#ifndef FRONTENDS_ARCH_FAULT_H
#define FRONTENDS_ARCH_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#define X86_VEC_UD 6
#define X86_VEC_GP 13
#define X86_VEC_PF 14

struct fault_expect {
	uint64_t rip;
	uint64_t resume;
	uint64_t error_code;
	uint32_t vector;
	bool armed;
	bool hit;
};

extern volatile struct fault_expect fault_expect;

/* Called by the trap path: true if the fault was expected, in which case
 * *rip has been moved to the resume point. */
bool fault_try_fixup(uint64_t vector, uint64_t error_code, uint64_t *rip);

/* wrmsr/rdmsr with #GP caught: return true if the instruction raised #GP
 * (and false when it completed). */
bool wrmsr_raises_gp(uint32_t msr, uint64_t value);
bool rdmsr_raises_gp(uint32_t msr, uint64_t *value);

#endif
