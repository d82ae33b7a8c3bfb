/*
 * A guest guessing another guest's grant refs (peer=<domid> on the
 * command line): GNTTABOP_copy from every ref 0..1023 of the peer into
 * our own page, and from our page into each of them. The peer granted
 * its pages to Dom0 only, so every op must fail with
 * GNTST_permission_denied (an entry that does not grant us) or
 * GNTST_bad_gntref (past the peer's table), and our page must not change.
 */
#include "kernel/cmdline.h"
#include "kernel/hypercall.h"
#include "lib/kstring.h"
#include "tests/registry.h"

#define PAGE 4096
#define PROBE_REFS 1024
#define BATCH 64
#define FILL 0x5a

static uint8_t page[PAGE] __attribute__((aligned(PAGE)));
static struct gnttab_copy ops[BATCH];

struct tally {
	unsigned denied, bad_ref, okay, other;
	grant_ref_t first_bad;
	int16_t first_bad_status;
};

static void probe(struct test *t, domid_t peer, bool into_peer,
		  struct tally *tl)
{
	const uint64_t gfn = (uint64_t)page >> 12;

	*tl = (struct tally){ .first_bad = ~0u };
	for (grant_ref_t base = 0; base < PROBE_REFS; base += BATCH) {
		for (unsigned i = 0; i < BATCH; i++) {
			struct gnttab_copy *c = &ops[i];

			*c = (struct gnttab_copy){ .len = 64, .status = 0x7777 };
			if (into_peer) {
				c->source.u.gmfn = gfn;
				c->source.domid = DOMID_SELF;
				c->dest.u.ref = base + i;
				c->dest.domid = peer;
				c->flags = GNTCOPY_dest_gref;
			} else {
				c->source.u.ref = base + i;
				c->source.domid = peer;
				c->dest.u.gmfn = gfn;
				c->dest.domid = DOMID_SELF;
				c->flags = GNTCOPY_source_gref;
			}
		}
		long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, BATCH);
		if (rc) {
			CHECK_EQ(t, rc, 0, "GNTTABOP_copy of refs %u..%u",
				 base, base + BATCH - 1);
			return;
		}
		for (unsigned i = 0; i < BATCH; i++) {
			int16_t s = ops[i].status;

			if (s == GNTST_permission_denied)
				tl->denied++;
			else if (s == GNTST_bad_gntref)
				tl->bad_ref++;
			else {
				if (s == GNTST_okay)
					tl->okay++;
				else
					tl->other++;
				if (tl->first_bad == ~0u) {
					tl->first_bad = base + i;
					tl->first_bad_status = s;
				}
			}
		}
	}
	test_info("grant-probe: %s domain %u's refs 0..%u: %u denied, %u bad "
		  "ref, %u okay, %u other",
		  into_peer ? "into" : "from", peer, PROBE_REFS - 1, tl->denied,
		  tl->bad_ref, tl->okay, tl->other);
	check(t, tl->okay + tl->other == 0,
	      "copy %s domain %u's ref %u: status %d, expected "
	      "GNTST_permission_denied or GNTST_bad_gntref",
	      into_peer ? "into" : "from", peer, tl->first_bad,
	      tl->first_bad_status);
}

void test_grant_probe(struct test *t)
{
	uint64_t peer;
	struct tally from, into;

	if (!check(t, cmdline_u64("peer", &peer) && peer < DOMID_FIRST_RESERVED,
		   "needs peer=<domid> on the command line"))
		return;
	memset(page, FILL, PAGE);
	probe(t, (domid_t)peer, false, &from);
	probe(t, (domid_t)peer, true, &into);
	bool untouched = true;
	for (unsigned i = 0; i < PAGE; i++)
		if (page[i] != FILL)
			untouched = false;
	check(t, untouched, "our page changed while probing domain %llu",
	      (unsigned long long)peer);

	struct gnttab_query_size q = { .dom = (domid_t)peer };
	HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
	CHECK_EQ(t, q.status, GNTST_bad_domain, "query_size(dom %llu).status",
		 (unsigned long long)peer);
}
