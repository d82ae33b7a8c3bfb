/*
 * xenolith-blkback: serves vbd devices (io/blkif.h) from raw files and
 * block devices (io_uring) and from VHD images and LVM volumes (the
 * storage library, on libuv's thread pool).
 *
 *   main.c     daemon start-up, the event-channel poll, the xenbus ops
 *   xenbus.c   one device: its disk, feature keys, connect/disconnect
 *   ring.c     one queue's ring: copy, check, dispatch, respond
 *   grants.c   mapping a request's pages, with the persistent-grant cache
 *   io.c       the two I/O engines behind one submit interface
 *   journal.c  what survives a SIGKILL: each ring's in-flight requests
 *
 * Everything runs on the loop thread except the storage library's calls,
 * which run on the pool and report back through uv_queue_work's callback.
 */
#ifndef XENOLITH_BLKBACK_H
#define XENOLITH_BLKBACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <uv.h>

#include "backends/common/ring_barrier.h"
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/ring.h>

#include "backends/common/xenbus_backend.h"
#include "backends/storage/xnstorage.h"
#include "dom0/xenevtchn.h"
#include "dom0/xengnttab.h"

/* x86's page: the unit of grants and ring pages. */
#define BB_PAGE_SIZE 4096u

/* What we offer (the frontend may take less). */
#define BB_MAX_RING_ORDER 4
#define BB_MAX_RING_PAGES (1u << BB_MAX_RING_ORDER)
#define BB_MAX_QUEUES 4
#define BB_MAX_INDIRECT_SEGS 256
#define BB_SEGS_PER_INDIRECT_PAGE (BB_PAGE_SIZE / sizeof(struct blkif_request_segment))
#define BB_MAX_REQ_SEGS BB_MAX_INDIRECT_SEGS
/* Persistent grants kept mapped per queue (Linux's default is 1056). */
#define BB_MAX_PERSISTENT 1056
#define BB_SECT_PER_PAGE (BB_PAGE_SIZE / 512)

struct bb_ctx;
struct bb_vbd;
struct bb_ring;

/* One request in flight: its copy, its pages, its I/O. */
struct bb_req {
    struct bb_ring *ring;
    unsigned tag;              /* index into ring->reqs and the journal */
    bool busy;
    uint64_t id;
    uint8_t op;                /* BLKIF_OP_* as answered */
    uint8_t io_op;             /* READ/WRITE/FLUSH/DISCARD after unwrapping INDIRECT */
    bool barrier;
    uint64_t sector;
    uint64_t nr_sectors;
    unsigned nsegs;
    struct blkif_request_segment segs[BB_MAX_REQ_SEGS];
    void *pages[BB_MAX_REQ_SEGS];   /* mapped pages (persistent or not) */
    void *temp_addr;                 /* pages mapped for this request only */
    unsigned temp_count;
    struct iovec iov[BB_MAX_REQ_SEGS];
    int16_t status;
    size_t done_bytes;
    int stage;                 /* a barrier: 0 writing, 1 syncing */
    uv_work_t work;            /* the pool engine's */
};

/* Persistent grants: a hash from gref to page, and the batches they
 * were mapped in (unmapped whole when the ring goes). */
#define BB_PGRANT_HASH 4096
struct bb_pgrant {
    grant_ref_t gref;
    void *page;
};
struct bb_pbatch {
    void *addr;
    unsigned count;
    struct bb_pbatch *next;
};

struct bb_ring {
    struct bb_vbd *vbd;
    unsigned idx;
    bool live;
    evtchn_port_t port;         /* our local port */
    unsigned npages;
    void *sring_mem;
    blkif_back_ring_t ring;
    unsigned size;              /* RING_SIZE */
    unsigned inflight;
    bool draining;              /* a barrier waits for in-flight requests */
    struct bb_req *pending_barrier;
    bool kick_pending;
    struct bb_req *reqs;        /* size entries */
    unsigned *free_tags;
    unsigned nfree;
    struct bb_pgrant *pgrants;  /* persistent grants, BB_PGRANT_HASH slots */
    unsigned npgrants;
    struct bb_pbatch *pbatches;
    struct bb_journal *journal;
    /* Counters for the log and tests. */
    uint64_t nreq, nerr;
};

struct bb_vbd {
    struct bb_ctx *ctx;
    struct xbb_dev *dev;        /* NULL once xenbus has let the device go */
    uint32_t domid, devid;
    char target[512];
    bool readonly, cdrom, discard;
    bool use_uring;
    int fd;                     /* the uring engine's */
    bool is_blockdev;
    struct xns_disk *disk;      /* the pool engine's */
    uint64_t sectors;
    unsigned nrings;
    struct bb_ring rings[BB_MAX_QUEUES];
    bool persistent;
    unsigned refs;              /* rings' in-flight + 1 while attached */
    bool removed;
};

struct bb_ctx {
    uv_loop_t *loop;
    const char *rundir;
    struct xbb *xbb;
    xenevtchn_handle *xce;
    uv_poll_t evtchn_poll;
    xengnttab_handle *xgt;
    struct bb_ring *by_port[DOM0_EVTCHN_PORTS];
    struct bb_io *io;
    uint64_t missed_events;
};

/* xenbus.c */
extern const struct xbb_ops bb_vbd_ops;
/* A ring finished its last request after a disconnect. */
void bb_vbd_ring_idle(struct bb_vbd *v);

/* ring.c */
int bb_ring_connect(struct bb_vbd *v, unsigned idx, const char *dir, unsigned order,
                    bool reconnect);
void bb_ring_disconnect(struct bb_ring *r);
void bb_ring_kick(struct bb_ring *r);
void bb_req_complete(struct bb_req *q, int16_t status);
/* What the engines call: bb_req_complete, unless the test knob
 * XENOLITH_BLKBACK_STALL_MS holds every finished request that long
 * first (so a test can kill the daemon with requests in flight). */
void bb_req_finished(struct bb_req *q, int16_t status);

/* grants.c */
int bb_grants_map(struct bb_req *q, bool writable_pages);
void bb_grants_release(struct bb_req *q);
void bb_grants_flush(struct bb_ring *r);

/* io.c */
struct bb_io *bb_io_open(uv_loop_t *loop);
/* Polls the engine's completions in the loop (after the ctx is set up). */
void bb_io_start(struct bb_ctx *c);
bool bb_io_uring_ok(struct bb_ctx *c);
/* Starts q's I/O; bb_req_complete follows (perhaps at once). */
void bb_io_submit(struct bb_ctx *c, struct bb_req *q);
/* Hands queued submissions to the kernel. */
void bb_io_flush(struct bb_ctx *c);

/* journal.c: per ring, a small file in <rundir>/blkback/ that holds the
 * ring's response count, request consumer and a copy of every request in
 * flight, so a restarted daemon answers each request exactly once. */
struct bb_journal;
struct bb_journal *bb_journal_open(const char *rundir, uint32_t domid, uint32_t devid,
                                   unsigned ring, unsigned size, bool keep);
void bb_journal_close(struct bb_journal *j, bool remove);
void bb_journal_take(struct bb_journal *j, unsigned tag, RING_IDX idx, const blkif_request_t *req);
void bb_journal_consumed(struct bb_journal *j, RING_IDX req_cons);
void bb_journal_done(struct bb_journal *j, unsigned tag, RING_IDX rsp_pvt);
/* After a restart: the journal's view of the ring; false when it has
 * none (a fresh ring). */
bool bb_journal_state(struct bb_journal *j, RING_IDX *rsp_pvt, RING_IDX *req_cons);
/* The requests in flight when the last daemon died; fn for each. */
void bb_journal_each(struct bb_journal *j, RING_IDX req_cons,
                     void (*fn)(void *arg, const blkif_request_t *req), void *arg);

/* main.c: a line in the daemon's log, "date time xenolith-blkback: ...";
 * callable from the I/O threads. */
void bb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
