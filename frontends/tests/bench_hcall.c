/*
 * The cost of a hypercall against the raw cost of a userspace I/O exit
 * (the null port), in TSC cycles per call.
 */
#include "arch/cpu.h"
#include "include/guest_abi.h"
#include "kernel/cmdline.h"
#include "kernel/hypercall.h"
#include "tests/registry.h"

/* iterations= on the command line overrides it: a guest that only has
 * to keep running (a bystander in a test) needs far fewer where each
 * exit costs more (an emulated SVM host). */
#define ITERATIONS 200000
#define MAX_ITERATIONS 100000000
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
	uint64_t n = ITERATIONS;
	if (cmdline_u64("iterations", &n) && (n < 1 || n > MAX_ITERATIONS)) {
		test_fail(t, "iterations must be 1 to %u", MAX_ITERATIONS);
		return;
	}

	for (unsigned i = 0; i < WARMUP; i++)
		rc |= HYPERVISOR_xen_version(XENVER_version, NULL);
	uint64_t t0 = rdtsc_ordered();
	for (uint64_t i = 0; i < n; i++)
		rc |= HYPERVISOR_xen_version(XENVER_version, NULL);
	uint64_t hcall = rdtsc_ordered() - t0;

	for (unsigned i = 0; i < WARMUP; i++)
		outl(XENOLITH_NULL_PORT, 0);
	t0 = rdtsc_ordered();
	for (uint64_t i = 0; i < n; i++)
		outl(XENOLITH_NULL_PORT, 0);
	uint64_t nullexit = rdtsc_ordered() - t0;

	for (unsigned i = 0; i < WARMUP; i++)
		null_stub();
	t0 = rdtsc_ordered();
	for (uint64_t i = 0; i < n; i++)
		null_stub();
	uint64_t nullstub = rdtsc_ordered() - t0;

	check(t, rc > 0, "xen_version(XENVER_version) failed during the run");
	test_info("bench-hcall hypercall_cycles=%lu nullexit_cycles=%lu "
		  "nullstub_cycles=%lu iterations=%lu",
		  hcall / n, nullexit / n, nullstub / n, (unsigned long)n);
}
