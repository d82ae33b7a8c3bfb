/* The CPUID leaves of doc/hypercalls.md, "Finding the hypervisor". */
#include "arch/cpu.h"
#include "kernel/hypercall.h"
#include "tests/registry.h"

#define HYPERVISOR_PRESENT_BIT (1u << 31)
#define KVM_SIGNATURE_EBX 0x4b4d564b /* "KVMK" */

void test_cpuid(struct test *t)
{
	uint32_t base = xen_cpuid_base();
	struct cpuid_regs r;

	CHECK_EQ(t, base, XEN_CPUID_FIRST_LEAF, "Xen CPUID base leaf");
	if (!base)
		return;
	r = cpuid(base, 0);
	CHECK_EQ(t, r.eax, base + XEN_CPUID_MAX_NUM_LEAVES,
		 "CPUID %#x eax (max leaf)", base);
	CHECK_EQ(t, r.ebx, XEN_CPUID_SIGNATURE_EBX, "CPUID %#x ebx", base);
	CHECK_EQ(t, r.ecx, XEN_CPUID_SIGNATURE_ECX, "CPUID %#x ecx", base);
	CHECK_EQ(t, r.edx, XEN_CPUID_SIGNATURE_EDX, "CPUID %#x edx", base);

	r = cpuid(base + 1, 0);
	CHECK_EQ(t, r.eax, HYPERVISOR_xen_version(XENVER_version, NULL),
		 "CPUID %#x eax vs XENVER_version", base + 1);
	CHECK_EQ(t, r.eax, 0x00040011, "CPUID %#x eax (version)", base + 1);

	r = cpuid(base + 2, 0);
	CHECK_EQ(t, r.eax, 1, "CPUID %#x eax (hypercall pages)", base + 2);
	CHECK_EQ(t, r.ebx, 0x40000000, "CPUID %#x ebx (hypercall MSR)",
		 base + 2);
	CHECK_EQ(t, r.ecx, 0, "CPUID %#x ecx", base + 2);
	CHECK_EQ(t, r.edx, 0, "CPUID %#x edx", base + 2);

	r = cpuid(base + 4, 0);
	CHECK_EQ(t, r.eax,
		 XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
			 XEN_HVM_CPUID_UPCALL_VECTOR,
		 "CPUID %#x eax (flags)", base + 4);
	CHECK_EQ(t, r.ebx, 0, "CPUID %#x ebx (vCPU id of vCPU 0)", base + 4);
	check(t, r.ecx >= 1 && r.ecx < DOMID_FIRST_RESERVED,
	      "CPUID %#x ecx (domid): expected 1..0x7fef, got %#x", base + 4,
	      r.ecx);
	test_info("cpuid: domid %u", r.ecx);

	r = cpuid(base + 5, 0);
	check(t, !r.eax && !r.ebx && !r.ecx && !r.edx,
	      "CPUID %#x: expected all zero, got %#x %#x %#x %#x", base + 5,
	      r.eax, r.ebx, r.ecx, r.edx);

	r = cpuid(1, 0);
	check(t, r.ecx & HYPERVISOR_PRESENT_BIT,
	      "CPUID 1 ecx bit 31 (hypervisor present) clear: ecx %#x",
	      r.ecx);

	/* KVM's own leaves would sit at 0x40000100 behind Xen's. */
	r = cpuid(XEN_CPUID_FIRST_LEAF + 0x100, 0);
	check(t, r.ebx != KVM_SIGNATURE_EBX,
	      "CPUID 0x40000100 offers KVM's signature");
}
