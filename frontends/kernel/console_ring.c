#include "arch/atomic.h"
#include "kernel/console_ring.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/time.h"

#define PAGE_SHIFT 12
/* The kernel's identity map ends at 4 GiB (boot.S). */
#define MAPPED_LIMIT (1ull << 32)

static struct xencons_interface *intf;
static evtchn_port_t port;
static bool can_wait;
/* Our own indices: the backend's copies on the page are not trusted to
 * stay where we put them. */
static XENCONS_RING_IDX out_prod, in_cons;
/* Set when the backend made no room within CONSOLE_RING_WAIT_NS, with
 * its out_cons then; cleared once it moves. */
static bool stalled;
static XENCONS_RING_IDX stalled_cons;

static long get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);

	*value = p.value;
	return rc;
}

void console_ring_init(void)
{
	uint64_t pfn = 0, evtchn = 0;

	if (get_param(HVM_PARAM_CONSOLE_PFN, &pfn) ||
	    get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn))
		return;
	/* Anything outside the identity map would fault on first touch. */
	if (!pfn || !evtchn || pfn >= MAPPED_LIMIT >> PAGE_SHIFT ||
	    evtchn >= EVTCHN_HANDLED_PORTS)
		return;
	port = (evtchn_port_t)evtchn;
	intf = (void *)(uintptr_t)(pfn << PAGE_SHIFT);
	out_prod = READ_ONCE(intf->out_prod);
	in_cons = READ_ONCE(intf->in_cons);
}

static void ring_upcall(evtchn_port_t p, void *arg)
{
	(void)p;
	(void)arg;
}

void console_ring_events_ready(void)
{
	if (!intf)
		return;
	evtchn_adopt(port);
	evtchn_set_handler(port, ring_upcall, NULL);
	can_wait = true;
}

bool console_ring_active(void)
{
	return intf != NULL;
}

struct xencons_interface *console_ring_interface(void)
{
	return intf;
}

evtchn_port_t console_ring_port(void)
{
	return port;
}

void console_ring_detach(void)
{
	intf = NULL;
	can_wait = false;
}

static void kick(void)
{
	/* A port gone (EVTCHNOP_reset by a test) leaves nobody to read. */
	if (evtchn_send(port) < 0)
		console_ring_detach();
}

static bool has_room(void *arg)
{
	(void)arg;
	return intf && out_prod - READ_ONCE(intf->out_cons) < sizeof(intf->out);
}

void console_ring_write(const char *s, size_t n)
{
	bool wrote = false;

	if (!intf)
		return;
	if (stalled && READ_ONCE(intf->out_cons) != stalled_cons)
		stalled = false;
	while (n && intf) {
		XENCONS_RING_IDX cons = READ_ONCE(intf->out_cons);
		XENCONS_RING_IDX used = out_prod - cons;

		if (used > sizeof(intf->out)) {
			/* The backend moved out_cons past what we wrote. */
			console_ring_detach();
			return;
		}
		if (used == sizeof(intf->out)) {
			if (stalled || !can_wait)
				break;
			kick();
			if (!wait_for(has_room, NULL, CONSOLE_RING_WAIT_NS)) {
				stalled = true;
				stalled_cons = cons;
				break;
			}
			continue;
		}
		size_t k = sizeof(intf->out) - used;

		if (k > n)
			k = n;
		for (size_t i = 0; i < k; i++)
			intf->out[MASK_XENCONS_IDX(out_prod + i, intf->out)] = s[i];
		/* x86 keeps the stores in order; the compiler must too. */
		barrier();
		out_prod += (XENCONS_RING_IDX)k;
		WRITE_ONCE(intf->out_prod, out_prod);
		s += k;
		n -= k;
		wrote = true;
	}
	if (wrote && intf)
		kick();
}

size_t console_ring_read(char *buf, size_t len)
{
	if (!intf)
		return 0;
	XENCONS_RING_IDX prod = READ_ONCE(intf->in_prod);
	XENCONS_RING_IDX avail = prod - in_cons;

	if (avail > sizeof(intf->in))
		return 0; /* impossible: ignore until it makes sense */
	barrier();
	size_t n = avail < len ? avail : len;

	for (size_t i = 0; i < n; i++)
		buf[i] = intf->in[MASK_XENCONS_IDX(in_cons + i, intf->in)];
	if (n) {
		barrier();
		in_cons += (XENCONS_RING_IDX)n;
		WRITE_ONCE(intf->in_cons, in_cons);
		/* The backend may hold more for the room we made. */
		kick();
	}
	return n;
}

static bool has_input(void *arg)
{
	(void)arg;
	return intf && READ_ONCE(intf->in_prod) != in_cons;
}

bool console_ring_wait_input(uint64_t timeout_ns)
{
	if (!intf || !can_wait)
		return false;
	return wait_for(has_input, NULL, timeout_ns);
}
