/* The start of day as the kernel sees it, against XENMEM_memory_map. */
#include <asm/bootparam.h>

#include "kernel/hypercall.h"
#include "kernel/start_info.h"
#include "lib/kstring.h"
#include "tests/registry.h"

#define MAP_ROOM 128

void test_memmap(struct test *t)
{
	static struct boot_e820_entry e820[MAP_ROOM];
	const struct hvm_start_info *si = start_info();
	unsigned n;
	const struct hvm_memmap_table_entry *map;

	CHECK_EQ(t, si->magic, XEN_HVM_START_MAGIC_VALUE, "start info magic");
	check(t, si->version >= 1, "start info version %u, expected >= 1",
	      si->version);
	map = start_info_memmap(&n);
	if (!check(t, n > 0, "start info has no memory map (entries %u)",
		   si->memmap_entries))
		return;

	struct xen_memory_map m = { .nr_entries = MAP_ROOM };
	set_xen_guest_handle(m.buffer, e820);
	CHECK_EQ(t, HYPERVISOR_memory_op(XENMEM_memory_map, &m), 0,
		 "memory_op(XENMEM_memory_map)");
	CHECK_EQ(t, m.nr_entries, n, "XENMEM_memory_map entries");
	for (unsigned i = 0; i < n; i++) {
		test_info("memmap: %016lx+%016lx %s", map[i].addr, map[i].size,
			  memmap_type_name(map[i].type));
		if (i < m.nr_entries)
			check(t,
			      e820[i].addr == map[i].addr &&
				      e820[i].size == map[i].size &&
				      e820[i].type == map[i].type,
			      "memmap entry %u differs from XENMEM_memory_map",
			      i);
	}

	domid_t self = DOMID_SELF;
	long pages = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
	CHECK_EQ(t, start_info_ram_bytes(), pages * 4096,
		 "RAM in the memory map vs current_reservation * 4096");

	uint64_t img = (uint64_t)__image_start;
	uint64_t img_len = (uint64_t)(__image_end - __image_start);
	check(t, start_info_is_ram(img, img_len),
	      "kernel image %#lx+%#lx is not inside one RAM entry", img,
	      img_len);
	check(t, start_info_is_ram(boot_start_info_paddr, sizeof(*si)),
	      "start info at %#lx is not inside RAM", boot_start_info_paddr);
	check(t, start_info_is_ram(si->memmap_paddr,
				   n * sizeof(struct hvm_memmap_table_entry)),
	      "memory map at %#lx is not inside RAM", si->memmap_paddr);

	const char *cmdline = start_info_cmdline();
	check(t, strstr(cmdline, "test=") != NULL,
	      "command line \"%s\" has no \"test=\"", cmdline);
	test_info("memmap: start info at %#lx, image %#lx-%#lx, cmdline \"%s\"",
		  boot_start_info_paddr, img, img + img_len, cmdline);
}
