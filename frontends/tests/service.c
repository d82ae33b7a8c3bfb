/*
 * service: the guest as a running domain the toolstack manages. It
 * answers control/shutdown (as wait-shutdown), memory/target (ballooning
 * to it) and cpu/<n>/availability (bringing vCPUs up and down), printing
 * one console line per action so a test can wait for it:
 *   service: ready
 *   balloon: target 65536 KiB, now 65536 KiB
 *   vcpu: cpu 3 offline
 *   vcpu: 2 online
 * With fill=N on the command line it first writes N MiB of pages and
 * frees them, so that the host really backs memory the balloon can then
 * hand back.
 */
#include "kernel/balloon.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/hypercall.h"
#include "kernel/page_alloc.h"
#include "kernel/parse.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "tests/registry.h"

#define EVENT_WAIT_NS (60ull * NS_PER_SEC)

static void fill(uint64_t mib)
{
	void *head = NULL;
	uint64_t pages = 0;

	for (; pages < mib * (1024 * 1024 / PAGE_SIZE); pages++) {
		void **p = page_alloc();

		if (!p)
			break;
		/* One write is enough for the host to back the page. */
		*p = head;
		head = p;
	}
	while (head) {
		void *next = *(void **)head;

		page_free(head);
		head = next;
	}
	kprintf("service: filled %lu MiB\n",
		(unsigned long)(pages * PAGE_SIZE >> 20));
}

static void on_target(void)
{
	char value[32];
	uint64_t kib;
	long n = xenbus_read(0, "memory/target", value, sizeof(value));

	if (n <= 0 || !parse_u64(value, &kib)) {
		kprintf("balloon: cannot read memory/target (%ld)\n", n);
		return;
	}
	long now = balloon_set_target(kib);

	if (now < 0)
		kprintf("balloon: target %lu KiB, failed: %ld\n",
			(unsigned long)kib, now);
	else
		kprintf("balloon: target %lu KiB, now %ld KiB\n",
			(unsigned long)kib, now);
}

static void on_cpu(void)
{
	unsigned n = smp_usable_vcpus(), online = 1;
	bool changed = false;
	char why[96];

	for (unsigned cpu = 1; cpu < n; cpu++) {
		char path[48], value[16];
		bool up = HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu, NULL) == 1;

		ksnprintf(path, sizeof(path), "cpu/%u/availability", cpu);
		long len = xenbus_read(0, path, value, sizeof(value));
		bool want = len > 0 ? !strcmp(value, "online") : up;

		if (want && !up) {
			if (smp_cpu_up(cpu, why, sizeof(why))) {
				kprintf("vcpu: cpu %u online\n", cpu);
				changed = true;
			} else {
				kprintf("vcpu: cpu %u: %s\n", cpu, why);
			}
		} else if (!want && up) {
			if (smp_cpu_down(cpu, why, sizeof(why))) {
				kprintf("vcpu: cpu %u offline\n", cpu);
				changed = true;
			} else {
				kprintf("vcpu: cpu %u: %s\n", cpu, why);
			}
		}
		if (HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu, NULL) == 1)
			online++;
	}
	if (changed)
		kprintf("vcpu: %u online\n", online);
}

/* True when the guest should stop (the reason is set). */
static bool on_shutdown(struct test *t)
{
	char value[32];
	long n = xenbus_read(0, "control/shutdown", value, sizeof(value));

	if (n <= 0)
		return false;
	if (!strcmp(value, "poweroff"))
		runner_shutdown_reason = SHUTDOWN_poweroff;
	else if (!strcmp(value, "reboot"))
		runner_shutdown_reason = SHUTDOWN_reboot;
	else {
		kprintf("service: ignoring control/shutdown \"%s\"\n", value);
		return false;
	}
	if (xenbus_write(0, "control/shutdown", "") < 0)
		test_fail(t, "cannot acknowledge the shutdown request");
	kprintf("service: %s requested\n", value);
	return true;
}

void test_service(struct test *t)
{
	uint64_t mib;

	if (xenbus_init() < 0) {
		test_fail(t, "no XenStore to serve");
		return;
	}
	if (cmdline_u64("fill", &mib))
		fill(mib);
	if (xenbus_write(0, "control/feature-poweroff", "1") < 0 ||
	    xenbus_write(0, "control/feature-reboot", "1") < 0 ||
	    xenbus_watch("control/shutdown", "shutdown") < 0 ||
	    xenbus_watch("memory/target", "target") < 0 ||
	    xenbus_watch("cpu", "cpu") < 0) {
		test_fail(t, "cannot announce or set the watches");
		return;
	}
	kprintf("service: ready\n");
	for (;;) {
		struct xenbus_event ev;

		if (xenbus_wait_event(&ev, EVENT_WAIT_NS) < 0)
			continue;
		if (!strcmp(ev.token, "shutdown")) {
			if (on_shutdown(t))
				return;
		} else if (!strcmp(ev.token, "target")) {
			on_target();
		} else if (!strcmp(ev.token, "cpu")) {
			on_cpu();
		}
	}
}
