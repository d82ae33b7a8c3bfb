/* blkfront: connect, submit, reap (blkfront.h). */
#include <xen/errno.h>

#include "arch/atomic.h"
#include "kernel/blkfront.h"
#include "kernel/console.h"
#include "kernel/evtchn.h"
#include "kernel/gnttab.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "lib/format.h"
#include "lib/kstring.h"

#define SECT_PER_PAGE (PAGE_SIZE / 512)
#define SEGS_PER_INDIRECT_PAGE (PAGE_SIZE / sizeof(struct blkif_request_segment))

/* A request's id: generation, queue and slot, so a response for a slot
 * that was since reused (a backend answering twice) is recognised. */
static uint64_t make_id(uint32_t gen, unsigned queue, unsigned slot)
{
	return (uint64_t)gen << 32 | (uint64_t)queue << 16 | slot;
}

static void on_event(evtchn_port_t port, void *arg)
{
	(void)port;
	struct blkfront *bf = arg;
	bf->events++;
}

static bool backend_waiting(enum xenbus_state s)
{
	return s == XenbusStateInitWait || s == XenbusStateConnected || s >= XenbusStateClosing;
}

static bool backend_connected(enum xenbus_state s)
{
	return s == XenbusStateConnected || s >= XenbusStateClosing;
}

static bool backend_closed(enum xenbus_state s)
{
	return s == XenbusStateClosed || s == XenbusStateUnknown;
}

static uint64_t other_u64(struct blkfront *bf, const char *key, uint64_t def)
{
	uint64_t v;
	return xenbus_dev_read_other_u64(&bf->dev, key, def, &v) < 0 ? def : v;
}

/* Whole sectors with rep movsq: the kernel's memcpy goes byte by byte,
 * and guest CPU time is what a block request costs most here. */
static void copy_sectors(void *dst, const void *src, unsigned nsect)
{
	uint64_t n = (uint64_t)nsect * 64;
	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static unsigned umin(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/* npages physically consecutive pages for a multi-page ring (the ring
 * macros index one stretch); NULL when the allocator gave none. */
static void *alloc_contig(unsigned npages)
{
	void *first = page_alloc_zeroed();
	if (!first || npages == 1)
		return first;
	for (unsigned i = 1; i < npages; i++) {
		void *p = page_alloc_zeroed();
		if (p != (uint8_t *)first + i * PAGE_SIZE)
			return NULL; /* leaked pages: rare, and the kernel is a test kernel */
	}
	return first;
}

static long setup_queue(struct blkfront *bf, unsigned qi)
{
	struct blkfront_queue *q = &bf->q[qi];
	unsigned npages = 1u << bf->ring_order;
	q->ring_mem = alloc_contig(npages);
	if (!q->ring_mem)
		return -XEN_ENOMEM;
	blkif_sring_t *s = q->ring_mem;
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&q->ring, s, npages * PAGE_SIZE);
	for (unsigned i = 0; i < npages; i++) {
		long ref = gnttab_grant_access(bf->dev.otherend_id,
					       page_gfn((uint8_t *)q->ring_mem + i * PAGE_SIZE), false);
		if (ref < 0)
			return -XEN_ENOSPC;
		q->ring_ref[i] = (grant_ref_t)ref;
	}
	long rc = evtchn_alloc_unbound(bf->dev.otherend_id, &q->port);
	if (rc < 0)
		return rc;
	evtchn_set_handler(q->port, on_event, bf);
	evtchn_unmask(q->port);
	q->nfree = 0;
	for (unsigned i = 0; i < BLKFRONT_SLOTS; i++) {
		q->free_slots[q->nfree++] = (uint16_t)(BLKFRONT_SLOTS - 1 - i);
		q->inflight[i] = NULL;
		if (bf->max_indirect) {
			q->indirect[i] = page_alloc_zeroed();
			long ref = q->indirect[i] ? gnttab_grant_access(bf->dev.otherend_id,
									page_gfn(q->indirect[i]), true)
						  : -1;
			if (ref < 0)
				return -XEN_ENOSPC;
			q->indirect_ref[i] = (grant_ref_t)ref;
		}
	}
	return 0;
}

static long write_queue_keys(struct blkfront *bf, uint32_t tx, unsigned qi)
{
	struct blkfront_queue *q = &bf->q[qi];
	char key[48], pre[16] = "";
	long rc;
	if (bf->nqueues > 1)
		ksnprintf(pre, sizeof(pre), "queue-%u/", qi);
	unsigned npages = 1u << bf->ring_order;
	for (unsigned i = 0; i < npages; i++) {
		if (bf->ring_order == 0)
			ksnprintf(key, sizeof(key), "%sring-ref", pre);
		else
			ksnprintf(key, sizeof(key), "%sring-ref%u", pre, i);
		if ((rc = xenbus_dev_write_u64(&bf->dev, tx, key, q->ring_ref[i])) < 0)
			return rc;
	}
	ksnprintf(key, sizeof(key), "%sevent-channel", pre);
	return xenbus_dev_write_u64(&bf->dev, tx, key, q->port);
}

static long write_keys(uint32_t tx, void *arg)
{
	struct blkfront *bf = arg;
	long rc;
	if (bf->ring_order && (rc = xenbus_dev_write_u64(&bf->dev, tx, "ring-page-order",
							 bf->ring_order)) < 0)
		return rc;
	if (bf->nqueues > 1 && (rc = xenbus_dev_write_u64(&bf->dev, tx, "multi-queue-num-queues",
							  bf->nqueues)) < 0)
		return rc;
	for (unsigned i = 0; i < bf->nqueues; i++)
		if ((rc = write_queue_keys(bf, tx, i)) < 0)
			return rc;
	if ((rc = xenbus_dev_write(&bf->dev, tx, "protocol", XEN_IO_PROTO_ABI_NATIVE)) < 0 ||
	    (rc = xenbus_dev_write(&bf->dev, tx, "feature-persistent", bf->persistent ? "1" : "0")) < 0)
		return rc;
	return 0;
}

long blkfront_connect(struct blkfront *bf, uint32_t devid, const struct blkfront_opts *o,
		      uint64_t timeout_ns)
{
	static const struct blkfront_opts defaults = {.ring_order = -1};
	if (!o)
		o = &defaults;
	memset(bf, 0, sizeof(*bf));
	long rc = xenbus_dev_open(&bf->dev, "vbd", devid);
	if (rc < 0) {
		kprintf("blkfront: no device/vbd/%u (%ld)\n", devid, rc);
		return rc;
	}
	rc = xenbus_dev_wait_other(&bf->dev, backend_waiting, timeout_ns);
	if (rc < 0 || rc >= XenbusStateClosing) {
		kprintf("blkfront: backend %s never reached InitWait (%ld)\n", bf->dev.otherend, rc);
		return rc < 0 ? rc : -XEN_EIO;
	}
	unsigned maxq = (unsigned)other_u64(bf, "multi-queue-max-queues", 1);
	unsigned maxorder = (unsigned)other_u64(bf, "max-ring-page-order", 0);
	bf->nqueues = umin(umin(maxq ? maxq : 1, BLKFRONT_MAX_QUEUES), o->queues ? o->queues : 99);
	bf->ring_order = umin(maxorder, BLKFRONT_MAX_RING_ORDER);
	if (o->ring_order >= 0)
		bf->ring_order = umin(bf->ring_order, (unsigned)o->ring_order);
	bf->persistent = !o->no_persistent && other_u64(bf, "feature-persistent", 0);
	bf->max_indirect = o->no_indirect ? 0
			   : umin((unsigned)other_u64(bf, "feature-max-indirect-segments", 0),
				  BLKFRONT_MAX_SEGS);
	if (bf->max_indirect <= BLKIF_MAX_SEGMENTS_PER_REQUEST)
		bf->max_indirect = 0;
	bf->flush = other_u64(bf, "feature-flush-cache", 0);
	bf->barrier = other_u64(bf, "feature-barrier", 0);
	bf->discard = other_u64(bf, "feature-discard", 0);

	for (unsigned i = 0; i < bf->nqueues; i++)
		if ((rc = setup_queue(bf, i)) < 0) {
			kprintf("blkfront: cannot set up queue %u (%ld)\n", i, rc);
			return rc;
		}
	for (unsigned i = 0; i < BLKFRONT_POOL_PAGES; i++) {
		bf->pool[i] = page_alloc();
		long ref = bf->pool[i] ? gnttab_grant_access(bf->dev.otherend_id, page_gfn(bf->pool[i]),
							     false)
				       : -1;
		if (ref < 0) {
			kprintf("blkfront: cannot grant the data pool\n");
			return -XEN_ENOSPC;
		}
		bf->pool_ref[i] = (grant_ref_t)ref;
		bf->pool_free[bf->pool_nfree++] = (uint16_t)i;
	}
	rc = xenbus_transact(write_keys, bf, 5);
	if (rc < 0) {
		kprintf("blkfront: cannot write the ring keys (%ld)\n", rc);
		return rc;
	}
	xenbus_dev_switch_state(&bf->dev, XenbusStateInitialised);
	rc = xenbus_dev_wait_other(&bf->dev, backend_connected, timeout_ns);
	if (rc != XenbusStateConnected) {
		char err[128] = "";
		xenbus_dev_read_other(&bf->dev, "error", err, sizeof(err));
		kprintf("blkfront: backend %s did not connect (%ld) %s\n", bf->dev.otherend, rc, err);
		return rc < 0 ? rc : -XEN_EIO;
	}
	bf->sectors = other_u64(bf, "sectors", 0);
	bf->sector_size = (unsigned)other_u64(bf, "sector-size", 512);
	bf->info = (unsigned)other_u64(bf, "info", 0);
	bf->readonly = bf->info & VDISK_READONLY;
	xenbus_dev_switch_state(&bf->dev, XenbusStateConnected);
	return 0;
}

static unsigned segs_for(const struct blk_req *r)
{
	return (r->nsectors + SECT_PER_PAGE - 1) / SECT_PER_PAGE;
}

/* The kept grant of the page at gfn, granting it now if there is room;
 * -1 when there is none. */
static long zc_ref(struct blkfront *bf, uint64_t gfn)
{
	unsigned h = (unsigned)(gfn * 2654435761u) & (BLKFRONT_ZC_HASH - 1);
	for (unsigned n = 0; n < BLKFRONT_ZC_HASH; n++, h = (h + 1) & (BLKFRONT_ZC_HASH - 1)) {
		if (bf->zc_key[h] == gfn + 1)
			return bf->zc_ref[h];
		if (!bf->zc_key[h])
			break;
	}
	if (bf->zc_used >= BLKFRONT_ZC_PAGES || bf->zc_key[h])
		return -1;
	long ref = gnttab_grant_access(bf->dev.otherend_id, gfn, false);
	if (ref < 0)
		return -1;
	bf->zc_key[h] = gfn + 1;
	bf->zc_ref[h] = (grant_ref_t)ref;
	bf->zc_used++;
	return ref;
}

/* Every page of a page-aligned buffer granted in place into refs; false
 * (nothing taken) when the buffer is unaligned or the cache is full. */
static bool in_place(struct blkfront *bf, const struct blk_req *r, unsigned nsegs,
		     grant_ref_t *refs)
{
	if ((uintptr_t)r->buf & (PAGE_SIZE - 1))
		return false;
	for (unsigned i = 0; i < nsegs; i++) {
		long ref = zc_ref(bf, page_gfn((const uint8_t *)r->buf + (size_t)i * PAGE_SIZE));
		if (ref < 0)
			return false;
		refs[i] = (grant_ref_t)ref;
	}
	return true;
}

long blkfront_submit(struct blkfront *bf, struct blk_req *r)
{
	bool data = r->op == BLKIF_OP_READ || r->op == BLKIF_OP_WRITE ||
		    (r->op == BLKIF_OP_WRITE_BARRIER && r->nsectors);
	unsigned nsegs = data ? segs_for(r) : 0;
	if (data && (r->nsectors == 0 || nsegs > BLKFRONT_MAX_SEGS))
		return -XEN_EINVAL;
	bool indirect = nsegs > BLKIF_MAX_SEGMENTS_PER_REQUEST;
	if (indirect && (!bf->max_indirect || nsegs > bf->max_indirect ||
			 r->op == BLKIF_OP_WRITE_BARRIER))
		return -XEN_EINVAL;
	unsigned qi = bf->next_queue;
	struct blkfront_queue *q = &bf->q[qi];
	if (!q->nfree || RING_FULL(&q->ring))
		return -XEN_EAGAIN;
	grant_ref_t refs[BLKFRONT_MAX_SEGS];
	bool zc = nsegs && in_place(bf, r, nsegs, refs);
	if (!zc && bf->pool_nfree < nsegs)
		return -XEN_EAGAIN;
	bf->next_queue = (qi + 1) % bf->nqueues;
	unsigned slot = q->free_slots[--q->nfree];
	q->gen[slot]++;
	q->inflight[slot] = r;
	q->npages[slot] = zc ? 0 : nsegs;
	q->in_place[slot] = zc;
	if (zc)
		bf->zc_requests++;
	else if (nsegs)
		bf->copied_requests++;
	r->queue = qi;
	r->slot = slot;
	r->done = false;

	blkif_request_t *req = RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt);
	uint64_t id = make_id(q->gen[slot], qi, slot);
	if (r->op == BLKIF_OP_DISCARD) {
		blkif_request_discard_t *d = (blkif_request_discard_t *)req;
		d->operation = BLKIF_OP_DISCARD;
		d->flag = 0;
		d->handle = (blkif_vdev_t)bf->dev.devid;
		d->id = id;
		d->sector_number = r->sector;
		d->nr_sectors = r->nsectors;
		q->ring.req_prod_pvt++;
		bf->queued |= 1u << qi;
		bf->busy[qi]++;
		return 0;
	}
	struct blkif_request_segment *segs = req->seg;
	if (indirect) {
		blkif_request_indirect_t *ind = (blkif_request_indirect_t *)req;
		ind->operation = BLKIF_OP_INDIRECT;
		ind->indirect_op = r->op;
		ind->nr_segments = (uint16_t)nsegs;
		ind->id = id;
		ind->sector_number = r->sector;
		ind->handle = (blkif_vdev_t)bf->dev.devid;
		ind->indirect_grefs[0] = q->indirect_ref[slot];
		segs = q->indirect[slot];
	} else {
		req->operation = r->op;
		req->nr_segments = (uint8_t)nsegs;
		req->handle = (blkif_vdev_t)bf->dev.devid;
		req->id = id;
		req->sector_number = r->sector;
	}
	for (unsigned i = 0; i < nsegs; i++) {
		unsigned first = i * SECT_PER_PAGE;
		unsigned n = umin(SECT_PER_PAGE, r->nsectors - first);
		segs[i].first_sect = 0;
		segs[i].last_sect = (uint8_t)(n - 1);
		if (zc) {
			segs[i].gref = refs[i];
			continue;
		}
		uint16_t p = bf->pool_free[--bf->pool_nfree];
		q->pages[slot][i] = p;
		segs[i].gref = bf->pool_ref[p];
		if (r->op != BLKIF_OP_READ)
			copy_sectors(bf->pool[p], (uint8_t *)r->buf + (size_t)first * 512, n);
	}
	q->ring.req_prod_pvt++;
	bf->queued |= 1u << qi;
	bf->busy[qi]++;
	return 0;
}

/* Only the queues that were given requests: on PVM each instruction the
 * guest kernel runs is emulated, so the idle queues are not visited. */
void blkfront_kick(struct blkfront *bf)
{
	while (bf->queued) {
		unsigned i = (unsigned)__builtin_ctz(bf->queued);
		bf->queued &= bf->queued - 1;
		int notify;
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&bf->q[i].ring, notify);
		if (notify)
			evtchn_send(bf->q[i].port);
	}
}

static void finish(struct blkfront *bf, struct blkfront_queue *q, unsigned slot, int16_t status)
{
	struct blk_req *r = q->inflight[slot];
	q->inflight[slot] = NULL;
	for (unsigned i = 0; i < q->npages[slot]; i++) {
		uint16_t p = q->pages[slot][i];
		if (r->op == BLKIF_OP_READ && status == BLKIF_RSP_OKAY) {
			unsigned first = i * SECT_PER_PAGE;
			unsigned n = umin(SECT_PER_PAGE, r->nsectors - first);
			copy_sectors((uint8_t *)r->buf + (size_t)first * 512, bf->pool[p], n);
		}
		bf->pool_free[bf->pool_nfree++] = p;
	}
	q->npages[slot] = 0;
	q->free_slots[q->nfree++] = (uint16_t)slot;
	bf->busy[q - bf->q]--;
	r->status = status;
	barrier();
	r->done = true;
	if (r->on_done)
		r->on_done(r);
}

unsigned blkfront_poll(struct blkfront *bf)
{
	unsigned done = 0;
	for (unsigned qi = 0; qi < bf->nqueues; qi++) {
		struct blkfront_queue *q = &bf->q[qi];
		if (!bf->busy[qi])
			continue;
		int more;
		do {
			RING_IDX rp = q->ring.sring->rsp_prod;
			xen_rmb();
			for (RING_IDX i = q->ring.rsp_cons; i != rp; i++) {
				blkif_response_t rsp = *RING_GET_RESPONSE(&q->ring, i);
				unsigned slot = rsp.id & 0xffff, rq = (rsp.id >> 16) & 0xffff;
				uint32_t gen = (uint32_t)(rsp.id >> 32);
				if (rq != qi || slot >= BLKFRONT_SLOTS || !q->inflight[slot] ||
				    q->gen[slot] != gen) {
					bf->stale_responses++;
					continue;
				}
				finish(bf, q, slot, rsp.status);
				done++;
			}
			q->ring.rsp_cons = rp;
			/* Ask for an event only once a quarter of what is in
			 * flight has been answered, not for every response: each
			 * upcall is many emulated instructions on PVM. Waiters
			 * time out and poll, so the last few are not stranded. */
			unsigned want = bf->busy[qi] / 4;
			q->ring.sring->rsp_event = rp + (want ? want : 1);
			xen_mb();
			more = RING_HAS_UNCONSUMED_RESPONSES(&q->ring);
		} while (more);
	}
	return done;
}

void blkfront_wait(struct blkfront *bf, uint64_t timeout_ns)
{
	/* An event that came since the last poll is still pending: the
	 * upcall it raises ends the block at once, so none is missed. */
	(void)bf;
	block_until(time_now() + timeout_ns);
}

unsigned blkfront_inflight(struct blkfront *bf)
{
	unsigned n = 0;
	for (unsigned i = 0; i < bf->nqueues; i++)
		n += BLKFRONT_SLOTS - bf->q[i].nfree;
	return n;
}

long blkfront_io(struct blkfront *bf, struct blk_req *r, uint64_t timeout_ns)
{
	uint64_t deadline = time_now() + timeout_ns;
	long rc;
	while ((rc = blkfront_submit(bf, r)) == -XEN_EAGAIN) {
		blkfront_poll(bf);
		if (time_now() >= deadline)
			return -XEN_ETIMEDOUT;
		blkfront_wait(bf, 1000000);
	}
	if (rc < 0)
		return rc;
	blkfront_kick(bf);
	while (!r->done) {
		if (blkfront_poll(bf))
			continue;
		if (time_now() >= deadline)
			return -XEN_ETIMEDOUT;
		blkfront_wait(bf, 10000000);
	}
	return r->status;
}

long blkfront_close(struct blkfront *bf, uint64_t timeout_ns)
{
	xenbus_dev_switch_state(&bf->dev, XenbusStateClosing);
	long rc = xenbus_dev_wait_other(&bf->dev, backend_closed, timeout_ns);
	xenbus_dev_switch_state(&bf->dev, XenbusStateClosed);
	return rc < 0 ? rc : 0;
}

blkif_request_t *blkfront_raw_request(struct blkfront *bf)
{
	struct blkfront_queue *q = &bf->q[0];
	if (RING_FULL(&q->ring))
		return NULL;
	blkif_request_t *req = RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt);
	memset(req, 0, sizeof(*req));
	return req;
}

void blkfront_raw_push(struct blkfront *bf)
{
	struct blkfront_queue *q = &bf->q[0];
	q->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS(&q->ring);
	evtchn_send(q->port);
}

bool blkfront_raw_response(struct blkfront *bf, blkif_response_t *out, uint64_t timeout_ns)
{
	struct blkfront_queue *q = &bf->q[0];
	uint64_t deadline = time_now() + timeout_ns;
	for (;;) {
		RING_IDX rp = q->ring.sring->rsp_prod;
		xen_rmb();
		if (q->ring.rsp_cons != rp) {
			*out = *RING_GET_RESPONSE(&q->ring, q->ring.rsp_cons);
			q->ring.rsp_cons++;
			return true;
		}
		if (time_now() >= deadline)
			return false;
		blkfront_wait(bf, 10000000);
	}
}
