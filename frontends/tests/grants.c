/*
 * Grant tables from the granting side, against doc/hypercalls.md: the
 * frames are pages of the kernel's BSS placed with add_to_physmap (in any
 * order, below 64, movable) and frames outside RAM that the hypervisor
 * backs, query_size / set_version /
 * get_version / setup_table, and GNTTABOP_copy between refs this domain
 * granted to itself, with every per-op status of the contract's table,
 * one op at a time and all in one batch. Guests map nothing: map and
 * unmap are -ENOSYS.
 */
#include "arch/atomic.h"
#include "kernel/gnttab.h"
#include "kernel/hypercall.h"
#include "lib/kstring.h"
#include "tests/evt_util.h"
#include "tests/hc.h"
#include "tests/registry.h"

#define MAX_FRAMES 64
#define PAGE 4096
/* 0xf0000000: in the hole below 4 GiB, never RAM, identity mapped. */
#define HOLE_GPFN 0xf0000ull
/* 2^52 bytes: past any x86 physical address width. */
#define BEYOND_GPFN (1ull << 40)

static uint8_t src_page[PAGE] __attribute__((aligned(PAGE)));
static uint8_t dst_page[PAGE] __attribute__((aligned(PAGE)));
static uint8_t other_page[PAGE] __attribute__((aligned(PAGE)));
/* Where a grant frame moves to, and back from. */
static uint8_t spare_frame[PAGE] __attribute__((aligned(PAGE)));

static domid_t self(void)
{
	return (domid_t)xen_cpuid.domid;
}

static uint64_t gfn(const void *page)
{
	return (uint64_t)page >> 12;
}

static long add_frame(unsigned idx, uint64_t gpfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
		.idx = idx,
		.gpfn = gpfn,
	};

	return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
}

static long query_size(domid_t dom, struct gnttab_query_size *q)
{
	*q = (struct gnttab_query_size){ .dom = dom, .status = 1 };
	return HYPERVISOR_grant_table_op(GNTTABOP_query_size, q, 1);
}

static long setup_table(domid_t dom, unsigned nr, xen_pfn_t *list,
			struct gnttab_setup_table *st)
{
	*st = (struct gnttab_setup_table){ .dom = dom, .nr_frames = nr,
					   .status = 1 };
	set_xen_guest_handle(st->frame_list, list);
	return HYPERVISOR_grant_table_op(GNTTABOP_setup_table, st, 1);
}

/* The kernel's frames, placed here rather than at boot so that the
 * ordering rules can be seen from an empty table. */
static bool frames(struct test *t)
{
	struct gnttab_query_size q;

	if (!gnttab_ready()) {
		CHECK_EQ(t, query_size(DOMID_SELF, &q), 0, "query_size, empty");
		CHECK_EQ(t, q.nr_frames, 0, "query_size.nr_frames, empty");
		/* As Xen: the table grows to the frame placed (Linux
		 * places its frames from the highest index down). */
		CHECK_EQ(t, add_frame(1, gfn(spare_frame)), 0,
			 "add_to_physmap(grant_table idx 1) as the first");
		CHECK_EQ(t, query_size(DOMID_SELF, &q), 0,
			 "query_size after idx 1");
		CHECK_EQ(t, q.nr_frames, 2,
			 "query_size.nr_frames after placing idx 1 first");
	}
	long rc = gnttab_init();
	CHECK_EQ(t, rc, 0, "add_to_physmap(grant_table idx 0..%u)",
		 GNTTAB_FRAMES - 1);
	if (rc)
		return false;

	CHECK_EQ(t, add_frame(MAX_FRAMES, gfn(spare_frame)), -XEN_EINVAL,
		 "add_to_physmap(grant_table idx %u)", MAX_FRAMES);
	CHECK_EQ(t, add_frame(0xffffffff, gfn(spare_frame)), -XEN_EINVAL,
		 "add_to_physmap(grant_table idx 0xffffffff)");
	CHECK_EQ(t, add_frame(GNTTAB_FRAMES, BEYOND_GPFN), -XEN_EINVAL,
		 "add_to_physmap(grant_table idx %u, gpfn %#llx)",
		 GNTTAB_FRAMES, BEYOND_GPFN);
	CHECK_EQ(t, add_frame(0, BEYOND_GPFN), -XEN_EINVAL,
		 "add_to_physmap(grant_table idx 0 moved to gpfn %#llx)",
		 BEYOND_GPFN);
	CHECK_EQ(t, add_frame(GNTTAB_FRAMES, 0xfee00), -XEN_EINVAL,
		 "add_to_physmap(grant_table idx %u) on the local APIC",
		 GNTTAB_FRAMES);

	CHECK_EQ(t, query_size(DOMID_SELF, &q), 0, "query_size");
	CHECK_EQ(t, q.status, GNTST_okay, "query_size.status");
	CHECK_EQ(t, q.nr_frames, GNTTAB_FRAMES, "query_size.nr_frames");
	CHECK_EQ(t, q.max_nr_frames, MAX_FRAMES, "query_size.max_nr_frames");
	CHECK_EQ(t, query_size(self(), &q), 0, "query_size(own domid)");
	CHECK_EQ(t, q.nr_frames, GNTTAB_FRAMES,
		 "query_size(own domid).nr_frames");
	CHECK_EQ(t, query_size(hc_other_domid(), &q), 0,
		 "query_size(dom %u)", hc_other_domid());
	CHECK_EQ(t, q.status, GNTST_bad_domain, "query_size(dom %u).status",
		 hc_other_domid());
	return true;
}

static void versions_and_setup(struct test *t)
{
	struct gnttab_set_version sv;
	struct gnttab_get_version gv = { .dom = DOMID_SELF, .version = 99 };
	static const uint32_t bad_versions[] = { 0, 3, 0xffffffff };

	sv.version = 1;
	CHECK_EQ(t, HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), 0,
		 "set_version(1)");
	sv.version = 2;
	CHECK_EQ(t, HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1),
		 -XEN_ENOSYS, "set_version(2)");
	for (unsigned i = 0; i < 3; i++) {
		sv.version = bad_versions[i];
		CHECK_EQ(t, HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv,
						      1),
			 -XEN_EINVAL, "set_version(%u)", bad_versions[i]);
	}
	CHECK_EQ(t, HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0,
		 "get_version");
	CHECK_EQ(t, gv.version, 1, "get_version.version");

	xen_pfn_t list[GNTTAB_FRAMES + 1];
	struct gnttab_setup_table st;
	memset(list, 0, sizeof(list));
	CHECK_EQ(t, setup_table(DOMID_SELF, GNTTAB_FRAMES, list, &st), 0,
		 "setup_table(%u frames)", GNTTAB_FRAMES);
	CHECK_EQ(t, st.status, GNTST_okay, "setup_table.status");
	for (unsigned i = 0; i < GNTTAB_FRAMES; i++)
		CHECK_EQ(t, list[i], gnttab_frame_gpfn(i),
			 "setup_table: frame %u's gpfn", i);
	CHECK_EQ(t, setup_table(DOMID_SELF, GNTTAB_FRAMES + 1, list, &st), 0,
		 "setup_table(%u frames)", GNTTAB_FRAMES + 1);
	CHECK_EQ(t, st.status, GNTST_general_error,
		 "setup_table(%u frames, %u added).status", GNTTAB_FRAMES + 1,
		 GNTTAB_FRAMES);
	CHECK_EQ(t, setup_table(hc_other_domid(), 1, list, &st), 0,
		 "setup_table(dom %u)", hc_other_domid());
	CHECK_EQ(t, st.status, GNTST_bad_domain, "setup_table(dom %u).status",
		 hc_other_domid());
}

/* One copy op; kind says which ends are grant refs. */
static struct gnttab_copy copy_op(bool src_ref, uint64_t src, domid_t sdom,
				  uint16_t soff, bool dst_ref, uint64_t dst,
				  domid_t ddom, uint16_t doff, uint16_t len)
{
	struct gnttab_copy c = { .len = len, .status = 0x7777 };

	if (src_ref) {
		c.source.u.ref = (grant_ref_t)src;
		c.flags |= GNTCOPY_source_gref;
	} else {
		c.source.u.gmfn = src;
	}
	if (dst_ref) {
		c.dest.u.ref = (grant_ref_t)dst;
		c.flags |= GNTCOPY_dest_gref;
	} else {
		c.dest.u.gmfn = dst;
	}
	c.source.domid = sdom;
	c.source.offset = soff;
	c.dest.domid = ddom;
	c.dest.offset = doff;
	return c;
}

static void fill(uint8_t *p, uint8_t seed)
{
	for (unsigned i = 0; i < PAGE; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

static void copies_that_work(struct test *t, grant_ref_t rs, grant_ref_t rd)
{
	struct gnttab_copy c;

	fill(src_page, 1);
	memset(dst_page, 0, PAGE);
	c = copy_op(true, rs, self(), 0, true, rd, self(), 0, PAGE);
	CHECK_EQ(t, HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1), 0,
		 "GNTTABOP_copy ref %u -> ref %u", rs, rd);
	CHECK_EQ(t, c.status, GNTST_okay, "copy ref -> ref, 4096 bytes");
	check(t, !memcmp(src_page, dst_page, PAGE),
	      "copy ref -> ref: destination differs from the source");

	/* A piece, at offsets, through DOMID_SELF refs and gpfns. */
	memset(dst_page, 0, PAGE);
	c = copy_op(true, rs, DOMID_SELF, 100, false, gfn(dst_page),
		    DOMID_SELF, 3000, 96);
	HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1);
	CHECK_EQ(t, c.status, GNTST_okay, "copy ref -> gpfn, 96 bytes");
	bool ok = !memcmp(dst_page + 3000, src_page + 100, 96);
	for (unsigned i = 0; i < PAGE && ok; i++)
		if ((i < 3000 || i >= 3096) && dst_page[i])
			ok = false;
	check(t, ok, "copy ref -> gpfn at offsets: wrong bytes moved");

	memset(dst_page, 0, PAGE);
	c = copy_op(false, gfn(src_page), DOMID_SELF, 0, true, rd, self(), 4000,
		    96);
	HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1);
	CHECK_EQ(t, c.status, GNTST_okay, "copy gpfn -> ref, 96 bytes");
	check(t, !memcmp(dst_page + 4000, src_page, 96),
	      "copy gpfn -> ref: wrong bytes");
}

struct bad_case {
	const char *what;
	struct gnttab_copy op;
	int16_t want;
};

static void copies_that_fail(struct test *t, grant_ref_t rs, grant_ref_t rd,
			     grant_ref_t r_other)
{
	const grant_ref_t past = GNTTAB_NR_ENTRIES;
	const grant_ref_t ungranted = GNTTAB_NR_ENTRIES - 1;
	const domid_t me = self();
	const uint64_t dst = gfn(dst_page), src = gfn(src_page);
	struct bad_case cases[] = {
		{ "source domain missing",
		  copy_op(true, rs, NO_SUCH_DOMID, 0, false, dst, DOMID_SELF,
			  0, 64),
		  GNTST_bad_domain },
		{ "dest domain missing",
		  copy_op(false, src, DOMID_SELF, 0, true, rd, NO_SUCH_DOMID,
			  0, 64),
		  GNTST_bad_domain },
		{ "source ref past the table",
		  copy_op(true, past, me, 0, false, dst, DOMID_SELF, 0, 64),
		  GNTST_bad_gntref },
		{ "source ref 0xffffffff",
		  copy_op(true, 0xffffffff, me, 0, false, dst, DOMID_SELF, 0,
			  64),
		  GNTST_bad_gntref },
		{ "dest ref past the table",
		  copy_op(false, src, DOMID_SELF, 0, true, past, me, 0, 64),
		  GNTST_bad_gntref },
		{ "source ref not granted",
		  copy_op(true, ungranted, me, 0, false, dst, DOMID_SELF, 0,
			  64),
		  GNTST_permission_denied },
		{ "source ref 0 (reserved, empty)",
		  copy_op(true, 0, me, 0, false, dst, DOMID_SELF, 0, 64),
		  GNTST_permission_denied },
		{ "source ref granted to another domain",
		  copy_op(true, r_other, me, 0, false, dst, DOMID_SELF, 0, 64),
		  GNTST_permission_denied },
		{ "dest ref granted read-only",
		  copy_op(false, src, DOMID_SELF, 0, true, rs, me, 0, 64),
		  GNTST_permission_denied },
		{ "source offset + len past 4096",
		  copy_op(true, rs, me, 4000, false, dst, DOMID_SELF, 0, 200),
		  GNTST_bad_copy_arg },
		{ "dest offset + len past 4096",
		  copy_op(false, src, DOMID_SELF, 0, true, rd, me, 4095, 2),
		  GNTST_bad_copy_arg },
		{ "source gpfn outside RAM",
		  copy_op(false, FAR_GPFN, DOMID_SELF, 0, false, dst,
			  DOMID_SELF, 0, 64),
		  GNTST_bad_page },
		{ "dest gpfn outside RAM",
		  copy_op(false, src, DOMID_SELF, 0, false, FAR_GPFN,
			  DOMID_SELF, 0, 64),
		  GNTST_bad_page },
	};
	const unsigned n = sizeof(cases) / sizeof(*cases);
	static struct gnttab_copy batch[32];

	fill(src_page, 7);
	memset(dst_page, 0xee, PAGE);
	for (unsigned i = 0; i < n; i++) {
		struct gnttab_copy c = cases[i].op;

		CHECK_EQ(t, HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1), 0,
			 "GNTTABOP_copy (%s)", cases[i].what);
		CHECK_EQ(t, c.status, cases[i].want, "copy status, %s",
			 cases[i].what);
	}

	/* The same in one call, with a good op in the middle. */
	_Static_assert(sizeof(cases) / sizeof(*cases) + 1 <=
			       sizeof(batch) / sizeof(*batch),
		       "batch room");
	unsigned half = n / 2, k = 0;
	for (unsigned i = 0; i < n; i++) {
		if (i == half)
			batch[k++] = copy_op(true, rs, me, 0, false,
					     gfn(other_page), DOMID_SELF, 0,
					     PAGE);
		batch[k++] = cases[i].op;
	}
	memset(other_page, 0, PAGE);
	CHECK_EQ(t, HYPERVISOR_grant_table_op(GNTTABOP_copy, batch, k), 0,
		 "GNTTABOP_copy batch of %u", k);
	for (unsigned i = 0, j = 0; i < k; i++) {
		if (i == half) {
			CHECK_EQ(t, batch[i].status, GNTST_okay,
				 "batch: the good op among bad ones");
			continue;
		}
		CHECK_EQ(t, batch[i].status, cases[j].want,
			 "batch op %u status, %s", i, cases[j].what);
		j++;
	}
	check(t, !memcmp(other_page, src_page, PAGE),
	      "batch: the good op did not copy");
	bool untouched = true;
	for (unsigned i = 0; i < PAGE; i++)
		if (dst_page[i] != 0xee)
			untouched = false;
	check(t, untouched, "failed copies wrote to the destination page");
}

/* Frame idx moves to another page and keeps working there. */
static void move_frame(struct test *t)
{
	const unsigned idx = GNTTAB_FRAMES - 1;
	grant_entry_v1_t *moved = (grant_entry_v1_t *)spare_frame;
	const unsigned slot = 5;
	const grant_ref_t ref = idx * GNTTAB_ENTRIES_PER_FRAME + slot;
	xen_pfn_t list[GNTTAB_FRAMES];
	struct gnttab_setup_table st;

	memcpy(spare_frame, gnttab_frame(idx), PAGE);
	long rc = add_frame(idx, gfn(spare_frame));
	CHECK_EQ(t, rc, 0, "add_to_physmap(grant_table idx %u) to move it",
		 idx);
	if (rc)
		return;
	setup_table(DOMID_SELF, GNTTAB_FRAMES, list, &st);
	CHECK_EQ(t, list[idx], gfn(spare_frame),
		 "setup_table: gpfn of the moved frame %u", idx);

	/* An entry written in the new page is the one the hypervisor uses. */
	fill(src_page, 3);
	memset(dst_page, 0, PAGE);
	moved[slot].domid = self();
	moved[slot].frame = (uint32_t)gfn(src_page);
	moved[slot].flags = GTF_permit_access | GTF_readonly;
	struct gnttab_copy c = copy_op(true, ref, self(), 0, false,
				       gfn(dst_page), DOMID_SELF, 0, PAGE);
	HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1);
	CHECK_EQ(t, c.status, GNTST_okay, "copy through ref %u in the moved "
		 "frame", ref);
	check(t, !memcmp(dst_page, src_page, PAGE),
	      "copy through the moved frame: wrong bytes");
	moved[slot].flags = 0;

	memcpy(gnttab_frame(idx), spare_frame, PAGE);
	CHECK_EQ(t, add_frame(idx, gnttab_frame_gpfn(idx)), 0,
		 "add_to_physmap(grant_table idx %u) moving it back", idx);
	setup_table(DOMID_SELF, GNTTAB_FRAMES, list, &st);
	CHECK_EQ(t, list[idx], gnttab_frame_gpfn(idx),
		 "setup_table: gpfn of frame %u moved back", idx);
}

/* A frame outside RAM, as Linux places its own: the hypervisor shows a
 * page of its own there (zeroes at first) that moves with the frame,
 * and the table grows past the frames skipped. */
static void outside_ram(struct test *t)
{
	const unsigned idx = GNTTAB_FRAMES + 1; /* GNTTAB_FRAMES skipped */
	const unsigned slot = 9;
	const grant_ref_t ref = idx * GNTTAB_ENTRIES_PER_FRAME + slot;
	grant_entry_v1_t *hole = (grant_entry_v1_t *)(HOLE_GPFN << 12);
	grant_entry_v1_t *moved = (grant_entry_v1_t *)((HOLE_GPFN + 1) << 12);
	struct gnttab_query_size q;
	xen_pfn_t list[GNTTAB_FRAMES + 2];
	struct gnttab_setup_table st;
	struct gnttab_copy c;

	long rc = add_frame(idx, HOLE_GPFN);
	CHECK_EQ(t, rc, 0, "add_to_physmap(grant_table idx %u, gpfn %#llx "
		 "outside RAM)", idx, HOLE_GPFN);
	if (rc)
		return;
	query_size(DOMID_SELF, &q);
	CHECK_EQ(t, q.nr_frames, idx + 1, "query_size.nr_frames after idx %u",
		 idx);
	setup_table(DOMID_SELF, idx + 1, list, &st);
	CHECK_EQ(t, st.status, GNTST_okay, "setup_table(%u frames).status",
		 idx + 1);
	CHECK_EQ(t, list[idx], HOLE_GPFN, "setup_table: gpfn of frame %u",
		 idx);
	CHECK_EQ(t, READ_ONCE(hole[slot].flags), 0,
		 "entry flags in a new frame outside RAM");

	fill(src_page, 5);
	memset(dst_page, 0, PAGE);
	hole[slot].domid = self();
	hole[slot].frame = (uint32_t)gfn(src_page);
	hole[slot].flags = GTF_permit_access | GTF_readonly;
	c = copy_op(true, ref, self(), 0, false, gfn(dst_page), DOMID_SELF, 0,
		    PAGE);
	HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1);
	CHECK_EQ(t, c.status, GNTST_okay, "copy through ref %u outside RAM",
		 ref);
	check(t, !memcmp(dst_page, src_page, PAGE),
	      "copy through a frame outside RAM: wrong bytes");
	CHECK_EQ(t, add_frame(GNTTAB_FRAMES, HOLE_GPFN), -XEN_EINVAL,
		 "add_to_physmap(grant_table idx %u) on frame %u's place",
		 GNTTAB_FRAMES, idx);

	/* Moved: the entries go along; the old place is memory no more
	 * (unbacked reads see all-ones). */
	rc = add_frame(idx, HOLE_GPFN + 1);
	CHECK_EQ(t, rc, 0, "add_to_physmap(grant_table idx %u) moved to "
		 "gpfn %#llx", idx, HOLE_GPFN + 1);
	if (rc)
		return;
	CHECK_EQ(t, READ_ONCE(moved[slot].frame), gfn(src_page),
		 "entry %u after the frame moved", slot);
	CHECK_EQ(t, READ_ONCE(hole[slot].frame), 0xffffffffu,
		 "the frame's old place after it moved");
	memset(dst_page, 0, PAGE);
	c = copy_op(true, ref, self(), 0, false, gfn(dst_page), DOMID_SELF, 0,
		    PAGE);
	HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1);
	CHECK_EQ(t, c.status, GNTST_okay, "copy through ref %u after the "
		 "move", ref);
	moved[slot].flags = 0;

	/* Into RAM again: the page there is the frame from now on. */
	memset(spare_frame, 0, PAGE);
	CHECK_EQ(t, add_frame(idx, gfn(spare_frame)), 0,
		 "add_to_physmap(grant_table idx %u) back into RAM", idx);
	CHECK_EQ(t, READ_ONCE(moved[slot].frame), 0xffffffffu,
		 "the frame's place outside RAM after it went into RAM");
}

static void end_access(struct test *t, grant_ref_t ref)
{
	grant_entry_v1_t *e = gnttab_entry(ref);

	/* The guest half of the mapped-grant rule, without a mapper: the
	 * flags a mapping sets keep the entry alive. */
	e->flags |= GTF_reading;
	check(t, !gnttab_end_access(ref), "end_access with GTF_reading set "
	      "succeeded");
	e->flags = (uint16_t)((e->flags & ~GTF_reading) | GTF_writing);
	check(t, !gnttab_end_access(ref), "end_access with GTF_writing set "
	      "succeeded");
	e->flags &= (uint16_t)~GTF_writing;
	check(t, gnttab_end_access(ref), "end_access of an unmapped ref "
	      "failed");
	CHECK_EQ(t, e->flags, 0, "entry flags after end_access");
}

void test_grants(struct test *t)
{
	if (!frames(t))
		return;
	versions_and_setup(t);

	unsigned in_use = gnttab_refs_in_use();
	long rs = gnttab_grant_access(self(), gfn(src_page), true);
	long rd = gnttab_grant_access(self(), gfn(dst_page), false);
	long ro = gnttab_grant_access(hc_other_domid(), gfn(src_page), false);
	if (!check(t, rs >= GNTTAB_NR_RESERVED_ENTRIES &&
			      rd >= GNTTAB_NR_RESERVED_ENTRIES &&
			      ro >= GNTTAB_NR_RESERVED_ENTRIES,
		   "grant_access gave refs %ld %ld %ld", rs, rd, ro))
		return;
	copies_that_work(t, (grant_ref_t)rs, (grant_ref_t)rd);
	copies_that_fail(t, (grant_ref_t)rs, (grant_ref_t)rd,
			 (grant_ref_t)ro);
	move_frame(t);
	outside_ram(t);

	struct gnttab_map_grant_ref map = { .ref = (grant_ref_t)rs,
					    .dom = self() };
	struct gnttab_unmap_grant_ref unmap = { 0 };
	CHECK_EQ(t, HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1),
		 -XEN_ENOSYS, "GNTTABOP_map_grant_ref from a guest");
	CHECK_EQ(t, HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &unmap,
					      1),
		 -XEN_ENOSYS, "GNTTABOP_unmap_grant_ref from a guest");
	CHECK_EQ(t, HYPERVISOR_grant_table_op(99, &unmap, 1), -XEN_ENOSYS,
		 "grant_table_op(99)");

	end_access(t, (grant_ref_t)rs);
	check(t, gnttab_end_access((grant_ref_t)rd), "end_access(%ld)", rd);
	check(t, gnttab_end_access((grant_ref_t)ro), "end_access(%ld)", ro);
	CHECK_EQ(t, gnttab_refs_in_use(), in_use, "refs in use afterwards");
}
