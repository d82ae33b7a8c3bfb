#include "kernel/start_info.h"
#include "lib/kstring.h"

#define IDENTITY_MAPPED_LIMIT (1ull << 32)

static const struct hvm_start_info *si;

static bool reachable(uint64_t paddr, uint64_t len)
{
	return paddr && paddr < IDENTITY_MAPPED_LIMIT &&
	       len <= IDENTITY_MAPPED_LIMIT - paddr;
}

bool start_info_init(const char **why)
{
	uint64_t pa = boot_start_info_paddr;

	if (!reachable(pa, sizeof(*si))) {
		*why = "start info pointer (EBX) is zero or above 4 GiB";
		return false;
	}
	si = (const struct hvm_start_info *)pa;
	if (si->magic != XEN_HVM_START_MAGIC_VALUE) {
		*why = "start info magic is not XEN_HVM_START_MAGIC_VALUE";
		si = NULL;
		return false;
	}
	return true;
}

const struct hvm_start_info *start_info(void)
{
	return si;
}

const char *start_info_cmdline(void)
{
	/* 4 KiB is far more than any command line a test hands us. */
	if (!si || !reachable(si->cmdline_paddr, 4096))
		return "";
	return (const char *)si->cmdline_paddr;
}

const struct hvm_memmap_table_entry *start_info_memmap(unsigned *count)
{
	*count = 0;
	if (!si || si->version < 1 || !si->memmap_entries ||
	    !reachable(si->memmap_paddr,
		       (uint64_t)si->memmap_entries *
			       sizeof(struct hvm_memmap_table_entry)))
		return NULL;
	*count = si->memmap_entries;
	return (const struct hvm_memmap_table_entry *)si->memmap_paddr;
}

uint64_t start_info_ram_bytes(void)
{
	unsigned n;
	const struct hvm_memmap_table_entry *e = start_info_memmap(&n);
	uint64_t total = 0;

	for (unsigned i = 0; i < n; i++)
		if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
			total += e[i].size;
	return total;
}

bool start_info_is_ram(uint64_t addr, uint64_t len)
{
	unsigned n;
	const struct hvm_memmap_table_entry *e = start_info_memmap(&n);

	for (unsigned i = 0; i < n; i++)
		if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM &&
		    addr >= e[i].addr && len <= e[i].size &&
		    addr - e[i].addr <= e[i].size - len)
			return true;
	return false;
}

uint64_t start_info_ram_end(void)
{
	unsigned n;
	const struct hvm_memmap_table_entry *e = start_info_memmap(&n);
	uint64_t end = 0;

	for (unsigned i = 0; i < n; i++)
		if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM &&
		    e[i].addr + e[i].size > end)
			end = e[i].addr + e[i].size;
	return end;
}

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case XEN_HVM_MEMMAP_TYPE_RAM:
		return "RAM";
	case XEN_HVM_MEMMAP_TYPE_RESERVED:
		return "reserved";
	case XEN_HVM_MEMMAP_TYPE_ACPI:
		return "ACPI";
	case XEN_HVM_MEMMAP_TYPE_NVS:
		return "NVS";
	case XEN_HVM_MEMMAP_TYPE_UNUSABLE:
		return "unusable";
	case XEN_HVM_MEMMAP_TYPE_DISABLED:
		return "disabled";
	case XEN_HVM_MEMMAP_TYPE_PMEM:
		return "PMEM";
	default:
		return "unknown";
	}
}
