#include "arch/atomic.h"
#include "arch/cpu.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/percpu.h"
#include "kernel/shared_info.h"
#include "kernel/time.h"

#define WAIT_SLICE_NS (2 * NS_PER_MS)

void pvclock_sample(const struct vcpu_time_info *t, struct pvclock_sample *s)
{
	uint32_t retries = 0;

	for (;;) {
		uint32_t v = READ_ONCE(t->version);

		/* rdtsc_ordered fences the TSC read between the version
		 * reads; x86 keeps the plain loads in order. */
		barrier();
		uint64_t tsc = rdtsc_ordered();
		uint64_t stamp = READ_ONCE(t->tsc_timestamp);
		uint64_t system = READ_ONCE(t->system_time);
		uint32_t mul = READ_ONCE(t->tsc_to_system_mul);
		int8_t shift = READ_ONCE(t->tsc_shift);

		barrier();
		if ((v & 1) || READ_ONCE(t->version) != v) {
			retries++;
			cpu_relax();
			continue;
		}

		uint64_t delta = tsc - stamp;
		if (shift >= 0)
			delta <<= shift;
		else
			delta >>= -shift;
		s->ns = system +
			(uint64_t)(((unsigned __int128)delta * mul) >> 32);
		s->tsc = tsc;
		s->tsc_timestamp = stamp;
		s->version = v;
		s->retries = retries;
		return;
	}
}

uint64_t pvclock_read(const struct vcpu_time_info *t)
{
	struct pvclock_sample s;

	pvclock_sample(t, &s);
	return s.ns;
}

uint64_t time_now(void)
{
	return pvclock_read(&this_cpu()->vi->time);
}

void wallclock_read(uint64_t *sec, uint32_t *nsec, uint32_t *version)
{
	const struct shared_info *s = HYPERVISOR_shared_info;

	for (;;) {
		uint32_t v = READ_ONCE(s->wc_version);

		barrier();
		uint64_t lo = READ_ONCE(s->wc_sec);
		uint64_t hi = READ_ONCE(s->wc_sec_hi);
		uint32_t ns = READ_ONCE(s->wc_nsec);

		barrier();
		if ((v & 1) || READ_ONCE(s->wc_version) != v) {
			cpu_relax();
			continue;
		}
		*sec = (hi << 32) | lo;
		*nsec = ns;
		*version = v;
		return;
	}
}

static void timer_virq(evtchn_port_t port, void *arg)
{
	struct percpu *c = this_cpu();

	(void)port;
	(void)arg;
	c->timer_events++;
	c->last_timer_ns = time_now();
}

long time_bind_virq_timer(unsigned vcpu)
{
	evtchn_port_t port;
	long rc = evtchn_bind_virq(VIRQ_TIMER, vcpu, &port);

	if (rc)
		return rc;
	evtchn_set_handler(port, timer_virq, NULL);
	percpu[vcpu].timer_port = port;
	return 0;
}

long timer_set_singleshot(uint64_t deadline_ns, uint32_t flags)
{
	struct vcpu_set_singleshot_timer st = {
		.timeout_abs_ns = deadline_ns,
		.flags = flags,
	};

	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, this_cpu_id(),
				  &st);
}

long timer_stop_singleshot(void)
{
	return HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, this_cpu_id(),
				  NULL);
}

void block_until(uint64_t deadline_ns)
{
	/* Without VCPU_SSHOTTMR_future a deadline already past fires at
	 * once, so the block below always ends. */
	timer_set_singleshot(deadline_ns, 0);
	evtchn_block();
}

void sleep_ns(uint64_t ns)
{
	uint64_t deadline = time_now() + ns;

	while (time_now() < deadline)
		block_until(deadline);
}

bool wait_for(bool (*cond)(void *arg), void *arg, uint64_t timeout_ns)
{
	uint64_t deadline = time_now() + timeout_ns;

	bool met;

	for (;;) {
		met = cond(arg);
		if (met || time_now() >= deadline)
			break;
		block_until(deadline);
	}
	/* A deadline left armed would fire into whatever waits next. */
	timer_stop_singleshot();
	return met || cond(arg);
}
