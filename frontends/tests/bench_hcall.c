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

	check(t, rc > 0, "xen_version(XENVER_version) failed during the run");
	test_info("bench-hcall hypercall_cycles=%lu nullexit_cycles=%lu "
		  "iterations=%u",
		  hcall / ITERATIONS, nullexit / ITERATIONS, ITERATIONS);
}
