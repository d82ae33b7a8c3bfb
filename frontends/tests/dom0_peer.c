/*
 * The guest half of the guest <-> Dom0 test (protocol in dom0_peer.h):
 * a page granted to Dom0 is mapped and written there, the guest sees the
 * pattern, cannot end access while the mapping lives and can once it is
 * gone; notifications go both ways over one channel; the pvclock stamps
 * let Dom0 compare the guest's clock rate with the host's.
 */
#include "kernel/console.h"
#include "kernel/evtchn.h"
#include "kernel/gnttab.h"
#include "kernel/hypercall.h"
#include "kernel/time.h"
#include "lib/kstring.h"
#include "tests/dom0_peer.h"
#include "tests/evt_util.h"
#include "tests/registry.h"

#define PAGE 4096

static uint8_t shared_page[PAGE] __attribute__((aligned(PAGE)));
static uint8_t other_page[PAGE] __attribute__((aligned(PAGE)));
static struct port_rec rec;

struct phase_wait {
	volatile struct dom0_peer_page *pg;
	uint32_t from;
};

static bool phase_moved(void *arg)
{
	struct phase_wait *w = arg;

	return w->pg->phase != w->from;
}

static bool pattern_ok(struct test *t)
{
	for (unsigned i = 0; i < DOM0_PEER_PATTERN_LEN; i++) {
		uint8_t got = shared_page[DOM0_PEER_PATTERN_OFFSET + i];

		if (got != DOM0_PEER_PATTERN(i))
			return check(t, false,
				     "pattern byte %u (offset %u): %#x, "
				     "expected %#x",
				     i, DOM0_PEER_PATTERN_OFFSET + i, got,
				     DOM0_PEER_PATTERN(i));
	}
	return true;
}

/* Move to phase `to` and tell Dom0. */
static void advance(struct test *t, volatile struct dom0_peer_page *pg,
		    uint32_t to, evtchn_port_t port)
{
	pg->phase = to;
	CHECK_EQ(t, evtchn_send(port), 0, "EVTCHNOP_send(%u) for phase %u",
		 port, to);
}

void test_dom0_peer(struct test *t)
{
	volatile struct dom0_peer_page *pg = (void *)shared_page;
	evtchn_port_t port = 0;

	if (!events_ready(t))
		return;
	long rc = gnttab_init();
	CHECK_EQ(t, rc, 0, "grant table frames");
	if (rc)
		return;

	memset(shared_page, 0, PAGE);
	long ref = gnttab_grant_access(0, (uint64_t)shared_page >> 12, false);
	long ref7 = gnttab_grant_access(DOM0_PEER_OTHER_DOMID,
					(uint64_t)other_page >> 12, false);
	if (!check(t, ref >= 0 && ref7 >= 0, "no free grant refs"))
		return;
	rc = evtchn_alloc_unbound(0, &port);
	CHECK_EQ(t, rc, 0, "alloc_unbound(remote Dom0)");
	if (rc)
		return;
	port_rec_attach(&rec, port, 0);

	kprintf("dom0-peer: port=%u ref=%ld ref7=%ld\n", port, ref, ref7);

	bool done = false, ended = false;
	uint32_t seen = DOM0_PEER_PHASE_START;
	while (!done) {
		struct phase_wait w = { pg, seen };

		if (!check(t, wait_for(phase_moved, &w,
				       DOM0_PEER_TIMEOUT_SEC * NS_PER_SEC),
			   "no progress from Dom0 in %u s (phase %u, %u "
			   "events)",
			   DOM0_PEER_TIMEOUT_SEC, seen, rec.count))
			break;
		seen = pg->phase;
		switch (seen) {
		case DOM0_PEER_PHASE_PATTERN:
			pattern_ok(t);
			ended = gnttab_end_access((grant_ref_t)ref);
			check(t, !ended,
			      "end_access(%ld) succeeded while Dom0 has it "
			      "mapped (flags %#x)",
			      ref, gnttab_entry((grant_ref_t)ref)->flags);
			pg->guest_ns[0] = time_now();
			advance(t, pg, DOM0_PEER_PHASE_CHECKED, port);
			seen = DOM0_PEER_PHASE_CHECKED;
			break;
		case DOM0_PEER_PHASE_WAITED:
			pg->guest_ns[1] = time_now();
			advance(t, pg, DOM0_PEER_PHASE_STAMPED, port);
			seen = DOM0_PEER_PHASE_STAMPED;
			test_info("dom0-peer: %llu ns of pvclock between the "
				  "stamps",
				  (unsigned long long)(pg->guest_ns[1] -
						       pg->guest_ns[0]));
			break;
		case DOM0_PEER_PHASE_UNMAPPED:
			if (!ended)
				check(t, gnttab_end_access((grant_ref_t)ref),
				      "end_access(%ld) failed after Dom0 "
				      "unmapped it (flags %#x)",
				      ref, gnttab_entry((grant_ref_t)ref)->flags);
			done = true;
			break;
		default:
			test_fail(t, "unexpected phase %u", seen);
			done = true;
			break;
		}
	}
	check(t, rec.count > 0, "no event from Dom0 on port %u", port);
	check(t, gnttab_end_access((grant_ref_t)ref7),
	      "end_access(ref7 %ld) failed (flags %#x)", ref7,
	      gnttab_entry((grant_ref_t)ref7)->flags);
	evtchn_close(port);
}
