/*
 * The guest's blkfront (io/blkif.h): one vbd, negotiated with the backend
 * as Linux's blkfront does: several queues (multi-queue-num-queues, each
 * its own ring and event channel), multi-page rings (ring-page-order),
 * persistent grants (a pool of data pages granted once; data is copied
 * through them) and indirect descriptors for requests of more than
 * BLKIF_MAX_SEGMENTS_PER_REQUEST pages.
 *
 * A page-aligned buffer is granted to the backend in place (and stays
 * granted for the device's life, see BLKFRONT_ZC_PAGES); others are
 * copied through the pool.
 *
 * Requests are asynchronous: blkfront_submit queues one (many may be in
 * flight, on every queue), blkfront_poll reaps responses, which may come
 * in any order, and marks each request done with its status. The rings
 * are polled; the event channels only wake a blocked vCPU. xenbus is
 * used to connect, so vCPU 0 only.
 */
#ifndef FRONTENDS_KERNEL_BLKFRONT_H
#define FRONTENDS_KERNEL_BLKFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/xenbus_dev.h"
#include "kernel/xen_ring.h"
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

#define BLKFRONT_MAX_QUEUES 4
#define BLKFRONT_MAX_RING_ORDER 2
#define BLKFRONT_MAX_RING_PAGES (1u << BLKFRONT_MAX_RING_ORDER)
/* Requests in flight per queue (the ring may hold more). */
#define BLKFRONT_SLOTS 64
/* The largest request: 32 pages (128 KiB), indirect past 11. */
#define BLKFRONT_MAX_SEGS 32
/* Data pages granted for the life of the device, for buffers that are
 * not page-aligned (their data is copied through them). */
#define BLKFRONT_POOL_PAGES 256
/* Page-aligned buffers are granted in place, each page once, and the
 * grant kept (the backend keeps it mapped too: feature-persistent), so
 * no data is copied; this many pages at most, then the pool. Copies are
 * what a request costs most where guest instructions are emulated. */
#define BLKFRONT_ZC_PAGES 768
#define BLKFRONT_ZC_HASH 2048

struct blkfront;

struct blk_req {
	uint8_t op;          /* BLKIF_OP_READ, WRITE, WRITE_BARRIER, FLUSH_DISKCACHE, DISCARD */
	uint64_t sector;
	uint32_t nsectors;   /* read/write: 1 .. BLKFRONT_MAX_SEGS * 8 */
	void *buf;           /* read/write: nsectors * 512 bytes, any alignment */
	volatile bool done;
	volatile int16_t status; /* BLKIF_RSP_* once done */
	/* Called (from blkfront_poll) once done, when set. */
	void (*on_done)(struct blk_req *r);
	void *arg;
	/* blkfront's */
	unsigned queue, slot;
};

struct blkfront_queue {
	blkif_front_ring_t ring;
	void *ring_mem;
	grant_ref_t ring_ref[BLKFRONT_MAX_RING_PAGES];
	evtchn_port_t port;
	struct blk_req *inflight[BLKFRONT_SLOTS];
	uint16_t pages[BLKFRONT_SLOTS][BLKFRONT_MAX_SEGS]; /* pool indices */
	unsigned npages[BLKFRONT_SLOTS];   /* pool pages the slot holds */
	bool in_place[BLKFRONT_SLOTS];     /* data granted in place: nothing to copy */
	void *indirect[BLKFRONT_SLOTS];
	grant_ref_t indirect_ref[BLKFRONT_SLOTS];
	uint16_t free_slots[BLKFRONT_SLOTS];
	unsigned nfree;
	uint32_t gen[BLKFRONT_SLOTS];
};

struct blkfront {
	struct xenbus_dev dev;
	uint64_t sectors;
	unsigned sector_size;
	unsigned info;
	bool readonly;
	/* What was negotiated. */
	unsigned nqueues, ring_order, max_indirect;
	bool persistent, flush, barrier, discard;
	struct blkfront_queue q[BLKFRONT_MAX_QUEUES];
	void *pool[BLKFRONT_POOL_PAGES];
	grant_ref_t pool_ref[BLKFRONT_POOL_PAGES];
	uint16_t pool_free[BLKFRONT_POOL_PAGES];
	unsigned pool_nfree;
	unsigned next_queue;
	uint32_t queued;   /* queues with requests not yet pushed (bits) */
	unsigned busy[BLKFRONT_MAX_QUEUES]; /* requests in flight per queue */
	uint64_t zc_key[BLKFRONT_ZC_HASH]; /* gfn + 1; 0: free */
	grant_ref_t zc_ref[BLKFRONT_ZC_HASH];
	unsigned zc_used;
	uint64_t zc_requests, copied_requests;
	volatile uint32_t events;
	uint64_t stale_responses;
};

/* What to ask for; zero fields take the most the backend offers (within
 * this driver's limits). */
struct blkfront_opts {
	unsigned queues;       /* 0: as many as offered */
	int ring_order;        /* -1: as large as offered */
	bool no_persistent, no_indirect;
};

/* Connects device/vbd/<devid> and waits (timeout_ns) for the backend to
 * be Connected. 0, or a negative XEN_E* value with a reason printed. */
long blkfront_connect(struct blkfront *bf, uint32_t devid, const struct blkfront_opts *o,
		      uint64_t timeout_ns);

/* Queues r (not yet visible to the backend: blkfront_kick); -XEN_EAGAIN
 * when no slot or pool page is free (poll, then retry), -XEN_EINVAL for
 * a request this driver cannot express. */
long blkfront_submit(struct blkfront *bf, struct blk_req *r);
void blkfront_kick(struct blkfront *bf);

/* Reaps responses (copying read data out); the number completed. */
unsigned blkfront_poll(struct blkfront *bf);
/* Blocks until an event channel fires or timeout_ns passes. */
void blkfront_wait(struct blkfront *bf, uint64_t timeout_ns);
/* Submits, kicks and waits for r; its status, or -XEN_ETIMEDOUT. */
long blkfront_io(struct blkfront *bf, struct blk_req *r, uint64_t timeout_ns);
/* Requests in flight. */
unsigned blkfront_inflight(struct blkfront *bf);

/* Closes the device (Closing, then Closed once the backend is). */
long blkfront_close(struct blkfront *bf, uint64_t timeout_ns);

/* For the hostile test: the next free request slot of queue 0's ring
 * (filled in by the caller, id included), then published as is. */
blkif_request_t *blkfront_raw_request(struct blkfront *bf);
void blkfront_raw_push(struct blkfront *bf);
/* The next raw response of queue 0, waiting up to timeout_ns; false on
 * timeout. */
bool blkfront_raw_response(struct blkfront *bf, blkif_response_t *out, uint64_t timeout_ns);

#endif
