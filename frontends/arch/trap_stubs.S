/*
 * One 16-byte entry stub per vector at a fixed address, so stub N lies at
 * TRAP_STUBS_ADDR + 16 * N and the IDT below is complete at build time:
 * filling 256 gates at boot cost thousands of instructions, each of them
 * emulated on hosts that emulate guest kernel code. Each stub makes the
 * frame uniform (a zero where the CPU pushes no error code), then the
 * common path saves every register into a struct trap_frame for C.
 */
#include "arch/segments.h"

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || \
			   (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	/* The linker script places this section at trap_stubs_expected
	 * and fails the link when it cannot. */
	.globl trap_stubs_expected
	.set trap_stubs_expected, TRAP_STUBS_ADDR

	.section .text.trap_stubs, "ax"
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if HAS_ERROR_CODE(vec)
	.else
	pushq $0
	.endif
	pushq $vec
	.if vec >= FIRST_IRQ_VECTOR
	jmp irq_common
	.else
	jmp trap_common
	.endif
	.set vec, vec + 1
	.endr

/* Interrupts save only what C may clobber: their handlers take the
 * vector, not a frame, and C keeps the callee-saved registers itself.
 * Twelve fewer instructions per event, each one an emulation on hosts
 * that emulate guest kernel code. 16-byte stack alignment holds at the
 * call: 7 quadwords of frame and 9 registers. */
irq_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	cld
	movl 72(%rsp), %edi
	call irq_entry
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

/* Present 64-bit interrupt gates (IF stays clear in handlers); DPL 3
 * only where ring 3 is meant to raise the vector. */
	.section .data
	.balign 16
	.globl idt
idt:
	.set vec, 0
	.rept 256
	.set addr, TRAP_STUBS_ADDR + 16 * vec
	.word addr & 0xffff
	.word GDT_KERNEL_CS
	.byte 0
	.if vec == USERMODE_RETURN_VECTOR
	.byte 0xee
	.else
	.byte 0x8e
	.endif
	.word (addr >> 16) & 0xffff
	.long addr >> 32
	.long 0
	.set vec, vec + 1
	.endr
