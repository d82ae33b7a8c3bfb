/*
 * From the PVH entry (32-bit protected mode, paging off, EBX = physical
 * address of struct hvm_start_info) to C in 64-bit long mode.
 */
#include "arch/segments.h"

#define CR0_PG      (1 << 31)
#define CR4_PAE     (1 << 5)
#define MSR_EFER    0xc0000080
#define EFER_LME    (1 << 8)

/* Present, writable, user: ring 3 tests run code and reach the
 * hypercall page through these same mappings. */
#define PTE_TABLE   0x7
#define PTE_2M_PAGE 0x87

	.section .text.boot, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	/* BSS is cleared later, so the pointer goes to .data. */
	movl %ebx, boot_start_info_paddr

	lgdt boot_gdt_desc
	movl $GDT_KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4

	movl $boot_pml4, %eax
	movl %eax, %cr3

	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr

	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0

	ljmp $GDT_KERNEL_CS, $long_mode_entry

	.code64
long_mode_entry:
	movl $GDT_KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp

	/* The BSS is not cleared here: it lies inside the data PT_LOAD
	 * segment, whose bytes past p_filesz an ELF loader must provide as
	 * zeroes (xenolithd's and Xen's domain builders both do). Clearing
	 * it again cost ~0.6 us per quadword on hosts that emulate guest
	 * kernel code, 70 ms of boot for a 900 KiB BSS. */
	movl boot_start_info_paddr(%rip), %edi
	call kernel_main
1:	cli
	hlt
	jmp 1b

	.section .data
	.balign 8
	.globl boot_start_info_paddr
boot_start_info_paddr:
	.long 0
	.long 0

	/* 32-bit lgdt reads the low 4 bytes of the base, 64-bit all 8. */
	.balign 8
	.word 0, 0, 0
	.globl boot_gdt_desc
boot_gdt_desc:
	.word GDT_ENTRIES * 8 - 1
	.quad gdt

	/* Identity map of the low 4 GiB in 2 MiB pages; nothing above, so
	 * tests have unmapped addresses to hand the hypervisor. */
	.section .data.pagetables, "aw"
	.balign 4096
boot_pml4:
	.quad boot_pdpt + PTE_TABLE
	.fill 511, 8, 0
boot_pdpt:
	.quad boot_pd + 0 * 4096 + PTE_TABLE
	.quad boot_pd + 1 * 4096 + PTE_TABLE
	.quad boot_pd + 2 * 4096 + PTE_TABLE
	.quad boot_pd + 3 * 4096 + PTE_TABLE
	.fill 508, 8, 0
boot_pd:
	.set addr, 0
	.rept 2048
	.quad addr + PTE_2M_PAGE
	.set addr, addr + 0x200000
	.endr

	.section .bss
	.balign 16
boot_stack:
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
