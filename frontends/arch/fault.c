#include "arch/fault.h"

volatile struct fault_expect fault_expect;

bool fault_try_fixup(uint64_t vector, uint64_t error_code, uint64_t *rip)
{
	if (!fault_expect.armed || fault_expect.vector != vector ||
	    fault_expect.rip != *rip)
		return false;
	fault_expect.armed = false;
	fault_expect.hit = true;
	fault_expect.error_code = error_code;
	*rip = fault_expect.resume;
	return true;
}

static void arm(uint32_t vector)
{
	fault_expect.hit = false;
	fault_expect.vector = vector;
	fault_expect.armed = true;
}

static bool disarm(void)
{
	fault_expect.armed = false;
	return fault_expect.hit;
}

/* The labels must live in the same asm statement as the instruction, so
 * the statement itself records where it may fault and where to go on. */
bool wrmsr_raises_gp(uint32_t msr, uint64_t value)
{
	uint64_t scratch;

	arm(X86_VEC_GP);
	asm volatile("leaq 1f(%%rip), %[s]\n\t"
		     "movq %[s], %[rip]\n\t"
		     "leaq 2f(%%rip), %[s]\n\t"
		     "movq %[s], %[resume]\n\t"
		     "1: wrmsr\n"
		     "2:"
		     : [s] "=&r"(scratch), [rip] "=m"(fault_expect.rip),
		       [resume] "=m"(fault_expect.resume)
		     : "c"(msr), "a"((uint32_t)value),
		       "d"((uint32_t)(value >> 32))
		     : "memory");
	return disarm();
}

bool rdmsr_raises_gp(uint32_t msr, uint64_t *value)
{
	uint64_t scratch;
	uint32_t lo = 0, hi = 0;

	arm(X86_VEC_GP);
	asm volatile("leaq 1f(%%rip), %[s]\n\t"
		     "movq %[s], %[rip]\n\t"
		     "leaq 2f(%%rip), %[s]\n\t"
		     "movq %[s], %[resume]\n\t"
		     "1: rdmsr\n"
		     "2:"
		     : [s] "=&r"(scratch), [rip] "=m"(fault_expect.rip),
		       [resume] "=m"(fault_expect.resume), "+a"(lo), "+d"(hi)
		     : "c"(msr)
		     : "memory");
	*value = ((uint64_t)hi << 32) | lo;
	return disarm();
}
