#include "arch/atomic.h"
#include "arch/spinlock.h"
#include "kernel/gnttab.h"
#include "kernel/hypercall.h"

#define WORD_BITS 64

static union {
	grant_entry_v1_t e[GNTTAB_ENTRIES_PER_FRAME];
	uint8_t bytes[4096];
} frames[GNTTAB_FRAMES] __attribute__((aligned(4096)));

static bool initialised;
static long init_rc;

/* One bit per ref, set while the ref is handed out; the reserved refs
 * (console, xenstore) are never handed out. */
static unsigned long used[GNTTAB_NR_ENTRIES / WORD_BITS];
static struct spinlock lock;
static unsigned in_use;

grant_entry_v1_t *gnttab_frame(unsigned idx)
{
	return frames[idx].e;
}

uint64_t gnttab_frame_gpfn(unsigned idx)
{
	/* The kernel is identity mapped. */
	return (uint64_t)&frames[idx] >> 12;
}

long gnttab_init(void)
{
	if (initialised)
		return init_rc;
	initialised = true;
	for (unsigned i = 0; i < GNTTAB_FRAMES; i++) {
		struct xen_add_to_physmap xatp = {
			.domid = DOMID_SELF,
			.space = XENMAPSPACE_grant_table,
			.idx = i,
			.gpfn = gnttab_frame_gpfn(i),
		};
		long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);

		if (rc) {
			init_rc = rc;
			return rc;
		}
	}
	for (unsigned r = 0; r < GNTTAB_NR_RESERVED_ENTRIES; r++)
		used[r / WORD_BITS] |= 1ul << (r % WORD_BITS);
	return 0;
}

bool gnttab_ready(void)
{
	return initialised && !init_rc;
}

grant_entry_v1_t *gnttab_entry(grant_ref_t ref)
{
	return &frames[ref / GNTTAB_ENTRIES_PER_FRAME]
			.e[ref % GNTTAB_ENTRIES_PER_FRAME];
}

static long alloc_ref(void)
{
	long ref = -1;

	spin_lock(&lock);
	for (unsigned w = 0; w < GNTTAB_NR_ENTRIES / WORD_BITS; w++) {
		if (used[w] == ~0ul)
			continue;
		unsigned b = lowest_bit(~used[w]);
		used[w] |= 1ul << b;
		ref = w * WORD_BITS + b;
		in_use++;
		break;
	}
	spin_unlock(&lock);
	return ref;
}

static void free_ref(grant_ref_t ref)
{
	spin_lock(&lock);
	used[ref / WORD_BITS] &= ~(1ul << (ref % WORD_BITS));
	in_use--;
	spin_unlock(&lock);
}

long gnttab_grant_access(domid_t domid, uint64_t gfn, bool readonly)
{
	if (!gnttab_ready())
		return -1;
	long ref = alloc_ref();
	if (ref < 0)
		return -1;

	grant_entry_v1_t *e = gnttab_entry((grant_ref_t)ref);
	e->domid = domid;
	e->frame = (uint32_t)gfn;
	/* The flags last: the entry is live from the moment they are. */
	barrier();
	WRITE_ONCE(e->flags,
		   (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)));
	return ref;
}

bool gnttab_end_access(grant_ref_t ref)
{
	grant_entry_v1_t *e = gnttab_entry(ref);

	/* The hypervisor sets GTF_reading/GTF_writing when it maps the
	 * entry, so clear the flags only if neither is set in the same
	 * atomic step, else a mapping could slip in between. */
	for (;;) {
		uint16_t flags = READ_ONCE(e->flags);

		if (flags & (GTF_reading | GTF_writing))
			return false;
		if (cmpxchg_u16(&e->flags, flags, 0))
			break;
	}
	free_ref(ref);
	return true;
}

unsigned gnttab_refs_in_use(void)
{
	return in_use;
}
