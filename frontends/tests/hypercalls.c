#include "kernel/hypercall.h"
#include "tests/hc.h"
#include "tests/registry.h"

uint16_t hc_other_domid(void)
{
	uint16_t d = (uint16_t)(xen_cpuid.domid + 1);

	return d >= DOMID_FIRST_RESERVED ? 1 : d;
}

void test_hypercalls(struct test *t)
{
	hc_xen_version(t);
	hc_console_io(t);
	hc_sched_op(t);
	hc_memory_op(t);
	hc_hvm_op(t);
	/* After sched_op: registering a vcpu_info moves the upcall flags
	 * that the block check relies on. */
	hc_vcpu_op(t);
	/* Last: the MSR probes reinstall the hypercall page. */
	hc_platform(t);
}
