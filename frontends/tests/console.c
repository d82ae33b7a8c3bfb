/*
 * The console ring from the guest's side, for test_console.sh:
 *   console          asks for a line on the ring's input and prints it
 *                    back upper-cased (its first 127 bytes) with its
 *                    length, so the test proves input arrives, also
 *                    more than the ring holds;
 *   console-flood    prints far more than consoled's log cap in the test;
 *   console-hostile  moves out_prod three rings ahead of out_cons and
 *                    rings the bell: consoled must drop this console
 *                    alone. The ring is not used by this kernel again.
 */
#include "arch/atomic.h"
#include "kernel/console.h"
#include "kernel/console_ring.h"
#include "kernel/evtchn.h"
#include "kernel/time.h"
#include "tests/registry.h"

#define INPUT_WAIT_NS (120ull * NS_PER_SEC)
#define FLOOD_LINES 1500

void test_console(struct test *t)
{
	char line[128], chunk[64];
	size_t len = 0, total = 0;
	bool done = false;

	if (!console_ring_active()) {
		test_fail(t, "no console ring (HVM_PARAM_CONSOLE_PFN unset: was "
			  "xenolith-consoled running at xl create?)");
		return;
	}
	kprintf("console: type a line\n");
	uint64_t deadline = time_now() + INPUT_WAIT_NS;

	while (!done) {
		size_t n = console_ring_read(chunk, sizeof(chunk));

		/* A line longer than the ring's 1 KiB input arrives in turns;
		 * only its start is kept. */
		for (size_t i = 0; i < n && !done; i++) {
			char c = chunk[i];

			total++;
			if (c == '\r' || c == '\n')
				done = len > 0;
			else if (len < sizeof(line) - 1)
				line[len++] = c;
		}
		if (n || done)
			continue;
		uint64_t now = time_now();

		if (now >= deadline) {
			test_fail(t, "no line typed within 120 s (%u bytes so far)",
				  (unsigned)total);
			return;
		}
		console_ring_wait_input(deadline - now);
	}
	line[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (line[i] >= 'a' && line[i] <= 'z')
			line[i] = (char)(line[i] - 'a' + 'A');
	kprintf("console: echo %s\n", line);
	kprintf("console: the line had %u bytes\n", (unsigned)total);
}

void test_console_flood(struct test *t)
{
	check(t, console_ring_active(), "no console ring");
	for (unsigned i = 0; i < FLOOD_LINES; i++)
		kprintf("console-flood: line %04u "
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\n",
			i);
}

void test_console_hostile(struct test *t)
{
	struct xencons_interface *intf = console_ring_interface();

	if (!intf) {
		test_fail(t, "no console ring");
		return;
	}
	evtchn_port_t port = console_ring_port();

	console_ring_detach();
	XENCONS_RING_IDX cons = READ_ONCE(intf->out_cons);

	WRITE_ONCE(intf->out_prod, cons + 3 * (XENCONS_RING_IDX)sizeof(intf->out));
	CHECK_EQ(t, evtchn_send(port), 0, "EVTCHNOP_send on the console port");
	/* Long enough for consoled to look; it must not crash. */
	sleep_ns(500 * NS_PER_MS);
	kprintf("console-hostile: out_prod set three rings ahead\n");
}
