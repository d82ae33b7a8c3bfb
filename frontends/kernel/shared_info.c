#include "kernel/hypercall.h"
#include "kernel/percpu.h"
#include "kernel/shared_info.h"
#include "lib/kstring.h"

#define FILL_PATTERN 0xa5

static union {
	struct shared_info s;
	uint8_t bytes[4096];
} page __attribute__((aligned(4096)));

struct shared_info *HYPERVISOR_shared_info;
static struct vcpu_info *vcpu0;
static bool registered;
static bool replaced;

uint64_t shared_info_gpfn(void)
{
	return (uint64_t)&page >> 12;
}

long shared_info_map(void)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = shared_info_gpfn(),
	};
	bool first = !HYPERVISOR_shared_info;

	if (first)
		memset(page.bytes, FILL_PATTERN, sizeof(page.bytes));
	long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
	if (rc)
		return rc;

	if (first) {
		/* One `repe scasb`, not a byte loop: on hosts that emulate
		 * guest kernel code the loop cost 20,000 emulations a boot. */
		replaced = mem_run_len(page.bytes, FILL_PATTERN,
				       sizeof(page.bytes)) != sizeof(page.bytes);
		HYPERVISOR_shared_info = &page.s;
		vcpu0 = &page.s.vcpu_info[0];
	}
	return 0;
}

bool shared_info_replaced_page(void)
{
	return replaced;
}

struct vcpu_info *vcpu0_info(void)
{
	return vcpu0;
}

void vcpu0_info_moved(struct vcpu_info *now)
{
	vcpu0 = now;
	/* The upcall reads vCPU 0's flags through its percpu. */
	percpu[0].vi = now;
	registered = true;
}

bool vcpu0_info_registered(void)
{
	return registered;
}
