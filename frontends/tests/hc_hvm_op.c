#include "tests/hc.h"

static long param(int op, domid_t domid, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = {
		.domid = domid,
		.index = index,
		.value = *value,
	};
	long rc = HYPERVISOR_hvm_op(op, &p);

	*value = p.value;
	return rc;
}

static void callback_irq(struct test *t)
{
	/* A vector the kernel never enables interrupts for; the parameter
	 * is put back to 0 (no upcalls) before the test ends. */
	const uint64_t want =
		((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | 0xf3;
	uint64_t v = want;

	CHECK_EQ(t, param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
			  &v),
		 0, "hvm_op(set_param CALLBACK_IRQ %#lx)", want);
	v = 0;
	CHECK_EQ(t, param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
			  &v),
		 0, "hvm_op(get_param CALLBACK_IRQ)");
	CHECK_EQ(t, v, want, "CALLBACK_IRQ read back");
	v = 0;
	CHECK_EQ(t, param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
			  &v),
		 0, "hvm_op(set_param CALLBACK_IRQ 0)");
	v = 1;
	CHECK_EQ(t, param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
			  &v),
		 0, "hvm_op(get_param CALLBACK_IRQ)");
	CHECK_EQ(t, v, 0, "CALLBACK_IRQ read back after setting 0");
}

static void toolstack_params(struct test *t)
{
	static const struct {
		uint32_t index;
		const char *name;
	} params[] = {
		{ HVM_PARAM_STORE_PFN, "STORE_PFN" },
		{ HVM_PARAM_STORE_EVTCHN, "STORE_EVTCHN" },
		{ HVM_PARAM_CONSOLE_PFN, "CONSOLE_PFN" },
		{ HVM_PARAM_CONSOLE_EVTCHN, "CONSOLE_EVTCHN" },
	};

	for (unsigned i = 0; i < sizeof(params) / sizeof(*params); i++) {
		uint64_t v = 0;

		CHECK_EQ(t, param(HVMOP_get_param, DOMID_SELF, params[i].index,
				  &v),
			 0, "hvm_op(get_param %s)", params[i].name);
		test_info("hvm_op: %s = %#lx", params[i].name, v);
		uint64_t before = v;
		v = 0x1234;
		CHECK_EQ(t, param(HVMOP_set_param, DOMID_SELF, params[i].index,
				  &v),
			 -XEN_EPERM, "hvm_op(set_param %s)", params[i].name);
		v = 0;
		param(HVMOP_get_param, DOMID_SELF, params[i].index, &v);
		CHECK_EQ(t, v, before, "%s after a refused set", params[i].name);
	}
}

void hc_hvm_op(struct test *t)
{
	uint64_t v = 0;

	callback_irq(t);
	toolstack_params(t);

	CHECK_EQ(t, param(HVMOP_get_param, DOMID_SELF, HVM_NR_PARAMS, &v),
		 -XEN_EINVAL, "hvm_op(get_param index HVM_NR_PARAMS)");
	CHECK_EQ(t, param(HVMOP_set_param, DOMID_SELF, HVM_NR_PARAMS, &v),
		 -XEN_EINVAL, "hvm_op(set_param index HVM_NR_PARAMS)");
	CHECK_EQ(t, param(HVMOP_get_param, DOMID_SELF, 0xffffffff, &v),
		 -XEN_EINVAL, "hvm_op(get_param index 0xffffffff)");
	CHECK_EQ(t, param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_IOREQ_PFN, &v),
		 -XEN_ENOSYS, "hvm_op(get_param IOREQ_PFN)");
	CHECK_EQ(t, param(HVMOP_get_param, hc_other_domid(),
			  HVM_PARAM_CALLBACK_IRQ, &v),
		 -XEN_EPERM, "hvm_op(get_param, domid %u)", hc_other_domid());
	v = 0;
	CHECK_EQ(t, param(HVMOP_set_param, hc_other_domid(),
			  HVM_PARAM_CALLBACK_IRQ, &v),
		 -XEN_EPERM, "hvm_op(set_param, domid %u)", hc_other_domid());
	CHECK_EQ(t, HYPERVISOR_hvm_op(HVMOP_get_param, BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "hvm_op(get_param, %p)", BAD_VA_UNMAPPED);
	CHECK_EQ(t, HYPERVISOR_hvm_op(HVMOP_set_param, BAD_VA_NONCANONICAL),
		 -XEN_EFAULT, "hvm_op(set_param, %p)", BAD_VA_NONCANONICAL);
	CHECK_EQ(t, HYPERVISOR_hvm_op(0x7fff, NULL), -XEN_ENOSYS,
		 "hvm_op(0x7fff)");
}
