#include "kernel/console.h"
#include "kernel/demo.h"
#include "kernel/hypercall.h"
#include "kernel/shutdown.h"
#include "kernel/start_info.h"
#include "lib/format.h"
#include "lib/kstring.h"

void xen_version_string(char *buf, unsigned size)
{
	long v = HYPERVISOR_xen_version(XENVER_version, NULL);
	xen_extraversion_t extra;

	memset(extra, 0, sizeof(extra));
	if (HYPERVISOR_xen_version(XENVER_extraversion, extra) != 0)
		extra[0] = '\0';
	extra[sizeof(extra) - 1] = '\0';
	if (v < 0)
		ksnprintf(buf, size, "Xen (version unknown: %ld)", v);
	else
		ksnprintf(buf, size, "Xen %lu.%lu%s", (unsigned long)v >> 16,
			  (unsigned long)v & 0xffff, extra);
}

void demo_run(void)
{
	char version[64];
	unsigned n;
	const struct hvm_memmap_table_entry *map = start_info_memmap(&n);

	xen_version_string(version, sizeof(version));
	kprintf("Xenolith guest kernel on %s (domain %u)\n", version,
		xen_cpuid.domid);
	kprintf("command line: %s\n", start_info_cmdline());
	kprintf("memory map (%u entries):\n", n);
	for (unsigned i = 0; i < n; i++)
		kprintf("  %016lx-%016lx %s\n", map[i].addr,
			map[i].addr + map[i].size - 1,
			memmap_type_name(map[i].type));
	uint64_t ram = start_info_ram_bytes();
	kprintf("total RAM: %lu MiB (%lu KiB)\n", ram >> 20, ram >> 10);
	guest_shutdown(SHUTDOWN_poweroff);
}
