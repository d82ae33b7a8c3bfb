/*
 * Event channels against doc/hypercalls.md: a loopback channel (an
 * unbound port and our own bind_interdomain to it) carries events
 * through the upcall; masking holds an event pending without an upcall
 * and unmask re-delivers it; every port state shows in status; close
 * leaves the far end unbound; reset closes everything; every error code
 * of the event_channel_op table; and ports run out at the 2-level limit.
 */
#include "arch/atomic.h"
#include "arch/cpu.h"
#include "arch/traps.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/percpu.h"
#include "kernel/shared_info.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "tests/evt_util.h"
#include "tests/hc.h"
#include "tests/registry.h"

#define DELIVERY_TIMEOUT_NS (1 * NS_PER_SEC)
#define QUIET_NS (20 * NS_PER_MS)

static struct port_rec rec_a, rec_b;

static domid_t self(void)
{
	return (domid_t)xen_cpuid.domid;
}

static long op(int cmd, void *arg)
{
	return HYPERVISOR_event_channel_op(cmd, arg);
}

/* status of port, checked against the state and its details. */
static void expect_status(struct test *t, evtchn_port_t port,
			  uint32_t state, const char *what)
{
	struct evtchn_status st;
	long rc = evtchn_status(port, &st);

	CHECK_EQ(t, rc, 0, "EVTCHNOP_status(%u) (%s)", port, what);
	if (!rc)
		CHECK_EQ(t, st.status, state, "status of port %u (%s)", port,
			 what);
}

static void expect_unbound(struct test *t, evtchn_port_t port,
			   domid_t remote, const char *what)
{
	struct evtchn_status st;

	if (evtchn_status(port, &st) ||
	    !check(t, st.status == EVTCHNSTAT_unbound,
		   "port %u (%s): status %u, expected unbound", port, what,
		   st.status))
		return;
	CHECK_EQ(t, st.u.unbound.dom, remote,
		 "port %u (%s): unbound.dom", port, what);
}

static void expect_interdomain(struct test *t, evtchn_port_t port,
			       evtchn_port_t remote_port, const char *what)
{
	struct evtchn_status st;

	if (evtchn_status(port, &st) ||
	    !check(t, st.status == EVTCHNSTAT_interdomain,
		   "port %u (%s): status %u, expected interdomain", port,
		   what, st.status))
		return;
	CHECK_EQ(t, st.u.interdomain.dom, self(),
		 "port %u (%s): interdomain.dom", port, what);
	CHECK_EQ(t, st.u.interdomain.port, remote_port,
		 "port %u (%s): interdomain.port", port, what);
	CHECK_EQ(t, st.vcpu, 0, "port %u (%s): vcpu", port, what);
}

/* Send on from; the event must arrive on rec's port, once, on vCPU
 * rec->expect_cpu, and leave its pending bit clear. */
static void send_and_receive(struct test *t, evtchn_port_t from,
			     struct port_rec *rec, evtchn_port_t to,
			     const char *what)
{
	uint32_t before = rec->count;

	CHECK_EQ(t, evtchn_send(from), 0, "EVTCHNOP_send(%u) (%s)", from,
		 what);
	if (!check(t, port_rec_wait(rec, before + 1, DELIVERY_TIMEOUT_NS),
		   "%s: no upcall for port %u within 1 s (pending %d, "
		   "masked %d, upcall_pending %u)",
		   what, to, evtchn_is_pending(to), evtchn_is_masked(to),
		   this_cpu()->vi->evtchn_upcall_pending))
		return;
	CHECK_EQ(t, rec->last_port, to, "%s: port handled", what);
	CHECK_EQ(t, rec->wrong_cpu, 0, "%s: deliveries on the wrong vCPU",
		 what);
	check(t, !evtchn_is_pending(to), "%s: port %u still pending after "
	      "its handler ran", what, to);
}

static void loopback(struct test *t, evtchn_port_t *pa, evtchn_port_t *pb)
{
	evtchn_port_t a = 0, b = 0;

	*pa = *pb = 0;
	CHECK_EQ(t, evtchn_alloc_unbound(DOMID_SELF, &a), 0,
		 "alloc_unbound(remote DOMID_SELF)");
	if (!a)
		return;
	check(t, a > 0 && a < EVTCHN_NR_PORTS, "alloc_unbound gave port %u",
	      a);
	expect_unbound(t, a, self(), "unbound for DOMID_SELF");
	CHECK_EQ(t, evtchn_bind_interdomain(self(), a, &b), 0,
		 "bind_interdomain(own domid %u, port %u)", self(), a);
	if (!b)
		return;
	check(t, b != a, "bind_interdomain gave the remote port itself");
	expect_interdomain(t, a, b, "loopback end a");
	expect_interdomain(t, b, a, "loopback end b");
	port_rec_attach(&rec_a, a, 0);
	port_rec_attach(&rec_b, b, 0);
	*pa = a;
	*pb = b;

	send_and_receive(t, b, &rec_a, a, "send b -> a");
	send_and_receive(t, a, &rec_b, b, "send a -> b");

	/* Sends while interrupts are off land in one pending bit: one
	 * delivery, the 2-level ABI's coalescing. */
	uint32_t before = rec_a.count;
	for (unsigned i = 0; i < 3; i++)
		evtchn_send(b);
	check(t, evtchn_is_pending(a) || rec_a.count > before,
	      "three sends b -> a: port a not pending");
	port_rec_wait(&rec_a, before + 1, DELIVERY_TIMEOUT_NS);
	sleep_ns(QUIET_NS);
	CHECK_EQ(t, rec_a.count - before, 1,
		 "deliveries of three sends made with interrupts off");

	/* Numeric own domid works as well as DOMID_SELF. */
	evtchn_port_t c = 0, d = 0;
	CHECK_EQ(t, evtchn_alloc_unbound(self(), &c), 0,
		 "alloc_unbound(remote = own domid %u)", self());
	CHECK_EQ(t, evtchn_bind_interdomain(DOMID_SELF, c, &d), 0,
		 "bind_interdomain(DOMID_SELF, port %u)", c);
	if (c)
		evtchn_close(c);
	if (d)
		evtchn_close(d);
}

static void masking(struct test *t, evtchn_port_t a, evtchn_port_t b)
{
	struct vcpu_info *vi = this_cpu()->vi;

	evtchn_mask(a);
	uint32_t before = rec_a.count;
	CHECK_EQ(t, evtchn_send(b), 0, "send to a masked port");
	check(t, evtchn_is_pending(a), "masked port %u not pending after a "
	      "send", a);
	/* Give a wrong upcall every chance to come. */
	for (unsigned i = 0; i < 4; i++)
		irq_window();
	sleep_ns(QUIET_NS);
	CHECK_EQ(t, rec_a.count, before, "deliveries of a masked port");
	check(t, evtchn_is_pending(a), "masked port %u lost its pending bit",
	      a);
	check(t, !(vi->evtchn_pending_sel & (1ul << (a / 64))) ||
		      !vi->evtchn_upcall_pending,
	      "a masked port set pending_sel and upcall_pending");

	CHECK_EQ(t, evtchn_unmask(a), 0, "EVTCHNOP_unmask(%u)", a);
	check(t, !evtchn_is_masked(a), "unmask left the mask bit set");
	check(t, port_rec_wait(&rec_a, before + 1, DELIVERY_TIMEOUT_NS),
	      "unmask of a pending port did not re-deliver it");
	check(t, !evtchn_is_pending(a), "port still pending after "
	      "re-delivery");

	/* Unmasking a port that is not pending delivers nothing. */
	evtchn_mask(a);
	before = rec_a.count;
	CHECK_EQ(t, evtchn_unmask(a), 0, "EVTCHNOP_unmask(%u), not pending",
		 a);
	sleep_ns(QUIET_NS);
	CHECK_EQ(t, rec_a.count, before,
		 "deliveries after unmasking a port that was not pending");
	CHECK_EQ(t, evtchn_unmask(EVTCHN_NR_PORTS), -XEN_EINVAL,
		 "EVTCHNOP_unmask(%u)", (unsigned)EVTCHN_NR_PORTS);
}

/* A masked port left pending, for close and reset to clean up. */
static evtchn_port_t pending_masked_port(struct test *t, evtchn_port_t *peer)
{
	evtchn_port_t x = 0, y = 0;

	*peer = 0;
	if (evtchn_alloc_unbound(DOMID_SELF, &x) ||
	    evtchn_bind_interdomain(self(), x, &y)) {
		test_fail(t, "cannot make a loopback pair");
		return 0;
	}
	evtchn_mask(x);
	evtchn_send(y);
	check(t, evtchn_is_pending(x), "masked port %u not pending", x);
	*peer = y;
	return x;
}

/* Closing a port clears its pending bit (as Xen's evtchn_free does), or
 * a later binding of the same port number would see a stale event. */
static void close_clears_pending(struct test *t)
{
	evtchn_port_t y, x = pending_masked_port(t, &y);

	if (!x)
		return;
	/* The mask is the guest's to clear; the pending bit must go with
	 * the port. Interrupts are off, so no upcall takes it meanwhile. */
	sync_clear_bit(x, HYPERVISOR_shared_info->evtchn_mask);
	CHECK_EQ(t, evtchn_close(x), 0, "close(pending port %u)", x);
	check(t, !evtchn_is_pending(x), "port %u still pending after close",
	      x);
	/* Not to be taken for whatever binds port x next. */
	evtchn_clear_pending(x);
	evtchn_close(y);
	/* Let whatever the test left in the LAPIC come in now. */
	irq_window();
}

/* How upcalls are routed: the vCPU's own vector wins over the domain's
 * HVM_PARAM_CALLBACK_IRQ, and both refuse what the contract refuses. */
static void routing(struct test *t, evtchn_port_t a, evtchn_port_t b)
{
	struct percpu *c = this_cpu();
	struct xen_hvm_evtchn_upcall_vector uv;
	unsigned n = smp_vcpu_count();

	CHECK_EQ(t, evtchn_set_callback_param(), 0,
		 "set_param(CALLBACK_IRQ, vector %#x)", EVTCHN_CALLBACK_VECTOR);
	uint64_t global = c->callback_upcalls;
	send_and_receive(t, b, &rec_a, a, "send with CALLBACK_IRQ set too");
	CHECK_EQ(t, c->callback_upcalls, global,
		 "upcalls on the CALLBACK_IRQ vector for a vCPU with its own");

	/* GSI and PCI INTx are kept, as Xen keeps them (Linux sets GSI 1
	 * next to its per-vCPU vectors), and read back; other types are
	 * refused. */
	static const uint64_t kept_types[] = {
		((uint64_t)HVM_PARAM_CALLBACK_TYPE_GSI << 56) | 1,
		((uint64_t)HVM_PARAM_CALLBACK_TYPE_PCI_INTX << 56) | 0x1234,
	};
	for (unsigned i = 0; i < 2; i++) {
		struct xen_hvm_param p = { .domid = DOMID_SELF,
					   .index = HVM_PARAM_CALLBACK_IRQ,
					   .value = kept_types[i] };

		CHECK_EQ(t, HYPERVISOR_hvm_op(HVMOP_set_param, &p), 0,
			 "set_param(CALLBACK_IRQ, %#llx)",
			 (unsigned long long)kept_types[i]);
		p.value = 0;
		HYPERVISOR_hvm_op(HVMOP_get_param, &p);
		CHECK_EQ(t, p.value, kept_types[i],
			 "get_param(CALLBACK_IRQ) after setting %#llx",
			 (unsigned long long)kept_types[i]);
	}
	send_and_receive(t, b, &rec_a, a, "send with a GSI CALLBACK_IRQ");
	struct xen_hvm_param unknown = { .domid = DOMID_SELF,
					 .index = HVM_PARAM_CALLBACK_IRQ,
					 .value = (3ull << 56) | 0xe1 };
	CHECK_EQ(t, HYPERVISOR_hvm_op(HVMOP_set_param, &unknown), -XEN_ENOSYS,
		 "set_param(CALLBACK_IRQ, %#llx)",
		 (unsigned long long)unknown.value);
	/* Secondaries may rely on it (smp.c); put it back. */
	evtchn_set_callback_param();

	uv = (struct xen_hvm_evtchn_upcall_vector){ .vcpu = 0, .vector = 0xf };
	CHECK_EQ(t, HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv),
		 -XEN_EINVAL, "set_evtchn_upcall_vector(vector 0xf)");
	uv = (struct xen_hvm_evtchn_upcall_vector){ .vcpu = n,
						    .vector = EVTCHN_UPCALL_VECTOR };
	CHECK_EQ(t, HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv),
		 -XEN_ENOENT, "set_evtchn_upcall_vector(vCPU %u = nr_vcpus)", n);
	CHECK_EQ(t, HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector,
				      BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "set_evtchn_upcall_vector(%p)", BAD_VA_UNMAPPED);
	/* Whatever a wrong answer above did, vCPU 0 keeps its vector. */
	evtchn_set_upcall_vector(0, EVTCHN_UPCALL_VECTOR);
	send_and_receive(t, b, &rec_a, a, "send after the refused vectors");
}

static long poll(evtchn_port_t *ports, unsigned nr, uint64_t timeout)
{
	struct sched_poll p = { .nr_ports = nr, .timeout = timeout };

	set_xen_guest_handle(p.ports, ports);
	return HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

/* SCHEDOP_poll: at once on a pending port, else at its timeout. */
static void polling(struct test *t, evtchn_port_t a, evtchn_port_t b)
{
	static evtchn_port_t many[129];
	evtchn_port_t ports[2] = { b, a };

	evtchn_mask(a);
	evtchn_send(b);
	uint64_t t0 = time_now();
	CHECK_EQ(t, poll(ports, 2, t0 + NS_PER_SEC), 0,
		 "SCHEDOP_poll with port %u pending", a);
	check(t, time_now() - t0 < 100 * NS_PER_MS,
	      "SCHEDOP_poll with a pending port took %llu ms",
	      (unsigned long long)(time_now() - t0) / NS_PER_MS);
	evtchn_clear_pending(a);
	sync_clear_bit(a, HYPERVISOR_shared_info->evtchn_mask);

	t0 = time_now();
	CHECK_EQ(t, poll(ports, 2, t0 + 10 * NS_PER_MS), 0,
		 "SCHEDOP_poll timing out after 10 ms");
	uint64_t took = time_now() - t0;
	check(t, took >= 10 * NS_PER_MS && took < 10 * NS_PER_MS + QUIET_NS,
	      "SCHEDOP_poll with a 10 ms timeout took %llu us",
	      (unsigned long long)took / 1000);

	for (unsigned i = 0; i < 129; i++)
		many[i] = a;
	CHECK_EQ(t, poll(many, 129, 0), -XEN_EINVAL, "SCHEDOP_poll(129 ports)");
	ports[1] = EVTCHN_NR_PORTS;
	CHECK_EQ(t, poll(ports, 2, 0), -XEN_EINVAL,
		 "SCHEDOP_poll(port %u)", (unsigned)EVTCHN_NR_PORTS);
	CHECK_EQ(t, HYPERVISOR_sched_op(SCHEDOP_poll, BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "SCHEDOP_poll(%p)", BAD_VA_UNMAPPED);
	CHECK_EQ(t, poll(BAD_VA_UNMAPPED, 1, 0), -XEN_EFAULT,
		 "SCHEDOP_poll(ports %p)", BAD_VA_UNMAPPED);
}

static void bind_vcpu(struct test *t, evtchn_port_t a, evtchn_port_t b)
{
	unsigned n = smp_vcpu_count();
	struct evtchn_status st;

	CHECK_EQ(t, evtchn_bind_vcpu(a, 0), 0, "bind_vcpu(%u, 0)", a);
	CHECK_EQ(t, evtchn_bind_vcpu(a, n), -XEN_ENOENT,
		 "bind_vcpu(%u, vcpu %u = nr_vcpus)", a, n);
	CHECK_EQ(t, evtchn_bind_vcpu(this_cpu()->timer_port, 0), -XEN_EINVAL,
		 "bind_vcpu(VIRQ_TIMER port)");
	CHECK_EQ(t, evtchn_bind_vcpu(this_cpu()->call_port, 0), -XEN_EINVAL,
		 "bind_vcpu(IPI port)");
	CHECK_EQ(t, evtchn_bind_vcpu(EVTCHN_NR_PORTS - 1, 0), -XEN_EINVAL,
		 "bind_vcpu(closed port %u)", (unsigned)EVTCHN_NR_PORTS - 1);

	evtchn_port_t u = 0;
	if (!evtchn_alloc_unbound(0, &u)) {
		CHECK_EQ(t, evtchn_bind_vcpu(u, 0), 0,
			 "bind_vcpu(unbound port %u, 0)", u);
		evtchn_close(u);
	}
	if (n < 2)
		return;

	/* With a second vCPU: the event must now reach vCPU 1's upcall. */
	if (smp_test_start(t) < 2)
		return;
	CHECK_EQ(t, evtchn_bind_vcpu(a, 1), 0, "bind_vcpu(%u, 1)", a);
	if (!evtchn_status(a, &st))
		CHECK_EQ(t, st.vcpu, 1, "status(%u).vcpu after bind_vcpu", a);
	rec_a.expect_cpu = 1;
	rec_a.wrong_cpu = 0;
	send_and_receive(t, b, &rec_a, a, "send b -> a bound to vCPU 1");
	CHECK_EQ(t, evtchn_bind_vcpu(a, 0), 0, "bind_vcpu(%u, 0) back", a);
	rec_a.expect_cpu = 0;
	send_and_receive(t, b, &rec_a, a, "send b -> a back on vCPU 0");
}

static void virq_and_ipi(struct test *t)
{
	unsigned n = smp_vcpu_count();
	struct evtchn_bind_virq bv;
	struct evtchn_status st;
	evtchn_port_t p = 0;

	bv = (struct evtchn_bind_virq){ .virq = NR_VIRQS, .vcpu = 0 };
	CHECK_EQ(t, op(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL,
		 "bind_virq(NR_VIRQS)");
	bv = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 0 };
	CHECK_EQ(t, op(EVTCHNOP_bind_virq, &bv), -XEN_EEXIST,
		 "bind_virq(VIRQ_TIMER, vCPU 0) bound already");
	bv = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = n };
	CHECK_EQ(t, op(EVTCHNOP_bind_virq, &bv), -XEN_ENOENT,
		 "bind_virq(VIRQ_TIMER, vCPU %u = nr_vcpus)", n);
	if (n >= 2) {
		bv = (struct evtchn_bind_virq){ .virq = VIRQ_CONSOLE,
						.vcpu = 1 };
		CHECK_EQ(t, op(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL,
			 "bind_virq(VIRQ_CONSOLE, vCPU 1)");
	}

	/* The kernel's own timer port: a per-vCPU VIRQ. */
	if (!evtchn_status(this_cpu()->timer_port, &st)) {
		CHECK_EQ(t, st.status, EVTCHNSTAT_virq, "status(timer port)");
		CHECK_EQ(t, st.u.virq, VIRQ_TIMER, "status(timer port).virq");
		CHECK_EQ(t, st.vcpu, 0, "status(timer port).vcpu");
	}
	CHECK_EQ(t, evtchn_send(this_cpu()->timer_port), -XEN_EINVAL,
		 "EVTCHNOP_send on a VIRQ port");

	static const uint32_t globals[] = { VIRQ_CONSOLE, VIRQ_DEBUG };
	for (unsigned i = 0; i < 2; i++) {
		p = 0;
		CHECK_EQ(t, evtchn_bind_virq(globals[i], 0, &p), 0,
			 "bind_virq(%u, vCPU 0)", globals[i]);
		if (!p)
			continue;
		if (!evtchn_status(p, &st)) {
			CHECK_EQ(t, st.status, EVTCHNSTAT_virq,
				 "status(virq %u port)", globals[i]);
			CHECK_EQ(t, st.u.virq, globals[i],
				 "status(virq %u port).virq", globals[i]);
		}
		if (globals[i] == VIRQ_CONSOLE)
			CHECK_EQ(t, evtchn_bind_vcpu(p, 0), 0,
				 "bind_vcpu(VIRQ_CONSOLE port, 0)");
		CHECK_EQ(t, evtchn_close(p), 0, "close(virq %u port)",
			 globals[i]);
	}

	struct evtchn_bind_ipi bi = { .vcpu = n };
	CHECK_EQ(t, op(EVTCHNOP_bind_ipi, &bi), -XEN_ENOENT,
		 "bind_ipi(vCPU %u = nr_vcpus)", n);
	p = 0;
	CHECK_EQ(t, evtchn_bind_ipi(0, &p), 0, "bind_ipi(vCPU 0)");
	if (!p)
		return;
	if (!evtchn_status(p, &st)) {
		CHECK_EQ(t, st.status, EVTCHNSTAT_ipi, "status(IPI port)");
		CHECK_EQ(t, st.vcpu, 0, "status(IPI port).vcpu");
	}
	static struct port_rec rec_ipi;
	port_rec_attach(&rec_ipi, p, 0);
	send_and_receive(t, p, &rec_ipi, p, "IPI to self");
	CHECK_EQ(t, evtchn_close(p), 0, "close(IPI port)");
}

static void close_and_errors(struct test *t, evtchn_port_t a,
			     evtchn_port_t b)
{
	struct evtchn_alloc_unbound au;
	struct evtchn_bind_interdomain bi;
	struct evtchn_status st;
	struct evtchn_close cl;
	evtchn_port_t p = 0, q = 0;

	/* Closing one end leaves the other unbound, waiting for us. */
	CHECK_EQ(t, evtchn_close(b), 0, "close(loopback end b %u)", b);
	expect_unbound(t, a, self(), "after its peer closed");
	expect_status(t, b, EVTCHNSTAT_closed, "closed end");
	CHECK_EQ(t, evtchn_close(b), 0, "close(%u) again", b);
	CHECK_EQ(t, evtchn_send(a), 0, "send on unbound port %u (dropped)",
		 a);
	CHECK_EQ(t, evtchn_send(b), -XEN_EINVAL, "send on closed port %u",
		 b);
	CHECK_EQ(t, evtchn_send(EVTCHN_NR_PORTS), -XEN_EINVAL,
		 "send on port %u", (unsigned)EVTCHN_NR_PORTS);
	cl.port = EVTCHN_NR_PORTS;
	CHECK_EQ(t, op(EVTCHNOP_close, &cl), -XEN_EINVAL, "close(%u)",
		 (unsigned)EVTCHN_NR_PORTS);

	/* a waits for us again: it can be bound again. */
	CHECK_EQ(t, evtchn_bind_interdomain(self(), a, &p), 0,
		 "bind_interdomain to %u after the peer closed", a);
	if (p) {
		port_rec_attach(&rec_a, a, 0);
		send_and_receive(t, p, &rec_a, a, "send on the rebound pair");
		bi = (struct evtchn_bind_interdomain){ .remote_dom = self(),
						       .remote_port = a };
		CHECK_EQ(t, op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL,
			 "bind_interdomain to interdomain port %u", a);
		evtchn_close(p);
	}
	evtchn_close(a);

	/* alloc_unbound's errors, and Dom0 as a remote that always exists. */
	au = (struct evtchn_alloc_unbound){ .dom = hc_other_domid(),
					    .remote_dom = DOMID_SELF };
	CHECK_EQ(t, op(EVTCHNOP_alloc_unbound, &au), -XEN_EPERM,
		 "alloc_unbound(dom %u)", hc_other_domid());
	au = (struct evtchn_alloc_unbound){ .dom = DOMID_SELF,
					    .remote_dom = NO_SUCH_DOMID };
	CHECK_EQ(t, op(EVTCHNOP_alloc_unbound, &au), -XEN_ESRCH,
		 "alloc_unbound(remote_dom %#x)", NO_SUCH_DOMID);
	CHECK_EQ(t, evtchn_alloc_unbound(0, &q), 0,
		 "alloc_unbound(remote Dom0)");
	if (q) {
		expect_unbound(t, q, 0, "unbound for Dom0");
		/* Not waiting for us: we may not bind to it. */
		bi = (struct evtchn_bind_interdomain){ .remote_dom = self(),
						       .remote_port = q };
		CHECK_EQ(t, op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL,
			 "bind_interdomain to port %u, unbound for Dom0", q);
		evtchn_close(q);
	}
	bi = (struct evtchn_bind_interdomain){ .remote_dom = self(),
					       .remote_port = b };
	CHECK_EQ(t, op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL,
		 "bind_interdomain to closed port %u", b);
	bi = (struct evtchn_bind_interdomain){ .remote_dom = NO_SUCH_DOMID,
					       .remote_port = 1 };
	CHECK_EQ(t, op(EVTCHNOP_bind_interdomain, &bi), -XEN_ESRCH,
		 "bind_interdomain(remote_dom %#x)", NO_SUCH_DOMID);

	/* status's errors, and the closed state. */
	expect_status(t, EVTCHN_NR_PORTS - 1, EVTCHNSTAT_closed,
		      "never allocated");
	st = (struct evtchn_status){ .dom = hc_other_domid(), .port = 1 };
	CHECK_EQ(t, op(EVTCHNOP_status, &st), -XEN_EPERM, "status(dom %u)",
		 hc_other_domid());
	st = (struct evtchn_status){ .dom = DOMID_SELF,
				     .port = EVTCHN_NR_PORTS };
	CHECK_EQ(t, op(EVTCHNOP_status, &st), -XEN_EINVAL, "status(port %u)",
		 (unsigned)EVTCHN_NR_PORTS);
	CHECK_EQ(t, op(EVTCHNOP_status, BAD_VA_UNMAPPED), -XEN_EFAULT,
		 "status(%p)", BAD_VA_UNMAPPED);
	CHECK_EQ(t, op(EVTCHNOP_alloc_unbound, BAD_VA_NONCANONICAL),
		 -XEN_EFAULT, "alloc_unbound(%p)", BAD_VA_NONCANONICAL);

	/* Commands the contract leaves out. */
	static const int unknown[] = { EVTCHNOP_bind_pirq,
				       EVTCHNOP_init_control,
				       EVTCHNOP_expand_array,
				       EVTCHNOP_set_priority, 99 };
	uint8_t zero[64] = { 0 };
	for (unsigned i = 0; i < sizeof(unknown) / sizeof(*unknown); i++)
		CHECK_EQ(t, op(unknown[i], zero), -XEN_ENOSYS,
			 "event_channel_op(%d)", unknown[i]);
}

/* Allocation takes the lowest free port, up to the 2-level limit. */
static unsigned long exhausted[EVTCHN_NR_PORTS / 64];

static void exhaust(struct test *t)
{
	unsigned got = 0, order_bad = 0;
	evtchn_port_t first = 0, last = 0, p;
	long rc = 0;

	for (;;) {
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF,
						   .remote_dom = DOMID_SELF };

		rc = op(EVTCHNOP_alloc_unbound, &au);
		if (rc)
			break;
		if (!got)
			first = au.port;
		else if (au.port <= last)
			order_bad++;
		else
			/* Skipped ports must be ones in use. */
			for (p = last + 1; p < au.port; p++) {
				struct evtchn_status st;

				if (!evtchn_status(p, &st) &&
				    st.status == EVTCHNSTAT_closed)
					order_bad++;
			}
		last = au.port;
		if (au.port < EVTCHN_NR_PORTS)
			exhausted[au.port / 64] |= 1ul << (au.port % 64);
		if (++got > EVTCHN_NR_PORTS)
			break;
	}
	test_info("evtchn: %u ports allocated (%u..%u) until %ld", got, first,
		  last, rc);
	CHECK_EQ(t, rc, -XEN_ENOSPC, "alloc_unbound past the last port");
	CHECK_EQ(t, order_bad, 0,
		 "allocations not of the lowest free port each time");
	CHECK_EQ(t, last, EVTCHN_NR_PORTS - 1, "last port allocated");
	/* Lowest free first: everything below the run was in use. */
	for (p = 1; got && p < first; p++) {
		struct evtchn_status st;

		if (!evtchn_status(p, &st))
			check(t, st.status != EVTCHNSTAT_closed,
			      "port %u was free but %u was allocated first", p,
			      first);
	}
	for (p = first; got && p <= last && p < EVTCHN_NR_PORTS; p++) {
		struct evtchn_close cl = { .port = p };

		if (!(exhausted[p / 64] & (1ul << (p % 64))))
			continue;
		exhausted[p / 64] &= ~(1ul << (p % 64));
		rc = op(EVTCHNOP_close, &cl);
		if (rc) {
			CHECK_EQ(t, rc, 0, "close(%u) after exhausting ports", p);
			break;
		}
	}
	/* The lowest free port comes back first. */
	evtchn_port_t again = 0;
	if (!evtchn_alloc_unbound(DOMID_SELF, &again)) {
		CHECK_EQ(t, again, first, "port allocated after closing all");
		evtchn_close(again);
	}
}

static void reset(struct test *t)
{
	struct evtchn_reset r = { .dom = hc_other_domid() };
	struct percpu *c = this_cpu();
	evtchn_port_t a = 0;

	CHECK_EQ(t, op(EVTCHNOP_reset, &r), -XEN_EPERM, "reset(dom %u)",
		 hc_other_domid());
	evtchn_port_t peer, pend = pending_masked_port(t, &peer);
	if (pend)
		sync_clear_bit(pend, HYPERVISOR_shared_info->evtchn_mask);
	evtchn_alloc_unbound(DOMID_SELF, &a);
	evtchn_port_t timer = c->timer_port, call = c->call_port;
	long rc = evtchn_reset();
	CHECK_EQ(t, rc, 0, "EVTCHNOP_reset(DOMID_SELF)");
	if (rc)
		return;
	if (a)
		expect_status(t, a, EVTCHNSTAT_closed, "after reset");
	expect_status(t, timer, EVTCHNSTAT_closed, "timer port after reset");
	expect_status(t, call, EVTCHNSTAT_closed, "call port after reset");
	if (pend) {
		expect_status(t, pend, EVTCHNSTAT_closed, "after reset");
		check(t, !evtchn_is_pending(pend),
		      "port %u still pending after reset", pend);
		/* Not to be taken for the timer port that may reuse it. */
		evtchn_clear_pending(pend);
	}
	CHECK_EQ(t, smp_restore_kernel_ports(), 0,
		 "binding the kernel's ports again after reset");
	/* And the timer works again through the new port. */
	uint64_t events = c->timer_events;
	sleep_ns(2 * NS_PER_MS);
	check(t, c->timer_events > events, "no VIRQ_TIMER after reset and "
	      "rebinding");
}

void test_evtchn(struct test *t)
{
	evtchn_port_t a, b;

	if (!events_ready(t))
		return;
	uint64_t unhandled = irq_unhandled;
	uint64_t stray = this_cpu()->stray_events;

	loopback(t, &a, &b);
	if (a && b) {
		masking(t, a, b);
		close_clears_pending(t);
		routing(t, a, b);
		polling(t, a, b);
		bind_vcpu(t, a, b);
	}
	virq_and_ipi(t);
	if (a && b)
		close_and_errors(t, a, b);
	exhaust(t);
	reset(t);

	CHECK_EQ(t, irq_unhandled - unhandled, 0,
		 "interrupts on vectors without a handler");
	CHECK_EQ(t, this_cpu()->stray_events - stray, 0,
		 "events on ports without a handler");
}
