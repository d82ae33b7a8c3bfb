/*
 * A round trip through ring 3: the kernel drops to CPL 3 (IOPL 0; the TSS
 * I/O bitmap lets the hypercall stub's `out` reach the hypervisor rather
 * than fault), makes one hypercall there, and comes back through int3.
 */
#ifndef FRONTENDS_ARCH_USERMODE_H
#define FRONTENDS_ARCH_USERMODE_H

#include <stdbool.h>
#include <stdint.h>

/* A fault taken in ring 3 ends the trip instead of the domain, so a test
 * can report it. */
struct usermode_fault {
	bool faulted;
	uint64_t vector, error_code, rip, rflags;
};

extern struct usermode_fault usermode_fault;

/* Make hypercall nr(a1, a2) from ring 3; return its rax. When ring 3
 * faulted instead, usermode_fault says how and the result is 0. */
long usermode_hypercall(unsigned nr, uint64_t a1, uint64_t a2);

/* Called by the trap path on the return vector from ring 3: resumes the
 * kernel where usermode_hypercall left it, returning result. */
__attribute__((noreturn)) void usermode_resume(uint64_t result);

#endif
