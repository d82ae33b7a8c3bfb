/*
 * The C entry point. The first console line comes as soon as there is a
 * hypercall page, because the boot benchmark measures `xl create` to the
 * first line.
 */
#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "kernel/console.h"
#include "kernel/demo.h"
#include "kernel/hypercall.h"
#include "kernel/shared_info.h"
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

/* The value of the test= word of the command line, or NULL. */
static const char *find_test_list(const char *cmdline)
{
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, "test=", 5))
			return p + 5;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

void kernel_main(void)
{
	const char *why;

	gdt_init();
	idt_init();
	if (!hypercall_init())
		no_xen();
	kprintf("xenolith-guest: booting\n");

	if (!start_info_init(&why)) {
		kprintf("xenolith-guest: %s\n", why);
		guest_shutdown_crash();
	}
	long rc = shared_info_map();
	if (rc)
		kprintf("xenolith-guest: mapping shared_info failed: %ld\n", rc);

	const char *tests = find_test_list(start_info_cmdline());
	if (tests)
		tests_run(tests);
	demo_run();
}
