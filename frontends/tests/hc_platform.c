/*
 * What doc/hypercalls.md says about hypercalls in general rather than
 * about one of them: unknown numbers, calls from ring 3 and the
 * hypercall-page MSR.
 */
#include "arch/cpu.h"
#include "arch/fault.h"
#include "arch/usermode.h"
#include "kernel/start_info.h"
#include "tests/hc.h"

static void unknown_numbers(struct test *t)
{
	static const unsigned nrs[] = { 45, 63 };

	for (unsigned i = 0; i < sizeof(nrs) / sizeof(*nrs); i++)
		CHECK_EQ(t, _hypercall2(nrs[i], 0, 0), -XEN_ENOSYS,
			 "hypercall %u", nrs[i]);
}

static void from_ring3(struct test *t)
{
	usermode_fault.faulted = false;
	long rc = usermode_hypercall(__HYPERVISOR_xen_version, XENVER_version,
				     0);
	if (usermode_fault.faulted)
		test_fail(t,
			  "hypercall from ring 3: ring 3 took vector %lu "
			  "(error %#lx) at rip %#lx with rflags %#lx",
			  usermode_fault.vector, usermode_fault.error_code,
			  usermode_fault.rip, usermode_fault.rflags);
	else
		CHECK_EQ(t, rc, -XEN_EPERM,
			 "xen_version(XENVER_version) from ring 3");
	/* And ring 0 is unaffected by the trip. */
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_version, NULL),
		 (long)xen_cpuid.version,
		 "xen_version(XENVER_version) back in ring 0");
}

static void msr_gp(struct test *t, uint64_t value, const char *why)
{
	check(t, wrmsr_raises_gp(xen_cpuid.msr, value),
	      "wrmsr(%#x, %#lx) (%s): expected #GP, none raised",
	      xen_cpuid.msr, value, why);
}

static void hypercall_msr(struct test *t)
{
	uint64_t v = 0;

	if (!start_info_is_ram(0xfffff000, 4096))
		msr_gp(t, 0xfffff000, "page below 4 GiB, not RAM");
	msr_gp(t, FAR_GPFN << 12, "page far above RAM");
	msr_gp(t, start_info_ram_end(), "first page after RAM");
	msr_gp(t, hypercall_page_paddr() + 8, "not page aligned");
	check(t, rdmsr_raises_gp(xen_cpuid.msr, &v),
	      "rdmsr(%#x): expected #GP, read %#lx", xen_cpuid.msr, v);

	/* Put the page back in case one of the writes was taken. */
	wrmsr(xen_cpuid.msr, hypercall_page_paddr());
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_version, NULL),
		 (long)xen_cpuid.version,
		 "xen_version after reinstalling the hypercall page");
}

void hc_platform(struct test *t)
{
	unknown_numbers(t);
	from_ring3(t);
	hypercall_msr(t);
}
