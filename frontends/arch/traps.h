#ifndef FRONTENDS_ARCH_TRAPS_H
#define FRONTENDS_ARCH_TRAPS_H

#include <stdint.h>

/* What traps.S leaves on the stack, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

void trap_dispatch(struct trap_frame *frame);

#endif
