#include "arch/cpu.h"
#include "kernel/start_info.h"
#include "lib/kstring.h"
#include "tests/hc.h"

#define XEN_4_17 0x00040011

static const struct {
	int cmd;
	const char *name;
} pointer_cmds[] = {
	{ XENVER_extraversion, "XENVER_extraversion" },
	{ XENVER_capabilities, "XENVER_capabilities" },
	{ XENVER_changeset, "XENVER_changeset" },
	{ XENVER_get_features, "XENVER_get_features" },
};

static void strings(struct test *t)
{
	static xen_capabilities_info_t caps;
	xen_extraversion_t extra;
	xen_changeset_info_t changeset;

	memset(extra, 0x55, sizeof(extra));
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_extraversion, extra), 0,
		 "xen_version(XENVER_extraversion)");
	extra[sizeof(extra) - 1] = '\0';
	check(t, !strcmp(extra, ".0-xenolith"),
	      "XENVER_extraversion: expected \".0-xenolith\", got \"%s\"",
	      extra);

	memset(caps, 0x55, sizeof(caps));
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_capabilities, caps), 0,
		 "xen_version(XENVER_capabilities)");
	caps[sizeof(caps) - 1] = '\0';
	check(t,
	      !strcmp(caps, "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p"),
	      "XENVER_capabilities: expected \"hvm-3.0-x86_64 hvm-3.0-x86_32 "
	      "hvm-3.0-x86_32p\", got \"%s\"",
	      caps);

	memset(changeset, 0x55, sizeof(changeset));
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_changeset, changeset), 0,
		 "xen_version(XENVER_changeset)");
	changeset[sizeof(changeset) - 1] = '\0';
	check(t, !strncmp(changeset, "xenolith ", 9),
	      "XENVER_changeset: expected \"xenolith <version>\", got \"%s\"",
	      changeset);
	test_info("xen_version: extraversion \"%s\" changeset \"%s\"", extra,
		  changeset);
}

static void features(struct test *t)
{
	const uint32_t want = (1u << XENFEAT_writable_page_tables) |
			      (1u << XENFEAT_auto_translated_physmap) |
			      (1u << XENFEAT_hvm_callback_vector) |
			      (1u << XENFEAT_hvm_safe_pvclock);
	struct xen_feature_info fi = { .submap_idx = 0, .submap = 0xdeadbeef };

	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_get_features, &fi), 0,
		 "xen_version(XENVER_get_features, submap 0)");
	CHECK_EQ(t, fi.submap, want, "XENVER_get_features submap 0 bits");

	fi = (struct xen_feature_info){ .submap_idx = XENFEAT_NR_SUBMAPS };
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_get_features, &fi),
		 -XEN_EINVAL,
		 "xen_version(XENVER_get_features, submap_idx %u)",
		 XENFEAT_NR_SUBMAPS);
	fi = (struct xen_feature_info){ .submap_idx = ~0u };
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_get_features, &fi),
		 -XEN_EINVAL,
		 "xen_version(XENVER_get_features, submap_idx 0xffffffff)");
}

static void bad_pointers(struct test *t)
{
	void *const bad[] = { BAD_VA_UNMAPPED, BAD_VA_NONCANONICAL,
			      BAD_VA_NOT_RAM };
	/* The last one is mapped by our page tables; it is only bad while
	 * no RAM lies there. */
	unsigned nbad = start_info_is_ram((uint64_t)BAD_VA_NOT_RAM, 4096) ?
				2 : 3;

	for (unsigned i = 0; i < sizeof(pointer_cmds) / sizeof(*pointer_cmds);
	     i++)
		for (unsigned j = 0; j < nbad; j++)
			CHECK_EQ(t,
				 HYPERVISOR_xen_version(pointer_cmds[i].cmd,
							bad[j]),
				 -XEN_EFAULT, "xen_version(%s, %p)",
				 pointer_cmds[i].name, bad[j]);
}

void hc_xen_version(struct test *t)
{
	long v = HYPERVISOR_xen_version(XENVER_version, NULL);

	CHECK_EQ(t, v, XEN_4_17, "xen_version(XENVER_version)");
	CHECK_EQ(t, v, cpuid(xen_cpuid.base + 1, 0).eax,
		 "xen_version(XENVER_version) vs CPUID leaf base+1 eax");
	strings(t);
	features(t);
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096,
		 "xen_version(XENVER_pagesize)");
	bad_pointers(t);
	CHECK_EQ(t, HYPERVISOR_xen_version(64, NULL), -XEN_ENOSYS,
		 "xen_version(64)");
	CHECK_EQ(t, HYPERVISOR_xen_version(0x7fffffff, NULL), -XEN_ENOSYS,
		 "xen_version(0x7fffffff)");
}
