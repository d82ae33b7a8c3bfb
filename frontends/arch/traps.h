#ifndef FRONTENDS_ARCH_TRAPS_H
#define FRONTENDS_ARCH_TRAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/segments.h"

/* What traps.S leaves on the stack, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

void trap_dispatch(struct trap_frame *frame);

/* FIRST_IRQ_VECTOR and up are interrupts (arch/segments.h): the entry
 * stubs send them to irq_entry with no trap frame. */
void irq_entry(unsigned vector);

typedef void (*irq_handler_t)(unsigned vector);

/* Install (or, with NULL, remove) the handler for an interrupt vector.
 * The IDT is shared, so this holds for every vCPU. */
void irq_set_handler(unsigned vector, irq_handler_t fn);

/* The vector comes as Xen injects HVM_PARAM_CALLBACK_IRQ's: not through
 * the LAPIC's in-service register, so nothing is to be acknowledged.
 * Where it did arrive in service anyway (a host that cannot deliver it
 * so), it is acknowledged and counted in irq_auto_eoi_in_service. */
void irq_set_auto_eoi(unsigned vector, bool auto_eoi);
extern volatile uint64_t irq_auto_eoi_in_service;

/* Interrupts that arrived on a vector without a handler (acknowledged
 * and dropped, as a kernel does with a stray IRQ), and LAPIC spurious
 * interrupts. Tests compare them before and after. */
extern volatile uint64_t irq_unhandled;
extern volatile uint64_t irq_spurious;

#endif
