/*
 * The cost of a hypercall against the raw cost of a userspace I/O exit
 * (the null port), in TSC cycles per call.
 */
#include "arch/cpu.h"
#include "include/guest_abi.h"
#include "kernel/hypercall.h"
#include "tests/registry.h"

#define ITERATIONS 200000
#define WARMUP 2000

/* The same instructions as a hypercall stub, aimed at the null port: on
 * hosts that emulate guest kernel code (PVM) this separates the cost of
 * the stub's instructions from the cost of xenolithd's dispatch. */
void null_stub(void);
__asm__(".text\n"
	".balign 32\n"
	"null_stub:\n"
	"\tmovl $17, %eax\n"
	"\toutl %eax, $0xe6\n"
	"\tret\n");
_Static_assert(XENOLITH_NULL_PORT == 0xe6, "null_stub names the null port");

void test_bench_hcall(struct test *t)
{
	long rc = 0;

	for (unsigned i = 0; i < WARMUP; i++)
		rc |= HYPERVISOR_xen_version(XENVER_version, NULL);
	uint64_t t0 = rdtsc_ordered();
	for (unsigned i = 0; i < ITERATIONS; i++)
		rc |= HYPERVISOR_xen_version(XENVER_version, NULL);
	uint64_t hcall = rdtsc_ordered() - t0;

	for (unsigned i = 0; i < WARMUP; i++)
		outl(XENOLITH_NULL_PORT, 0);
	t0 = rdtsc_ordered();
	for (unsigned i = 0; i < ITERATIONS; i++)
		outl(XENOLITH_NULL_PORT, 0);
	uint64_t nullexit = rdtsc_ordered() - t0;

	for (unsigned i = 0; i < WARMUP; i++)
		null_stub();
	t0 = rdtsc_ordered();
	for (unsigned i = 0; i < ITERATIONS; i++)
		null_stub();
	uint64_t nullstub = rdtsc_ordered() - t0;

	check(t, rc > 0, "xen_version(XENVER_version) failed during the run");
	test_info("bench-hcall hypercall_cycles=%lu nullexit_cycles=%lu "
		  "nullstub_cycles=%lu iterations=%u",
		  hcall / ITERATIONS, nullexit / ITERATIONS,
		  nullstub / ITERATIONS, ITERATIONS);
}
