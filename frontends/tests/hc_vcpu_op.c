#include "kernel/shared_info.h"
#include "lib/kstring.h"
#include "tests/hc.h"

/* Xen's HVM_MAX_VCPUS; a domain with more would be a surprise. */
#define VCPU_PROBE_LIMIT 128

/* Where vCPU 0's vcpu_info moves to; the offset is arbitrary but
 * aligned, to show the hypervisor honours it. */
static uint8_t vcpu_info_page[4096] __attribute__((aligned(4096)));
#define VCPU_INFO_OFFSET 128

/* Count vCPUs as the hypervisor sees them: the first -ENOENT. */
static unsigned count_vcpus(struct test *t)
{
	for (unsigned v = 0; v < VCPU_PROBE_LIMIT; v++) {
		long rc = HYPERVISOR_vcpu_op(VCPUOP_is_up, v, NULL);

		if (rc == -XEN_ENOENT)
			return v;
		if (!check(t, rc == 0 || rc == 1,
			   "vcpu_op(VCPUOP_is_up, %u): expected 0, 1 or "
			   "-ENOENT, got %ld",
			   v, rc))
			return v;
	}
	test_fail(t, "vcpu_op(VCPUOP_is_up): no -ENOENT below vCPU %u",
		  VCPU_PROBE_LIMIT);
	return VCPU_PROBE_LIMIT;
}

static long reg(unsigned vcpu, uint64_t mfn, uint32_t offset)
{
	struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = offset };

	return HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &r);
}

static void register_checks(struct test *t, unsigned nr_vcpus)
{
	uint64_t mfn = (uint64_t)vcpu_info_page >> 12;
	struct vcpu_info *old = vcpu0_info();
	struct vcpu_info *now = (void *)(vcpu_info_page + VCPU_INFO_OFFSET);

	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0,
				       BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "vcpu_op(register_vcpu_info, %p)",
		 BAD_VA_UNMAPPED);
	CHECK_EQ(t, reg(0, mfn, 4096 - sizeof(struct vcpu_info) / 2),
		 -XEN_EINVAL, "register_vcpu_info crossing a page");
	CHECK_EQ(t, reg(0, mfn, 4096), -XEN_EINVAL,
		 "register_vcpu_info at offset 4096");
	CHECK_EQ(t, reg(0, FAR_GPFN, 0), -XEN_EINVAL,
		 "register_vcpu_info mfn %#llx outside RAM", FAR_GPFN);
	CHECK_EQ(t, reg(nr_vcpus, mfn, VCPU_INFO_OFFSET), -XEN_ENOENT,
		 "register_vcpu_info for vCPU %u", nr_vcpus);

	if (vcpu0_info_registered()) {
		/* An earlier run in this boot already moved it. */
		CHECK_EQ(t, reg(0, mfn, VCPU_INFO_OFFSET), -XEN_EINVAL,
			 "register_vcpu_info again (registered earlier)");
		return;
	}

	/* A flag set in the old place must appear in the new one. */
	if (old)
		old->evtchn_upcall_mask = 1;
	memset(vcpu_info_page, 0xcc, sizeof(vcpu_info_page));
	long rc = reg(0, mfn, VCPU_INFO_OFFSET);
	CHECK_EQ(t, rc, 0, "vcpu_op(register_vcpu_info, mfn %#lx offset %u)",
		 mfn, VCPU_INFO_OFFSET);
	if (old)
		old->evtchn_upcall_mask = 0;
	if (rc)
		return;
	vcpu0_info_moved(now);
	if (old)
		CHECK_EQ(t, now->evtchn_upcall_mask, 1,
			 "registered vcpu_info: evtchn_upcall_mask copied");
	now->evtchn_upcall_mask = 0;
	check(t, vcpu_info_page[0] == 0xcc,
	      "register_vcpu_info wrote below the registered offset");

	CHECK_EQ(t, reg(0, mfn, VCPU_INFO_OFFSET), -XEN_EINVAL,
		 "register_vcpu_info a second time");
	hc_block_until_timer(t, "the registered vcpu_info");
}

void hc_vcpu_op(struct test *t)
{
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL), 1,
		 "vcpu_op(VCPUOP_is_up, 0)");
	unsigned n = count_vcpus(t);
	test_info("vcpu_op: %u vCPU(s)", n);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL), -XEN_ENOENT,
		 "vcpu_op(VCPUOP_is_up, %u = nr_vcpus)", n);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_is_up, 0x7fffffff, NULL),
		 -XEN_ENOENT, "vcpu_op(VCPUOP_is_up, 0x7fffffff)");
	register_checks(t, n);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(99, 0, NULL), -XEN_ENOSYS,
		 "vcpu_op(99)");
}
