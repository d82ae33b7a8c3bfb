/*
 * The one GDT. The boot code loads it before long mode exists, so the
 * code and data descriptors are static; only the TSS descriptor, whose
 * base is an address the compiler cannot split at build time, is filled
 * in at run time.
 */
#include <stdint.h>

#include "arch/gdt.h"
#include "arch/segments.h"

/* The hardware's 64-bit TSS layout (Intel SDM vol. 3, 8.7). */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

/* access/flags: P, DPL, S, type; G and L (or D/B) in the high nibble. */
uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16))) = {
	[GDT_KERNEL_CS / 8] = 0x00af9a000000ffffull,
	[GDT_KERNEL_DS / 8] = 0x00cf92000000ffffull,
	[GDT_USER_CS / 8] = 0x00affa000000ffffull,
	[GDT_USER_DS / 8] = 0x00cff2000000ffffull,
};

static struct tss64 tss __attribute__((aligned(16)));
static uint8_t trap_stack[TRAP_STACK_SIZE] __attribute__((aligned(16)));

void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	tss.rsp[0] = (uint64_t)(trap_stack + sizeof(trap_stack));
	/* An I/O bitmap offset past the limit means "no bitmap": ring 3
	 * reaches ports through IOPL alone. */
	tss.iomap_base = sizeof(tss);

	gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
			   (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS / 8 + 1] = base >> 32;

	asm volatile("ltr %w0" : : "r"(GDT_TSS) : "memory");
}
