/*
 * wait-shutdown: the guest's side of xl shutdown and xl reboot. It says it
 * understands control/shutdown (control/feature-poweroff, -reboot),
 * watches the key, and when the toolstack writes "poweroff" or "reboot"
 * it acknowledges by writing "" back and stops with that reason.
 */
#include "kernel/console.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "lib/kstring.h"
#include "tests/registry.h"

#define WAIT_NS (120ull * NS_PER_SEC)

void test_wait_shutdown(struct test *t)
{
	if (xenbus_init() < 0) {
		test_fail(t, "no XenStore to hear control/shutdown on");
		return;
	}
	if (xenbus_write(0, "control/feature-poweroff", "1") < 0 ||
	    xenbus_write(0, "control/feature-reboot", "1") < 0 ||
	    xenbus_watch("control/shutdown", "shutdown") < 0) {
		test_fail(t, "cannot announce or watch control/shutdown");
		return;
	}
	kprintf("wait-shutdown: ready\n");
	for (;;) {
		struct xenbus_event ev;
		char value[32];

		if (xenbus_wait_event(&ev, WAIT_NS) < 0) {
			test_fail(t, "no shutdown request in 120 s");
			return;
		}
		long n = xenbus_read(0, "control/shutdown", value, sizeof(value));
		/* The registration event, or our own acknowledgement. */
		if (n <= 0)
			continue;
		value[n < (long)sizeof(value) ? n : (long)sizeof(value) - 1] = '\0';
		if (!strcmp(value, "poweroff"))
			runner_shutdown_reason = SHUTDOWN_poweroff;
		else if (!strcmp(value, "reboot"))
			runner_shutdown_reason = SHUTDOWN_reboot;
		else {
			test_fail(t, "control/shutdown asked for \"%s\"", value);
			return;
		}
		if (xenbus_write(0, "control/shutdown", "") < 0) {
			test_fail(t, "cannot acknowledge the request");
			return;
		}
		kprintf("wait-shutdown: %s requested\n", value);
		return;
	}
}
