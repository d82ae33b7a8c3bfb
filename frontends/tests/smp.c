/*
 * Secondary vCPUs (the config must give vcpus >= 2): VCPUOP_initialise
 * and up bring every one of them into the kernel, each runs code and
 * takes its own upcalls (the last one through HVM_PARAM_CALLBACK_IRQ,
 * the others through their own vector), IPIs go between every pair both
 * ways, a vCPU taken down stops taking events and resumes where it was
 * when brought up again (also when it took itself down), and the vCPU
 * ops answer with the contract's errors.
 */
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/traps.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "tests/evt_util.h"
#include "tests/hc.h"
#include "tests/registry.h"

#define CALL_TIMEOUT_NS (5 * NS_PER_SEC)
#define DELIVERY_TIMEOUT_NS (1 * NS_PER_SEC)
#define DOWN_QUIET_NS (30 * NS_PER_MS)

static struct port_rec ipi_rec[MAX_VCPUS];
static evtchn_port_t ipi_port[MAX_VCPUS];

static long is_up(unsigned cpu)
{
	return HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu, NULL);
}

/* What a vCPU reports about itself when asked to run code. */
struct whoami {
	unsigned percpu_id;
	uint32_t cpuid_vcpu;
	uint32_t apic_id;
};

static void whoami(void *arg)
{
	struct whoami *w = arg;
	struct cpuid_regs r = cpuid(xen_cpuid.base + 4, 0);

	w->percpu_id = this_cpu_id();
	w->cpuid_vcpu = r.ebx;
	w->apic_id = apic_id();
}

static void send_ipi(void *arg)
{
	evtchn_send(*(evtchn_port_t *)arg);
}

/* Before bring-up: the ops on a vCPU that was never initialised. */
static void before_start(struct test *t, unsigned n)
{
	unsigned last = n - 1;
	struct vcpu_hvm_context ctx;

	if (percpu[last].online)
		return;
	CHECK_EQ(t, is_up(last), 0, "is_up(%u) before bring-up", last);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_up, last, NULL), -XEN_EINVAL,
		 "VCPUOP_up(%u), never initialised", last);
	smp_fill_context(last, &ctx);
	ctx.mode = 7;
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_initialise, last, &ctx),
		 -XEN_EINVAL, "VCPUOP_initialise(%u, mode 7)", last);
	CHECK_EQ(t, is_up(last), 0, "is_up(%u) after refused initialise",
		 last);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_initialise, last,
				       BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "VCPUOP_initialise(%u, %p)", last,
		 BAD_VA_UNMAPPED);
}

unsigned smp_test_start(struct test *t)
{
	unsigned n = smp_usable_vcpus();
	char why[120];

	/* Whichever test brings the vCPUs up first checks what can only be
	 * seen before: the ops on a vCPU never initialised. */
	if (n >= 2)
		before_start(t, n);
	unsigned up = smp_start(why, sizeof(why));
	check(t, up == n, "%u of %u vCPUs came up: %s", up, n, why);
	return up;
}

static void bring_up(struct test *t, unsigned *up)
{
	*up = smp_test_start(t);
	for (unsigned cpu = 0; cpu < *up; cpu++) {
		struct percpu *c = &percpu[cpu];
		struct whoami w = { 0 };

		CHECK_EQ(t, is_up(cpu), 1, "is_up(%u)", cpu);
		if (cpu) {
			CHECK_EQ(t, c->boots, 1, "vCPU %u: times ap_main ran",
				 cpu);
			CHECK_EQ(t, c->upcall_vector_rc, 0,
				 "vCPU %u: HVMOP_set_evtchn_upcall_vector", cpu);
			if (!check(t, smp_call(cpu, whoami, &w, CALL_TIMEOUT_NS),
				   "vCPU %u did not run code", cpu))
				continue;
		} else {
			whoami(&w);
		}
		CHECK_EQ(t, w.percpu_id, cpu, "vCPU %u: percpu id", cpu);
		CHECK_EQ(t, w.cpuid_vcpu, cpu, "vCPU %u: CPUID vCPU id", cpu);
		CHECK_EQ(t, w.apic_id, cpu, "vCPU %u: APIC id", cpu);
	}

	struct vcpu_hvm_context ctx;
	unsigned total = smp_vcpu_count();
	smp_fill_context(1, &ctx);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx),
		 -XEN_EEXIST, "VCPUOP_initialise(1) while up");
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_initialise, total, &ctx),
		 -XEN_ENOENT, "VCPUOP_initialise(%u = nr_vcpus)", total);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0,
		 "VCPUOP_up(1) while up");
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_down, total, NULL), -XEN_ENOENT,
		 "VCPUOP_down(%u = nr_vcpus)", total);
}

/* Every vCPU's events, through the route it was given. */
static void routes(struct test *t, unsigned up)
{
	for (unsigned cpu = 0; cpu < up; cpu++) {
		struct percpu *c = &percpu[cpu];

		check(t, c->upcalls > 0, "vCPU %u took no upcall", cpu);
		if (c->global_callback) {
			check(t, c->callback_upcalls == c->upcalls,
			      "vCPU %u (HVM_PARAM_CALLBACK_IRQ only): %llu of "
			      "%llu upcalls on the global vector",
			      cpu, (unsigned long long)c->callback_upcalls,
			      (unsigned long long)c->upcalls);
			/* As Xen injects it: Linux before 6.2 never EOIs it. */
			CHECK_EQ(t, irq_auto_eoi_in_service, 0,
				 "upcalls on the global vector that arrived "
				 "in service in the LAPIC");
		} else
			CHECK_EQ(t, c->callback_upcalls, 0,
				 "vCPU %u: upcalls on the global vector, with "
				 "a vector of its own",
				 cpu);
		test_info("smp: vCPU %u: %llu upcalls (%llu global), %llu "
			  "timer, %llu call events",
			  cpu, (unsigned long long)c->upcalls,
			  (unsigned long long)c->callback_upcalls,
			  (unsigned long long)c->timer_events,
			  (unsigned long long)c->call_events);
	}
}

/* From `from` to `to`'s IPI port: delivered once, on `to`. */
static void ipi(struct test *t, unsigned from, unsigned to)
{
	struct port_rec *rec = &ipi_rec[to];
	uint32_t before = rec->count;

	if (from == this_cpu_id())
		CHECK_EQ(t, evtchn_send(ipi_port[to]), 0,
			 "send IPI %u -> %u", from, to);
	else if (!check(t, smp_call(from, send_ipi, &ipi_port[to],
				    CALL_TIMEOUT_NS),
			"vCPU %u did not run the send", from))
		return;
	check(t, port_rec_wait(rec, before + 1, DELIVERY_TIMEOUT_NS),
	      "IPI %u -> %u not delivered in 1 s", from, to);
	CHECK_EQ(t, rec->wrong_cpu, 0, "IPI %u -> %u handled elsewhere "
		 "(last on vCPU %u)", from, to, rec->last_cpu);
}

static void ipis(struct test *t, unsigned up)
{
	for (unsigned cpu = 0; cpu < up; cpu++) {
		struct evtchn_status st;

		ipi_port[cpu] = 0;
		CHECK_EQ(t, evtchn_bind_ipi(cpu, &ipi_port[cpu]), 0,
			 "bind_ipi(vCPU %u)", cpu);
		if (!ipi_port[cpu])
			return;
		port_rec_attach(&ipi_rec[cpu], ipi_port[cpu], cpu);
		if (!evtchn_status(ipi_port[cpu], &st))
			CHECK_EQ(t, st.vcpu, cpu, "status(IPI port of %u).vcpu",
				 cpu);
	}
	for (unsigned from = 0; from < up; from++)
		for (unsigned to = 0; to < up; to++)
			if (from != to)
				ipi(t, from, to);
}

static bool is_down(void *arg)
{
	return is_up((unsigned)(uintptr_t)arg) == 0;
}

/* Taken down by vCPU 0: no events meanwhile, resumes when up again. */
static void down_up(struct test *t, unsigned cpu)
{
	struct port_rec *rec = &ipi_rec[cpu];
	uint64_t boots = percpu[cpu].boots;

	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_down, cpu, NULL), 0,
		 "VCPUOP_down(%u)", cpu);
	CHECK_EQ(t, is_up(cpu), 0, "is_up(%u) after down", cpu);
	uint32_t before = rec->count;
	CHECK_EQ(t, evtchn_send(ipi_port[cpu]), 0, "IPI to down vCPU %u", cpu);
	sleep_ns(DOWN_QUIET_NS);
	CHECK_EQ(t, rec->count, before, "events handled by down vCPU %u", cpu);

	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_up, cpu, NULL), 0,
		 "VCPUOP_up(%u) after down", cpu);
	CHECK_EQ(t, is_up(cpu), 1, "is_up(%u) after up", cpu);
	check(t, port_rec_wait(rec, before + 1, DELIVERY_TIMEOUT_NS),
	      "vCPU %u did not take the IPI sent while it was down", cpu);
	CHECK_EQ(t, percpu[cpu].boots, boots,
		 "vCPU %u started over instead of resuming", cpu);
	struct whoami w = { 0 };
	check(t, smp_call(cpu, whoami, &w, CALL_TIMEOUT_NS),
	      "vCPU %u runs no code after down and up", cpu);
}

/* A vCPU that takes itself down continues after its VCPUOP_down. */
struct self_down {
	long rc;
	bool resumed;
};

static void take_self_down(void *arg)
{
	struct self_down *sd = arg;

	sd->rc = HYPERVISOR_vcpu_op(VCPUOP_down, this_cpu_id(), NULL);
	sd->resumed = true;
}

static void self_down(struct test *t, unsigned cpu)
{
	static struct self_down sd;

	sd = (struct self_down){ .rc = 1 };
	if (!check(t, smp_call_post(cpu, take_self_down, &sd),
		   "cannot run on vCPU %u", cpu))
		return;
	if (!check(t, wait_for(is_down, (void *)(uintptr_t)cpu,
			       CALL_TIMEOUT_NS),
		   "vCPU %u still up after VCPUOP_down on itself", cpu))
		return;
	check(t, !sd.resumed, "vCPU %u ran on after VCPUOP_down on itself",
	      cpu);
	CHECK_EQ(t, HYPERVISOR_vcpu_op(VCPUOP_up, cpu, NULL), 0,
		 "VCPUOP_up(%u) after it took itself down", cpu);
	check(t, smp_call_wait(cpu, CALL_TIMEOUT_NS),
	      "vCPU %u did not resume after its own VCPUOP_down", cpu);
	CHECK_EQ(t, sd.rc, 0, "VCPUOP_down(self) on vCPU %u", cpu);
}

void test_smp(struct test *t)
{
	unsigned n = smp_vcpu_count(), up = 1;

	if (!events_ready(t))
		return;
	if (!check(t, n >= 2, "needs vcpus >= 2 in the config (has %u)", n))
		return;
	if (n > MAX_VCPUS) {
		test_info("smp: %u vCPUs, the kernel drives %u", n, MAX_VCPUS);
		n = MAX_VCPUS;
	}
	bring_up(t, &up);
	if (up < 2)
		return;
	ipis(t, up);
	routes(t, up);
	down_up(t, 1);
	self_down(t, up - 1);
	for (unsigned cpu = 0; cpu < up; cpu++)
		if (ipi_port[cpu])
			evtchn_close(ipi_port[cpu]);
}
