#include <stdint.h>

#include "arch/idt.h"
#include "arch/segments.h"

#define IDT_VECTORS 256
#define STUB_SIZE 16

/* The hardware's 64-bit gate descriptor. */
struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct idt_desc {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint8_t trap_stubs[];

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

void idt_init(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		uint64_t addr = (uint64_t)(trap_stubs + STUB_SIZE * v);
		/* Present 64-bit interrupt gate (IF stays clear in handlers);
		 * DPL 3 only where ring 3 is meant to `int`. */
		uint8_t dpl = v == USERMODE_RETURN_VECTOR ? 3 : 0;

		idt[v] = (struct idt_gate){
			.offset_low = addr & 0xffff,
			.selector = GDT_KERNEL_CS,
			.type_attr = 0x8e | (dpl << 5),
			.offset_mid = (addr >> 16) & 0xffff,
			.offset_high = addr >> 32,
		};
	}

	idt_load();
}

void idt_load(void)
{
	struct idt_desc desc = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" : : "m"(desc) : "memory");
}
