#include "arch/cpu.h"
#include "kernel/evtchn.h"
#include "kernel/percpu.h"
#include "kernel/shared_info.h"
#include "kernel/time.h"
#include "tests/hc.h"

/* The contract's SCHEDOP_block halts in the stub (`sti; hlt`) until an
 * interrupt, so what wakes it here is VIRQ_TIMER from a singleshot timer
 * armed a few ms ahead. A hypervisor that never delivers it leaves the
 * vCPU halted for good; the line before says what it was waiting for. */
#define BLOCK_TIMER_NS (5 * NS_PER_MS)
#define BLOCK_LATE_NS (500 * NS_PER_MS)

void hc_block_until_timer(struct test *t, const char *where)
{
	struct percpu *c = this_cpu();

	if (!check(t, c->vi != NULL && c->timer_port != 0,
		   "SCHEDOP_block: no vcpu_info or VIRQ_TIMER port (%s), "
		   "cannot test",
		   where))
		return;
	test_info("sched_op: SCHEDOP_block with a singleshot timer %llu ms "
		  "ahead (%s)",
		  BLOCK_TIMER_NS / NS_PER_MS, where);

	uint64_t events = c->timer_events;
	uint64_t deadline = time_now() + BLOCK_TIMER_NS;
	CHECK_EQ(t, timer_set_singleshot(deadline, 0), 0,
		 "vcpu_op(set_singleshot_timer, now + 5 ms)");
	long rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	/* The stub returns with interrupts on; this kernel runs with them
	 * off. */
	irq_disable();
	CHECK_EQ(t, rc, 0, "sched_op(SCHEDOP_block) (%s)", where);
	/* Another interrupt may have ended the block first; the timer must
	 * still come, through the upcall and this vcpu_info. */
	for (unsigned i = 0; i < 8 && c->timer_events == events; i++)
		evtchn_block();
	uint64_t now = time_now();
	check(t, c->timer_events > events,
	      "SCHEDOP_block (%s): returned but VIRQ_TIMER never came", where);
	check(t, now >= deadline,
	      "SCHEDOP_block (%s): back %llu ns before the timer's deadline",
	      where, (unsigned long long)(deadline - now));
	check(t, now < deadline + BLOCK_LATE_NS,
	      "SCHEDOP_block (%s): back %llu ms after the deadline", where,
	      (unsigned long long)((now - deadline) / NS_PER_MS));
}

void hc_sched_op(struct test *t)
{
	struct sched_shutdown s;

	CHECK_EQ(t, HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0,
		 "sched_op(SCHEDOP_yield)");
	hc_block_until_timer(t, "shared_info vcpu_info[0]");

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
