/*
 * Benchmark helpers for the event-channel ping-pong with a Dom0 program
 * (bench/ drives them and measures; here they only answer):
 *   evtchn-echo: an unbound port for Dom0; every event on it is sent
 *                straight back.
 *   raw-echo:    the floor: every XENOLITH_RAW_VECTOR interrupt (a bare
 *                irqfd) is answered by a 32-bit `out` of 1 to
 *                XENOLITH_RAW_DOORBELL_PORT (a bare ioeventfd).
 * Both stop after echo=<n> answers (default 10000). echo_mode=irq (the
 * default) answers from the interrupt handler, before the vCPU returns
 * to its halt; echo_mode=loop answers from the loop around
 * SCHEDOP_block instead. Both helpers answer the same way, so the
 * floor is measured like the real thing. On a PVM host (every guest
 * kernel instruction emulated) answering from the handler measured
 * about 100-150 us per Dom0 round trip against about 250 us from the
 * loop: the loop pays for the iretq, the stub's return and the re-block
 * before it answers.
 */
#include "arch/cpu.h"
#include "arch/traps.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/evtchn.h"
#include "kernel/guest_abi_ext.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "lib/kstring.h"
#include "tests/evt_util.h"
#include "tests/registry.h"

#define DEFAULT_ECHOES 10000
/* The Dom0 side reads our console line first; then echoes are quick. */
#define FIRST_TIMEOUT_NS (30 * NS_PER_SEC)
#define IDLE_TIMEOUT_NS (5 * NS_PER_SEC)

static struct {
	bool from_irq;
	evtchn_port_t port;
	volatile uint64_t received;
	volatile uint64_t sent;
} echo;

static bool parse_mode(struct test *t)
{
	const char *m = cmdline_value("echo_mode");

	echo.from_irq = true;
	if (!m || !strncmp(m, "irq", 3))
		return true;
	if (!strncmp(m, "loop", 4)) {
		echo.from_irq = false;
		return true;
	}
	test_fail(t, "echo_mode must be irq or loop");
	return false;
}

static void answer_evtchn(void)
{
	evtchn_send(echo.port);
	echo.sent++;
}

static void answer_raw(void)
{
	outl(XENOLITH_RAW_DOORBELL_PORT, 1);
	echo.sent++;
}

static void evtchn_echo_handler(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	echo.received++;
	if (echo.from_irq)
		answer_evtchn();
}

static void raw_handler(unsigned vector)
{
	(void)vector;
	echo.received++;
	if (echo.from_irq)
		answer_raw();
}

/* Halt between events until n answers are out; the singleshot timer
 * only watches for a peer that went quiet. */
static void serve(struct test *t, const char *name, uint64_t n,
		  void (*answer)(void))
{
	struct percpu *c = this_cpu();
	uint64_t timer_events = c->timer_events;
	uint64_t progress = 0;
	uint64_t start = 0;

	timer_set_singleshot(time_now() + FIRST_TIMEOUT_NS, 0);
	while (echo.sent < n) {
		evtchn_block();
		if (!echo.from_irq)
			while (echo.sent < echo.received && echo.sent < n)
				answer();
		if (!start && echo.received)
			start = time_now();
		if (c->timer_events != timer_events) {
			timer_events = c->timer_events;
			if (echo.received == progress) {
				test_fail(t, "%s: nothing for %llu s after %llu "
					  "events",
					  name,
					  (progress ? IDLE_TIMEOUT_NS :
						      FIRST_TIMEOUT_NS) /
						  NS_PER_SEC,
					  (unsigned long long)progress);
				break;
			}
			progress = echo.received;
			timer_set_singleshot(time_now() + IDLE_TIMEOUT_NS, 0);
		}
	}
	timer_stop_singleshot();
	uint64_t took = start ? time_now() - start : 0;
	test_info("%s: %llu received, %llu answered (from %s), %llu us from "
		  "the first",
		  name, (unsigned long long)echo.received,
		  (unsigned long long)echo.sent,
		  echo.from_irq ? "the handler" : "the block loop",
		  (unsigned long long)took / 1000);
}

static uint64_t echoes(void)
{
	uint64_t n = DEFAULT_ECHOES;

	cmdline_u64("echo", &n);
	return n;
}

void test_evtchn_echo(struct test *t)
{
	uint64_t n = echoes();

	if (!events_ready(t) || !parse_mode(t))
		return;
	echo.received = echo.sent = 0;
	long rc = evtchn_alloc_unbound(0, &echo.port);
	CHECK_EQ(t, rc, 0, "alloc_unbound(remote Dom0)");
	if (rc)
		return;
	evtchn_set_handler(echo.port, evtchn_echo_handler, NULL);
	kprintf("evtchn-echo: port=%u\n", echo.port);
	serve(t, "evtchn-echo", n, answer_evtchn);
	evtchn_close(echo.port);
}

void test_raw_echo(struct test *t)
{
	uint64_t n = echoes();

	if (!events_ready(t) || !parse_mode(t))
		return;
	echo.received = echo.sent = 0;
	irq_set_handler(XENOLITH_RAW_VECTOR, raw_handler);
	kprintf("raw-echo: ready\n");
	serve(t, "raw-echo", n, answer_raw);
	irq_set_handler(XENOLITH_RAW_VECTOR, NULL);
}
