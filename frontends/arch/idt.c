#include <stdint.h>

#include "arch/idt.h"

#define IDT_VECTORS 256
#define IDT_GATE_SIZE 16

struct idt_desc {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Built by trap_stubs.S, gate by gate, at assembly time. */
extern const uint8_t idt[IDT_VECTORS * IDT_GATE_SIZE];

void idt_init(void)
{
	idt_load();
}

void idt_load(void)
{
	struct idt_desc desc = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" : : "m"(desc) : "memory");
}
