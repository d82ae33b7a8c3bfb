#include "arch/atomic.h"
#include "arch/cpu.h"
#include "arch/traps.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/percpu.h"
#include "kernel/shared_info.h"

#define WORD_BITS 64
#define NR_WORDS (EVTCHN_NR_PORTS / WORD_BITS)

_Static_assert(sizeof(xen_ulong_t) * 8 == WORD_BITS,
	       "pending_sel has one bit per 64-port word");

static struct {
	evtchn_handler_t fn;
	void *arg;
} handlers[EVTCHN_HANDLED_PORTS];

/*
 * The 2-level ABI keeps one pending bitmap for the whole domain; the
 * selector bit only says which vCPU was told. A vCPU scanning a word
 * therefore sees the pending bits of ports bound to other vCPUs too, and
 * must leave those alone (as Linux does with its per-CPU masks), or one
 * vCPU would take another's events.
 */
static unsigned long owned[MAX_VCPUS][NR_WORDS];

static void set_owner(evtchn_port_t port, unsigned vcpu)
{
	if (port >= EVTCHN_NR_PORTS || vcpu >= MAX_VCPUS)
		return;
	for (unsigned v = 0; v < MAX_VCPUS; v++)
		if (v != vcpu)
			sync_clear_bit(port, owned[v]);
	sync_set_bit(port, owned[vcpu]);
}

static void forget(evtchn_port_t port)
{
	if (port >= EVTCHN_NR_PORTS)
		return;
	for (unsigned v = 0; v < MAX_VCPUS; v++)
		sync_clear_bit(port, owned[v]);
	if (port < EVTCHN_HANDLED_PORTS) {
		WRITE_ONCE(handlers[port].fn, NULL);
		handlers[port].arg = NULL;
	}
}

void evtchn_forget_all(void)
{
	/* Plain stores: reset runs with the other vCPUs idle, and a port
	 * at a time would be 4096 locked instructions per vCPU. */
	for (unsigned v = 0; v < MAX_VCPUS; v++)
		for (unsigned w = 0; w < NR_WORDS; w++)
			WRITE_ONCE(owned[v][w], 0);
	for (unsigned p = 0; p < EVTCHN_HANDLED_PORTS; p++)
		WRITE_ONCE(handlers[p].fn, NULL);
}

unsigned evtchn_port_vcpu(evtchn_port_t port)
{
	for (unsigned v = 0; v < MAX_VCPUS; v++)
		if (port < EVTCHN_NR_PORTS && test_bit(port, owned[v]))
			return v;
	return 0;
}

bool evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn, void *arg)
{
	if (port >= EVTCHN_HANDLED_PORTS)
		return false;
	/* The argument first: an upcall may fire as soon as fn is seen. */
	WRITE_ONCE(handlers[port].fn, NULL);
	barrier();
	handlers[port].arg = arg;
	barrier();
	WRITE_ONCE(handlers[port].fn, fn);
	return true;
}

long evtchn_set_upcall_vector(unsigned vcpu, uint8_t vector)
{
	struct xen_hvm_evtchn_upcall_vector uv = {
		.vcpu = vcpu,
		.vector = vector,
	};

	return HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv);
}

long evtchn_set_callback_param(void)
{
	struct xen_hvm_param p = {
		.domid = DOMID_SELF,
		.index = HVM_PARAM_CALLBACK_IRQ,
		.value = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
			 EVTCHN_CALLBACK_VECTOR,
	};

	return HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

long evtchn_init_cpu(bool own_vector)
{
	irq_set_handler(EVTCHN_UPCALL_VECTOR, evtchn_upcall);
	irq_set_handler(EVTCHN_CALLBACK_VECTOR, evtchn_upcall);
	irq_set_auto_eoi(EVTCHN_CALLBACK_VECTOR, true);
	if (!own_vector)
		return 0;
	return evtchn_set_upcall_vector(this_cpu_id(), EVTCHN_UPCALL_VECTOR);
}

static inline void dispatch(struct percpu *c, evtchn_port_t port)
{
	evtchn_handler_t fn = NULL;
	void *arg = NULL;

	if (port < EVTCHN_HANDLED_PORTS) {
		fn = READ_ONCE(handlers[port].fn);
		arg = handlers[port].arg;
	}
	if (fn)
		fn(port, arg);
	else
		c->stray_events++;
}

/*
 * The 2-level scan. evtchn_upcall_pending is cleared before the selector
 * is taken, so an event that arrives during the scan sets it again and
 * the loop goes round once more; the selector is taken with xchg because
 * the hypervisor sets its bits from another thread. Each port's pending
 * bit is cleared before its handler runs, so a send from the handler
 * (or from the far end) during it raises a new event, never a lost one.
 * The loops work on word pointers, not port numbers: on hosts that
 * emulate guest kernel code every instruction of this path is paid for
 * on each event.
 */
void evtchn_upcall(unsigned vector)
{
	struct percpu *c = this_cpu();
	struct vcpu_info *vi = c->vi;
	struct shared_info *s = HYPERVISOR_shared_info;

	c->upcalls++;
	if (vector == EVTCHN_CALLBACK_VECTOR)
		c->callback_upcalls++;
	if (!vi || !s)
		return;

	const unsigned long *mine = owned[c->id];

	while (READ_ONCE(vi->evtchn_upcall_pending)) {
		WRITE_ONCE(vi->evtchn_upcall_pending, 0);
		unsigned long sel = xchg_ulong(&vi->evtchn_pending_sel, 0);

		while (sel) {
			unsigned long w = lowest_bit_ul(sel);
			unsigned long *pending = &s->evtchn_pending[w];
			unsigned long pend = READ_ONCE(*pending) &
					     ~READ_ONCE(s->evtchn_mask[w]) &
					     READ_ONCE(mine[w]);

			sel &= sel - 1;
			while (pend) {
				unsigned long bit = lowest_bit_ul(pend);

				pend &= pend - 1;
				sync_clear_word_bit(bit, pending);
				dispatch(c, (evtchn_port_t)(w * WORD_BITS + bit));
			}
		}
	}
}

long evtchn_block(void)
{
	long rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);

	/* The stub returns with interrupts on; this kernel runs with them
	 * off everywhere else. */
	irq_disable();
	return rc;
}

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = {
		.dom = DOMID_SELF,
		.remote_dom = remote,
	};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	if (!rc) {
		*port = op.port;
		forget(op.port);
		set_owner(op.port, 0);
	}
	return rc;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
			     evtchn_port_t *port)
{
	struct evtchn_bind_interdomain op = {
		.remote_dom = remote,
		.remote_port = remote_port,
	};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);

	if (!rc) {
		*port = op.local_port;
		forget(op.local_port);
		set_owner(op.local_port, 0);
	}
	return rc;
}

long evtchn_bind_virq(uint32_t virq, unsigned vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);

	if (!rc) {
		*port = op.port;
		forget(op.port);
		set_owner(op.port, vcpu);
	}
	return rc;
}

long evtchn_bind_ipi(unsigned vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);

	if (!rc) {
		*port = op.port;
		forget(op.port);
		set_owner(op.port, vcpu);
	}
	return rc;
}

long evtchn_bind_vcpu(evtchn_port_t port, unsigned vcpu)
{
	struct evtchn_bind_vcpu op = { .port = port, .vcpu = vcpu };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &op);

	if (!rc)
		set_owner(port, vcpu);
	return rc;
}

long evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);

	if (!rc)
		forget(port);
	return rc;
}

void evtchn_adopt(evtchn_port_t port)
{
	forget(port);
	set_owner(port, 0);
}

long evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
	*st = (struct evtchn_status){ .dom = DOMID_SELF, .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

long evtchn_reset(void)
{
	struct evtchn_reset op = { .dom = DOMID_SELF };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_reset, &op);

	if (!rc)
		evtchn_forget_all();
	return rc;
}

void evtchn_mask(evtchn_port_t port)
{
	sync_set_bit(port, HYPERVISOR_shared_info->evtchn_mask);
}

long evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

bool evtchn_is_masked(evtchn_port_t port)
{
	return test_bit(port, HYPERVISOR_shared_info->evtchn_mask);
}

bool evtchn_is_pending(evtchn_port_t port)
{
	return test_bit(port, HYPERVISOR_shared_info->evtchn_pending);
}

void evtchn_clear_pending(evtchn_port_t port)
{
	sync_clear_bit(port, HYPERVISOR_shared_info->evtchn_pending);
}
