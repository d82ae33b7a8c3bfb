#include "kernel/percpu.h"
#include "kernel/shared_info.h"
#include "kernel/time.h"
#include "lib/kstring.h"
#include "tests/evt_util.h"

void port_rec_handler(evtchn_port_t port, void *arg)
{
	struct port_rec *rec = arg;
	unsigned cpu = this_cpu_id();

	rec->last_cpu = cpu;
	rec->last_port = port;
	rec->last_ns = time_now();
	if (cpu != rec->expect_cpu)
		rec->wrong_cpu++;
	/* Last: waiters look at the count, then at the rest. */
	rec->count++;
}

void port_rec_attach(struct port_rec *rec, evtchn_port_t port,
		     unsigned expect_cpu)
{
	memset((void *)rec, 0, sizeof(*rec));
	rec->expect_cpu = expect_cpu;
	evtchn_set_handler(port, port_rec_handler, rec);
}

struct rec_goal {
	struct port_rec *rec;
	uint32_t count;
};

static bool reached(void *arg)
{
	struct rec_goal *g = arg;

	return g->rec->count >= g->count;
}

bool port_rec_wait(struct port_rec *rec, uint32_t count, uint64_t timeout_ns)
{
	struct rec_goal g = { rec, count };

	return wait_for(reached, &g, timeout_ns);
}

bool events_ready(struct test *t)
{
	struct percpu *c = this_cpu();

	return check(t, HYPERVISOR_shared_info && c->vi && c->timer_port,
		     "event channels are not set up (no shared_info, upcall "
		     "vector or VIRQ_TIMER port); see the boot lines");
}
