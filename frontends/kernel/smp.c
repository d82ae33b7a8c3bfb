#include <xen/errno.h>

#include "arch/apic.h"
#include "arch/atomic.h"
#include "arch/cpu.h"
#include "arch/idt.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/percpu.h"
#include "kernel/shared_info.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "lib/format.h"

#define MSR_EFER 0xc0000080
#define RFLAGS_RESERVED1 (1u << 1)
/* Xen's HVM_MAX_VCPUS: more would be a surprise. */
#define VCPU_PROBE_LIMIT 128
#define AP_STACK_SIZE 16384
#define ONLINE_TIMEOUT_NS (5 * NS_PER_SEC)

extern const char ap_entry[];

static uint8_t ap_stacks[MAX_VCPUS][AP_STACK_SIZE]
	__attribute__((section(".noinit"), aligned(16)));
static unsigned vcpu_count;

unsigned smp_vcpu_count(void)
{
	if (vcpu_count)
		return vcpu_count;
	unsigned v = 0;
	while (v < VCPU_PROBE_LIMIT &&
	       HYPERVISOR_vcpu_op(VCPUOP_is_up, v, NULL) != -XEN_ENOENT)
		v++;
	vcpu_count = v;
	return v;
}

unsigned smp_usable_vcpus(void)
{
	unsigned n = smp_vcpu_count();

	return n < MAX_VCPUS ? n : MAX_VCPUS;
}

void smp_fill_context(unsigned cpu, struct vcpu_hvm_context *ctx)
{
	*ctx = (struct vcpu_hvm_context){ .mode = VCPU_HVM_MODE_64B };
	ctx->cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
		.rip = (uint64_t)ap_entry,
		.rsp = (uint64_t)(ap_stacks[cpu] + AP_STACK_SIZE),
		.rdi = (uint64_t)&percpu[cpu],
		.rflags = RFLAGS_RESERVED1,
		.cr0 = read_cr0(),
		.cr3 = read_cr3(),
		.cr4 = read_cr4(),
		.efer = rdmsr(MSR_EFER),
	};
}

static void call_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	this_cpu()->call_events++;
}

long smp_bind_kernel_ports(unsigned cpu)
{
	evtchn_port_t port;
	long rc = time_bind_virq_timer(cpu);

	if (rc)
		return rc;
	rc = evtchn_bind_ipi(cpu, &port);
	if (rc)
		return rc;
	evtchn_set_handler(port, call_event, NULL);
	percpu[cpu].call_port = port;
	return 0;
}

long smp_restore_kernel_ports(void)
{
	long first = 0;

	for (unsigned cpu = 0; cpu < MAX_VCPUS; cpu++) {
		if (!percpu[cpu].online)
			continue;
		long rc = percpu[cpu].global_callback ?
				  evtchn_set_callback_param() :
				  evtchn_set_upcall_vector(cpu,
							   EVTCHN_UPCALL_VECTOR);
		if (!rc)
			rc = smp_bind_kernel_ports(cpu);
		if (rc && !first)
			first = rc;
	}
	return first;
}

long smp_kick(unsigned cpu)
{
	return evtchn_send(percpu[cpu].call_port);
}

static bool online(void *arg)
{
	return ((struct percpu *)arg)->online;
}

unsigned smp_start(char *why, size_t len)
{
	unsigned n = smp_usable_vcpus();
	unsigned up = 1;

	why[0] = '\0';
	/* The last vCPU takes its events through the domain-wide vector,
	 * so that an SMP run exercises both ways an upcall is routed. */
	if (n >= 2) {
		long rc = evtchn_set_callback_param();

		if (rc) {
			ksnprintf(why, len, "setting HVM_PARAM_CALLBACK_IRQ: %ld",
				  rc);
			return up;
		}
		percpu[n - 1].global_callback = true;
	}
	for (unsigned cpu = 1; cpu < n; cpu++) {
		struct percpu *c = &percpu[cpu];
		struct vcpu_hvm_context ctx;
		long rc;

		if (c->online && HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu, NULL) == 1) {
			up++;
			continue;
		}
		c->id = cpu;
		c->vi = &HYPERVISOR_shared_info->vcpu_info[cpu];
		rc = smp_bind_kernel_ports(cpu);
		if (rc) {
			ksnprintf(why, len, "binding vCPU %u's ports: %ld", cpu,
				  rc);
			break;
		}
		smp_fill_context(cpu, &ctx);
		rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, cpu, &ctx);
		if (rc) {
			ksnprintf(why, len, "VCPUOP_initialise(%u): %ld", cpu,
				  rc);
			break;
		}
		c->work_from = this_cpu_id();
		rc = HYPERVISOR_vcpu_op(VCPUOP_up, cpu, NULL);
		if (rc) {
			ksnprintf(why, len, "VCPUOP_up(%u): %ld", cpu, rc);
			break;
		}
		if (!wait_for(online, c, ONLINE_TIMEOUT_NS)) {
			ksnprintf(why, len, "vCPU %u did not come up in 5 s",
				  cpu);
			break;
		}
		up++;
	}
	return up;
}

/* The vCPU goes down from its own work loop, so it stops at a known
 * point holding nothing; VCPUOP_up later resumes it right there. */
static void take_self_down(void *arg)
{
	struct percpu *c = this_cpu();

	(void)arg;
	c->online = false;
	HYPERVISOR_vcpu_op(VCPUOP_down, c->id, NULL);
	c->online = true;
}

static bool is_down(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	return HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu, NULL) == 0;
}

bool smp_cpu_up(unsigned cpu, char *why, size_t len)
{
	struct percpu *c = &percpu[cpu];
	long rc;

	why[0] = '\0';
	if (cpu == 0 || cpu >= smp_usable_vcpus()) {
		ksnprintf(why, len, "no vCPU %u to bring up", cpu);
		return false;
	}
	if (HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu, NULL) == 1)
		return true;
	if (c->boots) {
		/* It took itself down in take_self_down: resume it. */
		rc = HYPERVISOR_vcpu_op(VCPUOP_up, cpu, NULL);
		if (rc) {
			ksnprintf(why, len, "VCPUOP_up(%u): %ld", cpu, rc);
			return false;
		}
	} else {
		struct vcpu_hvm_context ctx;

		c->id = cpu;
		c->vi = &HYPERVISOR_shared_info->vcpu_info[cpu];
		rc = smp_bind_kernel_ports(cpu);
		if (!rc) {
			smp_fill_context(cpu, &ctx);
			rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, cpu, &ctx);
		}
		if (!rc) {
			c->work_from = this_cpu_id();
			rc = HYPERVISOR_vcpu_op(VCPUOP_up, cpu, NULL);
		}
		if (rc) {
			ksnprintf(why, len, "starting vCPU %u: %ld", cpu, rc);
			return false;
		}
	}
	if (!wait_for(online, c, ONLINE_TIMEOUT_NS)) {
		ksnprintf(why, len, "vCPU %u did not come up in 5 s", cpu);
		return false;
	}
	return true;
}

bool smp_cpu_down(unsigned cpu, char *why, size_t len)
{
	why[0] = '\0';
	if (cpu == 0 || cpu >= smp_usable_vcpus()) {
		ksnprintf(why, len, "vCPU %u cannot be taken down", cpu);
		return false;
	}
	if (HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu, NULL) != 1)
		return true;
	if (!smp_call_post(cpu, take_self_down, NULL)) {
		ksnprintf(why, len, "vCPU %u is busy", cpu);
		return false;
	}
	if (!wait_for(is_down, (void *)(uintptr_t)cpu, ONLINE_TIMEOUT_NS)) {
		ksnprintf(why, len, "vCPU %u did not go down in 5 s", cpu);
		return false;
	}
	return true;
}

bool smp_call_post(unsigned cpu, void (*fn)(void *arg), void *arg)
{
	struct percpu *c = &percpu[cpu];

	if (cpu >= MAX_VCPUS || !c->online || cpu == this_cpu_id() ||
	    c->work_seq != c->done_seq)
		return false;
	c->work_fn = fn;
	c->work_arg = arg;
	c->work_from = this_cpu_id();
	/* Published last: the target reads fn and arg after it. */
	c->work_seq = c->work_seq + 1;
	smp_kick(cpu);
	return true;
}

static bool work_done(void *arg)
{
	struct percpu *c = arg;

	return c->done_seq == c->work_seq;
}

bool smp_call_wait(unsigned cpu, uint64_t timeout_ns)
{
	return wait_for(work_done, &percpu[cpu], timeout_ns);
}

bool smp_call(unsigned cpu, void (*fn)(void *arg), void *arg,
	      uint64_t timeout_ns)
{
	return smp_call_post(cpu, fn, arg) && smp_call_wait(cpu, timeout_ns);
}

void ap_main(struct percpu *c)
{
	percpu_init(c->id);
	idt_load();
	apic_init();
	c->upcall_vector_rc = evtchn_init_cpu(!c->global_callback);
	c->boots++;
	c->online = true;
	/* The vCPU that brought us up waits for this. */
	smp_kick(c->work_from);

	for (;;) {
		uint32_t seq = c->work_seq;

		if (seq != c->done_seq) {
			c->work_fn(c->work_arg);
			c->done_seq = seq;
			smp_kick(c->work_from);
			continue;
		}
		evtchn_block();
	}
}
