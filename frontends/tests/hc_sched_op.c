#include "arch/cpu.h"
#include "kernel/shared_info.h"
#include "tests/hc.h"

void hc_block_with_pending(struct test *t, const char *where)
{
	struct vcpu_info *vi = vcpu0_info();

	if (!check(t, vi != NULL,
		   "SCHEDOP_block: shared_info is not mapped, cannot test"))
		return;
	/* If the hypervisor ignores the flag the vCPU blocks for good;
	 * say what we were doing so a hang is easy to place. */
	test_info("sched_op: SCHEDOP_block with evtchn_upcall_pending set in "
		  "%s", where);
	vi->evtchn_upcall_pending = 1;
	long rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	/* The block stub may enable interrupts; this kernel runs with
	 * them off. */
	irq_disable();
	vi->evtchn_upcall_pending = 0;
	CHECK_EQ(t, rc, 0, "sched_op(SCHEDOP_block) with upcall pending (%s)",
		 where);
}

void hc_sched_op(struct test *t)
{
	struct sched_shutdown s;

	CHECK_EQ(t, HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0,
		 "sched_op(SCHEDOP_yield)");
	hc_block_with_pending(t, "shared_info vcpu_info[0]");

	s.reason = 99;
	CHECK_EQ(t, HYPERVISOR_sched_op(SCHEDOP_shutdown, &s), -XEN_EINVAL,
		 "sched_op(SCHEDOP_shutdown, reason 99)");
	s.reason = ~0u;
	CHECK_EQ(t, HYPERVISOR_sched_op(SCHEDOP_shutdown, &s), -XEN_EINVAL,
		 "sched_op(SCHEDOP_shutdown, reason 0xffffffff)");
	CHECK_EQ(t, HYPERVISOR_sched_op(SCHEDOP_shutdown, BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "sched_op(SCHEDOP_shutdown, %p)",
		 BAD_VA_UNMAPPED);
	CHECK_EQ(t, HYPERVISOR_sched_op(SCHEDOP_shutdown,
					BAD_VA_NONCANONICAL),
		 -XEN_EFAULT, "sched_op(SCHEDOP_shutdown, %p)",
		 BAD_VA_NONCANONICAL);

	/* Recording crash keeps a later real crash (triple-fault test)
	 * reported as a crash; an explicit SCHEDOP_shutdown at the end
	 * still names its own reason (doc/hypercalls.md). */
	s.reason = SHUTDOWN_crash;
	CHECK_EQ(t, HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &s), 0,
		 "sched_op(SCHEDOP_shutdown_code, SHUTDOWN_crash)");
	CHECK_EQ(t, HYPERVISOR_sched_op(SCHEDOP_shutdown_code,
					BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "sched_op(SCHEDOP_shutdown_code, %p)",
		 BAD_VA_UNMAPPED);

	CHECK_EQ(t, HYPERVISOR_sched_op(99, NULL), -XEN_ENOSYS,
		 "sched_op(99)");
}
