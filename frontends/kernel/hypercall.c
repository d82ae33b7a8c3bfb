#include <stdint.h>

#include "arch/cpu.h"
#include "kernel/hypercall.h"

uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

struct xen_cpuid_info xen_cpuid;
static bool page_installed;

/* Xen may sit above another hypervisor's leaves (Viridian at
 * 0x40000000), so look at every 0x100 step as Xen's guests do. */
uint32_t xen_cpuid_base(void)
{
	for (uint32_t base = XEN_CPUID_FIRST_LEAF;
	     base < XEN_CPUID_FIRST_LEAF + 0x10000; base += 0x100) {
		struct cpuid_regs r = cpuid(base, 0);

		if (r.ebx == XEN_CPUID_SIGNATURE_EBX &&
		    r.ecx == XEN_CPUID_SIGNATURE_ECX &&
		    r.edx == XEN_CPUID_SIGNATURE_EDX &&
		    r.eax - base >= 2)
			return base;
	}
	return 0;
}

bool hypercall_init(void)
{
	uint32_t base = xen_cpuid_base();

	if (!base)
		return false;

	struct cpuid_regs r = cpuid(base, 0);
	xen_cpuid.base = base;
	xen_cpuid.max_leaf = r.eax;
	xen_cpuid.version = cpuid(base + 1, 0).eax;
	r = cpuid(base + 2, 0);
	xen_cpuid.pages = r.eax;
	xen_cpuid.msr = r.ebx;
	if (xen_cpuid.max_leaf >= base + 4) {
		r = cpuid(base + 4, 0);
		if (r.eax & XEN_HVM_CPUID_VCPU_ID_PRESENT)
			xen_cpuid.vcpu_id = r.ebx;
		if (r.eax & XEN_HVM_CPUID_DOMID_PRESENT)
			xen_cpuid.domid = r.ecx;
	}

	/* One page holds all 128 stubs we use; the low bits of the MSR
	 * value select page 0. */
	wrmsr(xen_cpuid.msr, hypercall_page_paddr());
	page_installed = true;
	return true;
}

bool hypercalls_ready(void)
{
	return page_installed;
}

uint64_t hypercall_page_paddr(void)
{
	/* The kernel is identity mapped. */
	return (uint64_t)hypercall_page;
}
