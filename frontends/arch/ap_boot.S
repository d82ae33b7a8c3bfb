/*
 * Where a secondary vCPU starts. VCPUOP_initialise gives it 64-bit mode
 * with the boot page tables, its stack in RSP and its struct percpu in
 * RDI, but no descriptor tables (vcpu_hvm_context has none): load the
 * boot GDT and the selectors from it here, then continue in C.
 *
 * No TSS is loaded: a secondary vCPU never enters ring 3 and uses no
 * IST stack, and those are the only things the TSS is for in long mode.
 */
#include "arch/segments.h"

	.text
	.globl ap_entry
ap_entry:
	cli
	cld
	lgdt boot_gdt_desc(%rip)
	movl $GDT_KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	/* GS base is set from C (percpu_init) after this. */
	movl %eax, %gs

	/* A far return is the one way to reload CS in long mode. */
	pushq $GDT_KERNEL_CS
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:
	xorl %ebp, %ebp
	call ap_main
2:	cli
	hlt
	jmp 2b
