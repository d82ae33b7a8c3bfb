#include "arch/cpu.h"
#include "kernel/percpu.h"

#define MSR_GS_BASE 0xc0000101

struct percpu percpu[MAX_VCPUS];

void percpu_init(unsigned id)
{
	struct percpu *c = &percpu[id];

	c->self = c;
	c->id = id;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
}
