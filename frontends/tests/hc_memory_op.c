#include <asm/bootparam.h>

#include "kernel/shared_info.h"
#include "kernel/start_info.h"
#include "lib/kstring.h"
#include "tests/hc.h"

#define MAP_ROOM 128

/* A page for mappings that must fail; if one succeeds anyway nothing
 * the kernel uses is overwritten. */
static uint8_t victim_page[4096] __attribute__((aligned(4096)));

static long memory_map(struct xen_memory_map *m, struct boot_e820_entry *buf,
		       unsigned room)
{
	m->nr_entries = room;
	set_xen_guest_handle(m->buffer, buf);
	return HYPERVISOR_memory_op(XENMEM_memory_map, m);
}

static void memory_map_checks(struct test *t)
{
	static struct boot_e820_entry e820[MAP_ROOM];
	struct xen_memory_map m;
	unsigned n;
	const struct hvm_memmap_table_entry *si = start_info_memmap(&n);

	memset(e820, 0xee, sizeof(e820));
	CHECK_EQ(t, memory_map(&m, e820, MAP_ROOM), 0,
		 "memory_op(XENMEM_memory_map, room for %u)", MAP_ROOM);
	CHECK_EQ(t, m.nr_entries, n,
		 "XENMEM_memory_map entries vs start info memmap_entries");
	for (unsigned i = 0; i < n && i < m.nr_entries; i++)
		check(t,
		      e820[i].addr == si[i].addr &&
			      e820[i].size == si[i].size &&
			      e820[i].type == si[i].type,
		      "XENMEM_memory_map entry %u: %lx+%lx type %u, start info "
		      "says %lx+%lx type %u",
		      i, (unsigned long)e820[i].addr,
		      (unsigned long)e820[i].size, e820[i].type, si[i].addr,
		      si[i].size, si[i].type);

	/* Room for one: one written, the next slot untouched. */
	memset(e820, 0xee, sizeof(e820));
	CHECK_EQ(t, memory_map(&m, e820, 1), 0,
		 "memory_op(XENMEM_memory_map, room for 1)");
	CHECK_EQ(t, m.nr_entries, n ? 1 : 0,
		 "XENMEM_memory_map room for 1: nr_entries");
	if (n)
		check(t, e820[0].addr == si[0].addr &&
				 e820[0].size == si[0].size,
		      "XENMEM_memory_map room for 1: entry 0 differs");
	check(t, e820[1].type == 0xeeeeeeee,
	      "XENMEM_memory_map room for 1: wrote past entry 0");

	CHECK_EQ(t, memory_map(&m, e820, 0), 0,
		 "memory_op(XENMEM_memory_map, room for 0)");
	CHECK_EQ(t, m.nr_entries, 0, "XENMEM_memory_map room for 0: nr_entries");

	CHECK_EQ(t, HYPERVISOR_memory_op(XENMEM_memory_map, BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "memory_op(XENMEM_memory_map, %p)",
		 BAD_VA_UNMAPPED);
	CHECK_EQ(t, memory_map(&m, BAD_VA_UNMAPPED, MAP_ROOM), -XEN_EFAULT,
		 "memory_op(XENMEM_memory_map, buffer %p)", BAD_VA_UNMAPPED);
	CHECK_EQ(t, memory_map(&m, BAD_VA_NONCANONICAL, MAP_ROOM), -XEN_EFAULT,
		 "memory_op(XENMEM_memory_map, buffer %p)",
		 BAD_VA_NONCANONICAL);
}

static void reservation_checks(struct test *t)
{
	static const struct {
		unsigned cmd;
		const char *name;
	} cmds[] = {
		{ XENMEM_current_reservation, "XENMEM_current_reservation" },
		{ XENMEM_maximum_reservation, "XENMEM_maximum_reservation" },
	};
	long pages[2];

	for (unsigned i = 0; i < 2; i++) {
		domid_t d = DOMID_SELF;

		pages[i] = HYPERVISOR_memory_op(cmds[i].cmd, &d);
		check(t, pages[i] > 0,
		      "memory_op(%s, DOMID_SELF): expected pages > 0, got %ld",
		      cmds[i].name, pages[i]);
		d = (domid_t)xen_cpuid.domid;
		CHECK_EQ(t, HYPERVISOR_memory_op(cmds[i].cmd, &d), pages[i],
			 "memory_op(%s, own domid %u) vs DOMID_SELF",
			 cmds[i].name, d);
		d = hc_other_domid();
		CHECK_EQ(t, HYPERVISOR_memory_op(cmds[i].cmd, &d), -XEN_EPERM,
			 "memory_op(%s, domid %u)", cmds[i].name, d);
		CHECK_EQ(t, HYPERVISOR_memory_op(cmds[i].cmd, BAD_VA_UNMAPPED),
			 -XEN_EFAULT, "memory_op(%s, %p)", cmds[i].name,
			 BAD_VA_UNMAPPED);
	}
	check(t, pages[1] >= pages[0],
	      "maximum_reservation %ld < current_reservation %ld", pages[1],
	      pages[0]);
	test_info("memory_op: current_reservation %ld maximum_reservation %ld",
		  pages[0], pages[1]);
}

static long add_to_physmap(domid_t domid, unsigned space, uint64_t idx,
			   uint64_t gpfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = domid,
		.space = space,
		.idx = idx,
		.gpfn = gpfn,
	};

	return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
}

static void physmap_checks(struct test *t)
{
	uint64_t victim = (uint64_t)victim_page >> 12;
	uint64_t end_pfn = start_info_ram_end() >> 12;

	check(t, shared_info_replaced_page(),
	      "XENMAPSPACE_shared_info at boot: the page kept its old "
	      "contents");
	/* Mapping again where it already is must succeed and change
	 * nothing we rely on. */
	CHECK_EQ(t, add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
				   shared_info_gpfn()),
		 0, "add_to_physmap(shared_info, idx 0, gpfn %#lx)",
		 shared_info_gpfn());
	CHECK_EQ(t, add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1,
				   victim),
		 -XEN_EINVAL, "add_to_physmap(shared_info, idx 1)");
	CHECK_EQ(t, add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
				   end_pfn),
		 -XEN_EINVAL,
		 "add_to_physmap(shared_info, gpfn %#lx = end of RAM)",
		 end_pfn);
	CHECK_EQ(t, add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
				   FAR_GPFN),
		 -XEN_EINVAL, "add_to_physmap(shared_info, gpfn %#llx)",
		 FAR_GPFN);
	/* Grant frames have their own test (grants); a space still left
	 * out is the gmfn one. */
	CHECK_EQ(t, add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0, victim),
		 -XEN_ENOSYS, "add_to_physmap(XENMAPSPACE_gmfn)");
	CHECK_EQ(t, add_to_physmap(hc_other_domid(), XENMAPSPACE_shared_info,
				   0, victim),
		 -XEN_EPERM, "add_to_physmap(shared_info, domid %u)",
		 hc_other_domid());
	CHECK_EQ(t, HYPERVISOR_memory_op(XENMEM_add_to_physmap,
					 BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "memory_op(XENMEM_add_to_physmap, %p)",
		 BAD_VA_UNMAPPED);
}

void hc_memory_op(struct test *t)
{
	memory_map_checks(t);
	reservation_checks(t);
	physmap_checks(t);
	CHECK_EQ(t, HYPERVISOR_memory_op(99, NULL), -XEN_ENOSYS,
		 "memory_op(99)");
}
