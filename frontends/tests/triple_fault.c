/*
 * With an empty IDT the #UD cannot be delivered, nor the #GP that
 * follows, nor the #DF: the vCPU triple-faults and the hypervisor must
 * mark the domain crashed. No result line is ever printed.
 */
#include <stdint.h>

#include "kernel/console.h"
#include "tests/registry.h"

void test_triple_fault(struct test *t)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	(void)t;
	test_info("triple-fault: loading an empty IDT and executing ud2");
	console_flush();
	asm volatile("lidt %0\n\tud2" : : "m"(empty) : "memory");
	__builtin_unreachable();
}
