/*
 * PV timers on vCPU 0: a singleshot VIRQ_TIMER comes at its deadline
 * (never before, and within TIMER_SLACK_NS after: the host emulates the
 * guest, so allow for that), -ETIME for a past deadline with
 * VCPU_SSHOTTMR_future, a stopped timer stays quiet, a periodic timer
 * ticks at its period, set_timer_op is the same singleshot timer, and
 * sleep_ns() sleeps as long as asked.
 *
 * The singleshot timer is what every wait in the kernel uses, so these
 * waits block on the timer under test itself; a timer that never fires
 * halts the vCPU, and the line printed before says which one that was.
 */
#include "arch/cpu.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "tests/evt_util.h"
#include "tests/hc.h"
#include "tests/registry.h"

/* Late by more than this is a lost timer, not a slow host: the host
 * emulates the guest and may run other guests and builds on its CPUs. */
#define TIMER_SLACK_NS (250 * NS_PER_MS)
#define PERIOD_NS (20 * NS_PER_MS)
#define PERIODIC_SPAN_NS (200 * NS_PER_MS)
/* How long the periodic test waits for its ticks at most. */
#define PERIODIC_LIMIT_NS (10 * NS_PER_SEC)
#define QUIET_SPAN_NS (60 * NS_PER_MS)
#define SLEEP_NS (50 * NS_PER_MS)
/* Wake-ups that are not the awaited timer before giving up. */
#define MAX_OTHER_WAKEUPS 64

/* Block until VIRQ_TIMER count passes `events`; the time it arrived. */
static uint64_t await_timer(uint64_t events)
{
	struct percpu *c = this_cpu();

	for (unsigned i = 0; i < MAX_OTHER_WAKEUPS && c->timer_events <= events;
	     i++)
		evtchn_block();
	return c->last_timer_ns;
}

/* Arm deadline with how(), wait for its VIRQ_TIMER, check when it came. */
static void one_shot(struct test *t, const char *what, uint64_t ahead_ns,
		     long (*how)(uint64_t deadline))
{
	struct percpu *c = this_cpu();
	uint64_t events = c->timer_events;
	uint64_t deadline;
	long rc;

	test_info("timers: %s, %llu ms ahead", what, ahead_ns / NS_PER_MS);
	/*
	 * A loaded host can keep the vCPU off its CPU for longer than
	 * ahead_ns between reading the clock and the hypercall; -ETIME is
	 * then the right answer to VCPU_SSHOTTMR_future, so arm again.
	 */
	for (unsigned tries = 0;; tries++) {
		deadline = time_now() + ahead_ns;
		rc = how(deadline);
		if (rc != -XEN_ETIME || time_now() < deadline || tries == 4)
			break;
		test_info("timers: %s: the deadline passed before the hypercall; again",
			  what);
	}
	CHECK_EQ(t, rc, 0, "%s", what);
	if (rc)
		return;
	uint64_t at = await_timer(events);
	if (!check(t, c->timer_events == events + 1,
		   "%s: %llu VIRQ_TIMER events, expected 1", what,
		   (unsigned long long)(c->timer_events - events)))
		return;
	check(t, at >= deadline, "%s: VIRQ_TIMER %llu ns before the deadline",
	      what, (unsigned long long)(deadline - at));
	check(t, at < deadline + TIMER_SLACK_NS,
	      "%s: VIRQ_TIMER %llu us after the deadline", what,
	      (unsigned long long)((at - deadline) / 1000));
}

static long via_singleshot(uint64_t deadline)
{
	return timer_set_singleshot(deadline, 0);
}

static long via_singleshot_future(uint64_t deadline)
{
	return timer_set_singleshot(deadline, VCPU_SSHOTTMR_future);
}

static long via_set_timer_op(uint64_t deadline)
{
	return HYPERVISOR_set_timer_op(deadline);
}

/* Nothing may fire for span_ns but a singleshot at its end. */
static void quiet_for(struct test *t, uint64_t span_ns, const char *what)
{
	struct percpu *c = this_cpu();
	uint64_t events = c->timer_events;
	uint64_t end = time_now() + span_ns;

	timer_set_singleshot(end, 0);
	uint64_t at = await_timer(events);
	/* Let a late extra event show up too. */
	sleep_ns(2 * NS_PER_MS);
	check(t, at >= end, "%s: a VIRQ_TIMER %llu us before the end of the "
	      "quiet span", what, (unsigned long long)((end - at) / 1000));
	/* The span's own event, and the one of the short sleep after it. */
	check(t, c->timer_events - events <= 2,
	      "%s: %llu VIRQ_TIMER events in a quiet span", what,
	      (unsigned long long)(c->timer_events - events));
}

static void singleshot(struct test *t)
{
	struct percpu *c = this_cpu();
	unsigned n = smp_vcpu_count();

	CHECK_EQ(t, timer_stop_singleshot(), 0,
		 "stop_singleshot_timer with none armed");
	one_shot(t, "set_singleshot_timer", 10 * NS_PER_MS, via_singleshot);
	one_shot(t, "set_singleshot_timer(VCPU_SSHOTTMR_future)",
		 10 * NS_PER_MS, via_singleshot_future);

	uint64_t past = time_now() - NS_PER_MS;
	CHECK_EQ(t, timer_set_singleshot(past, VCPU_SSHOTTMR_future),
		 -XEN_ETIME, "set_singleshot_timer(1 ms ago, future)");

	/* Without the flag a past deadline fires at once. */
	uint64_t events = c->timer_events;
	uint64_t start = time_now();
	CHECK_EQ(t, timer_set_singleshot(past, 0), 0,
		 "set_singleshot_timer(1 ms ago)");
	uint64_t at = await_timer(events);
	check(t, c->timer_events > events && at < start + TIMER_SLACK_NS,
	      "a past deadline did not fire at once");

	/* A stopped timer stays quiet. */
	CHECK_EQ(t, timer_set_singleshot(time_now() + 10 * NS_PER_MS, 0), 0,
		 "set_singleshot_timer(10 ms)");
	CHECK_EQ(t, timer_stop_singleshot(), 0, "stop_singleshot_timer");
	quiet_for(t, QUIET_SPAN_NS, "after stop_singleshot_timer");

	/* A new deadline replaces the old one. */
	timer_set_singleshot(time_now() + 5 * NS_PER_MS, 0);
	quiet_for(t, 30 * NS_PER_MS, "a singleshot re-armed later");

	struct vcpu_set_singleshot_timer st = {
		.timeout_abs_ns = time_now() + NS_PER_SEC,
	};
	if (n >= 2)
		CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1,
					       &st),
			 -XEN_EINVAL, "set_singleshot_timer for vCPU 1 from 0");
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, n, &st),
		 -XEN_ENOENT, "set_singleshot_timer(vCPU %u = nr_vcpus)", n);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0,
				       BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "set_singleshot_timer(%p)", BAD_VA_UNMAPPED);
}

static void periodic(struct test *t)
{
	struct percpu *c = this_cpu();
	struct vcpu_set_periodic_timer pt = { .period_ns = NS_PER_MS - 1 };

	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt),
		 -XEN_EINVAL, "set_periodic_timer(%llu ns)",
		 (unsigned long long)pt.period_ns);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0,
		 "stop_periodic_timer with none running");

	uint64_t want = PERIODIC_SPAN_NS / PERIOD_NS;
	test_info("timers: periodic, %llu ms, until %llu ticks",
		  PERIOD_NS / NS_PER_MS, (unsigned long long)want);
	pt.period_ns = PERIOD_NS;
	uint64_t events = c->timer_events;
	uint64_t start = time_now();
	long rc = HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt);
	CHECK_EQ(t, rc, 0, "set_periodic_timer(%llu ms)",
		 PERIOD_NS / NS_PER_MS);
	if (rc)
		return;
	/*
	 * Ticks that fall due while a loaded host keeps the vCPU off its
	 * CPU merge into one pending event, as on Xen, so how many arrive
	 * in a given span is no test. Wait for `want` of them (every
	 * wake-up is a tick, or the singleshot at the limit), then check
	 * that they came no faster than the period allows.
	 */
	uint64_t limit = start + PERIODIC_LIMIT_NS;
	timer_set_singleshot(limit, 0);
	while (c->timer_events - events < want && time_now() < limit)
		evtchn_block();
	uint64_t elapsed = time_now() - start;
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0,
		 "stop_periodic_timer");
	timer_stop_singleshot();
	uint64_t ticks = c->timer_events - events;
	test_info("timers: %llu VIRQ_TIMER events in %llu ms at a %llu ms "
		  "period", (unsigned long long)ticks,
		  (unsigned long long)(elapsed / NS_PER_MS),
		  PERIOD_NS / NS_PER_MS);
	check(t, ticks >= want, "periodic %llu ms timer: %llu events in %llu ms",
	      PERIOD_NS / NS_PER_MS, (unsigned long long)ticks,
	      PERIODIC_LIMIT_NS / NS_PER_MS);
	/* A tick or two more for where the span's ends fall. */
	check(t, ticks <= elapsed / PERIOD_NS + 2,
	      "periodic %llu ms timer: %llu events in %llu ms, faster than "
	      "its period", PERIOD_NS / NS_PER_MS, (unsigned long long)ticks,
	      (unsigned long long)(elapsed / NS_PER_MS));
	quiet_for(t, QUIET_SPAN_NS, "after stop_periodic_timer");
}

static void timer_op(struct test *t)
{
	one_shot(t, "set_timer_op", 10 * NS_PER_MS, via_set_timer_op);
	CHECK_EQ(t, HYPERVISOR_set_timer_op(time_now() + 10 * NS_PER_MS), 0,
		 "set_timer_op(10 ms)");
	CHECK_EQ(t, HYPERVISOR_set_timer_op(0), 0, "set_timer_op(0)");
	quiet_for(t, QUIET_SPAN_NS, "after set_timer_op(0)");
}

static void sleeping(struct test *t)
{
	uint64_t start = time_now();

	sleep_ns(SLEEP_NS);
	uint64_t slept = time_now() - start;
	check(t, slept >= SLEEP_NS, "sleep_ns(50 ms) slept %llu us",
	      (unsigned long long)(slept / 1000));
	check(t, slept < SLEEP_NS + TIMER_SLACK_NS,
	      "sleep_ns(50 ms) slept %llu us", (unsigned long long)(slept / 1000));
}

void test_timers(struct test *t)
{
	if (!events_ready(t))
		return;
	singleshot(t);
	periodic(t);
	timer_op(t);
	sleeping(t);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area,
				       0, NULL),
		 -XEN_ENOSYS, "register_vcpu_time_memory_area");
}
