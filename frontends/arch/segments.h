/*
 * GDT layout, shared by the boot assembly and C. The user selectors sit
 * right after the kernel ones so the test can iretq to ring 3 and the
 * TSS comes last because its descriptor takes two slots.
 */
#ifndef FRONTENDS_ARCH_SEGMENTS_H
#define FRONTENDS_ARCH_SEGMENTS_H

#define GDT_KERNEL_CS  0x08
#define GDT_KERNEL_DS  0x10
#define GDT_USER_CS    (0x18 | 3)
#define GDT_USER_DS    (0x20 | 3)
#define GDT_TSS        0x28
#define GDT_ENTRIES    7

/* The vector ring 3 uses to come back to the kernel: #BP, raised with
 * int3 through a DPL 3 gate. Not a software interrupt such as int $0x80:
 * a KVM that emulates the guest's `int n` (PVM does; KVM's emulator
 * handles it in real mode only) fails it and raises #UD in ring 3
 * instead, while int3 arrives as an exception. */
#define USERMODE_RETURN_VECTOR 3

/* Vectors from here up are interrupts: they run their handler (if any)
 * and get an EOI, on whichever vCPU took them. */
#define FIRST_IRQ_VECTOR 32

/* Where the linker script puts the trap entry stubs (the first page
 * boundary after the 32-bit entry code), so that the IDT can be data. */
#define TRAP_STUBS_ADDR   0x101000

#define BOOT_STACK_SIZE   16384
#define TRAP_STACK_SIZE   16384
#define USER_STACK_SIZE   4096

#endif
