/*
 * The kernel's callee-saved registers and stack pointer are parked in
 * memory across the trip to ring 3; the return gate runs on the TSS
 * stack, so usermode_resume simply takes the parked stack back.
 */
#include "arch/segments.h"

#define RFLAGS_RESERVED1 (1 << 1)

	.text
	.globl usermode_hypercall
usermode_hypercall:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, usermode_saved_rsp(%rip)

	/* Ring 3 calls stub nr through rbx; iretq leaves GPRs alone. */
	movl %edi, %ebx
	shlq $5, %rbx
	leaq hypercall_page(%rip), %rax
	addq %rax, %rbx
	movq %rsi, %rdi
	movq %rdx, %rsi
	xorl %edx, %edx
	xorl %r10d, %r10d
	xorl %r8d, %r8d

	pushq $GDT_USER_DS
	leaq usermode_stack_top(%rip), %rax
	pushq %rax
	/* IOPL 0: the TSS I/O bitmap grants ring 3 the hypercall port. */
	pushq $RFLAGS_RESERVED1
	pushq $GDT_USER_CS
	leaq ring3_entry(%rip), %rax
	pushq %rax
	iretq

ring3_entry:
	call *%rbx
	/* The one-byte int3, not `int $n`: see USERMODE_RETURN_VECTOR. */
	.if USERMODE_RETURN_VECTOR != 3
	.error "ring3_entry returns with int3"
	.endif
	int3
	ud2

	.globl usermode_resume
usermode_resume:
	movl $GDT_KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq usermode_saved_rsp(%rip), %rsp
	movq %rdi, %rax
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.section .bss
	.balign 8
usermode_saved_rsp:
	.skip 8
	.balign 16
	.skip USER_STACK_SIZE
usermode_stack_top:
