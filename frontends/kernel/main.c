/*
 * The C entry point. The first console line comes as soon as there is a
 * hypercall page, because the boot benchmark measures `xl create` to the
 * first line.
 */
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/console_ring.h"
#include "kernel/demo.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/percpu.h"
#include "kernel/shared_info.h"
#include "kernel/smp.h"
#include "kernel/shutdown.h"
#include "kernel/start_info.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "tests/runner.h"

void kernel_main(void);

/* Without Xen only the debug port is left; say what boot saw, so that
 * the path up to here can be checked under a plain PVH loader. */
static __attribute__((noreturn)) void no_xen(void)
{
	const char *why = "";
	char buf[256];

	debugcon_write("xenolith-guest: no Xen hypervisor found\n");
	if (start_info_init(&why)) {
		unsigned n;

		start_info_memmap(&n);
		ksnprintf(buf, sizeof(buf),
			  "xenolith-guest: start info v%u, %u memmap entries, "
			  "%lu KiB RAM, cmdline \"%s\"\n",
			  start_info()->version, n,
			  start_info_ram_bytes() >> 10, start_info_cmdline());
		debugcon_write(buf);
	} else {
		ksnprintf(buf, sizeof(buf), "xenolith-guest: %s\n", why);
		debugcon_write(buf);
	}
	halt_forever();
}

/* vCPU 0's part of event delivery: its LAPIC, its upcall vector, its
 * timer and call ports. Nothing here is fatal: a hypervisor without
 * event channels still runs the tests that need none. */
static void events_init(void)
{
	struct percpu *c = this_cpu();

	c->vi = vcpu0_info();
	c->online = true;
	apic_init();
	if (!c->vi)
		return;
	long rc = evtchn_init_cpu(true);
	if (rc) {
		kprintf("xenolith-guest: no upcall vector: %ld\n", rc);
		return;
	}
	rc = smp_bind_kernel_ports(0);
	if (rc)
		kprintf("xenolith-guest: binding vCPU 0's ports: %ld\n", rc);
}

void kernel_main(void)
{
	const char *why;

	/* First: the console finds its vCPU through GS. */
	percpu_init(0);
	gdt_init();
	idt_init();
	if (!hypercall_init())
		no_xen();
	console_ring_init();
	kprintf("xenolith-guest: booting\n");

	if (!start_info_init(&why)) {
		kprintf("xenolith-guest: %s\n", why);
		guest_shutdown_crash();
	}
	long rc = shared_info_map();
	if (rc)
		kprintf("xenolith-guest: mapping shared_info failed: %ld\n", rc);
	events_init();
	console_ring_events_ready();

	const char *tests = cmdline_value("test");
	if (tests)
		tests_run(tests);
	demo_run();
}
