/*
 * The two I/O engines. Raw files and block devices go through io_uring
 * (one ring per daemon, its eventfd polled by the loop): reads and writes
 * are one readv/writev over the request's pages, flushes fdatasync.
 * Everything the storage library serves (VHD, LVM without
 * device-mapper) and discards run on libuv's thread pool, since the
 * library is synchronous and thread-safe. Either way the request ends in
 * bb_req_complete on the loop thread.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backends/blkback/blkback.h"

#define URING_DEPTH 256

struct bb_io {
    struct io_uring ring;
    bool ok;
    int efd;
    uv_poll_t poll;
    unsigned queued;
};

static size_t req_bytes(const struct bb_req *q)
{
    return (size_t)q->nr_sectors * 512;
}

/* Finishes a short transfer synchronously: rare (a signal, the end of a
 * file that shrank), and simpler than resubmitting. */
static int finish_sync(struct bb_req *q, size_t done)
{
    struct bb_vbd *v = q->ring->vbd;
    uint64_t off = q->sector * 512;
    size_t skip = done;
    for (unsigned i = 0; i < q->nsegs; i++) {
        size_t len = q->iov[i].iov_len;
        uint8_t *base = q->iov[i].iov_base;
        if (skip >= len) {
            skip -= len;
            off += len;
            continue;
        }
        base += skip;
        off += skip;
        len -= skip;
        skip = 0;
        while (len) {
            ssize_t n = q->io_op == BLKIF_OP_READ ? pread(v->fd, base, len, (off_t)off)
                                                  : pwrite(v->fd, base, len, (off_t)off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return -1;
            base += n;
            off += (uint64_t)n;
            len -= (size_t)n;
        }
    }
    return 0;
}

/* --- the thread pool --- */

static int pool_rw(struct bb_req *q)
{
    struct bb_vbd *v = q->ring->vbd;
    uint64_t off = q->sector * 512;
    if (!v->disk)
        return finish_sync(q, 0);
    for (unsigned i = 0; i < q->nsegs; i++) {
        int rc = q->io_op == BLKIF_OP_READ
                     ? xns_read(v->disk, q->iov[i].iov_base, q->iov[i].iov_len, off)
                     : xns_write(v->disk, q->iov[i].iov_base, q->iov[i].iov_len, off);
        if (rc < 0)
            return rc;
        off += q->iov[i].iov_len;
    }
    return 0;
}

static int pool_flush(struct bb_vbd *v)
{
    return v->disk ? xns_flush(v->disk) : fdatasync(v->fd);
}

static int pool_discard(struct bb_vbd *v, uint64_t off, uint64_t len)
{
    if (v->disk)
        return xns_discard(v->disk, off, len);
    if (v->is_blockdev) {
        uint64_t range[2] = {off, len};
        /* A device that cannot discard has still been asked politely. */
        if (ioctl(v->fd, BLKDISCARD, range) < 0 && errno != EOPNOTSUPP)
            return -errno;
        return 0;
    }
    if (fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) < 0 &&
        errno != EOPNOTSUPP)
        return -errno;
    return 0;
}

static void pool_work(uv_work_t *w)
{
    struct bb_req *q = w->data;
    struct bb_vbd *v = q->ring->vbd;
    int rc = 0;
    switch (q->io_op) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        rc = pool_rw(q);
        if (rc == 0 && q->barrier)
            rc = pool_flush(v);
        break;
    case BLKIF_OP_FLUSH_DISKCACHE:
        rc = pool_flush(v);
        break;
    case BLKIF_OP_DISCARD:
        rc = pool_discard(v, q->sector * 512, q->nr_sectors * 512);
        break;
    default:
        rc = -EINVAL;
    }
    if (rc < 0 && v->disk)
        bb_log("vbd %u/%u: %s", v->domid, v->devid, xns_strerror());
    q->status = rc < 0 ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
}

static void pool_done(uv_work_t *w, int status)
{
    struct bb_req *q = w->data;
    bb_req_finished(q, status == 0 ? q->status : BLKIF_RSP_ERROR);
}

static void pool_submit(struct bb_ctx *c, struct bb_req *q)
{
    q->work.data = q;
    if (uv_queue_work(c->loop, &q->work, pool_work, pool_done) < 0)
        bb_req_complete(q, BLKIF_RSP_ERROR);
}

/* --- io_uring --- */

static void uring_reap(struct bb_io *io);

static struct io_uring_sqe *get_sqe(struct bb_io *io)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);
    if (!sqe) {
        io_uring_submit(&io->ring);
        io->queued = 0;
        sqe = io_uring_get_sqe(&io->ring);
    }
    return sqe;
}

static void uring_start(struct bb_io *io, struct bb_req *q)
{
    struct bb_vbd *v = q->ring->vbd;
    struct io_uring_sqe *sqe = get_sqe(io);
    if (!sqe) {
        bb_req_complete(q, BLKIF_RSP_ERROR);
        return;
    }
    if (q->io_op == BLKIF_OP_FLUSH_DISKCACHE || q->stage == 1)
        io_uring_prep_fsync(sqe, v->fd, IORING_FSYNC_DATASYNC);
    else if (q->io_op == BLKIF_OP_READ)
        io_uring_prep_readv(sqe, v->fd, q->iov, q->nsegs, q->sector * 512);
    else
        io_uring_prep_writev(sqe, v->fd, q->iov, q->nsegs, q->sector * 512);
    io_uring_sqe_set_data(sqe, q);
    io->queued++;
}

static void uring_cqe(struct bb_io *io, struct bb_req *q, int res)
{
    if (res < 0) {
        bb_req_complete(q, BLKIF_RSP_ERROR);
        return;
    }
    bool is_rw = q->stage == 0 && (q->io_op == BLKIF_OP_READ || q->io_op == BLKIF_OP_WRITE);
    if (is_rw && (size_t)res < req_bytes(q) && finish_sync(q, (size_t)res) < 0) {
        bb_req_complete(q, BLKIF_RSP_ERROR);
        return;
    }
    if (is_rw && q->barrier) {
        q->stage = 1;
        uring_start(io, q);
        return;
    }
    bb_req_finished(q, BLKIF_RSP_OKAY);
}

static void uring_reap(struct bb_io *io)
{
    struct io_uring_cqe *cqe;
    while (io_uring_peek_cqe(&io->ring, &cqe) == 0) {
        struct bb_req *q = io_uring_cqe_get_data(cqe);
        int res = cqe->res;
        io_uring_cqe_seen(&io->ring, cqe);
        if (q)
            uring_cqe(io, q, res);
    }
}

static void on_efd(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    struct bb_ctx *c = h->data;
    uint64_t n;
    if (read(c->io->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        return;
    uring_reap(c->io);
    bb_io_flush(c);
}

struct bb_io *bb_io_open(uv_loop_t *loop)
{
    struct bb_io *io = calloc(1, sizeof(*io));
    if (!io)
        return NULL;
    io->efd = -1;
    int rc = io_uring_queue_init(URING_DEPTH, &io->ring, 0);
    if (rc < 0) {
        bb_log("io_uring unavailable (%s); using the thread pool", strerror(-rc));
        return io;
    }
    io->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (io->efd < 0 || io_uring_register_eventfd(&io->ring, io->efd) < 0) {
        bb_log("io_uring eventfd: %s; using the thread pool", strerror(errno));
        io_uring_queue_exit(&io->ring);
        if (io->efd >= 0)
            close(io->efd);
        io->efd = -1;
        return io;
    }
    io->ok = true;
    uv_poll_init(loop, &io->poll, io->efd);
    return io;
}

void bb_io_start(struct bb_ctx *c)
{
    if (c->io && c->io->ok) {
        c->io->poll.data = c;
        uv_poll_start(&c->io->poll, UV_READABLE, on_efd);
    }
}

bool bb_io_uring_ok(struct bb_ctx *c)
{
    return c->io && c->io->ok;
}

void bb_io_submit(struct bb_ctx *c, struct bb_req *q)
{
    struct bb_vbd *v = q->ring->vbd;
    q->stage = 0;
    if (v->use_uring && c->io->ok && q->io_op != BLKIF_OP_DISCARD)
        uring_start(c->io, q);
    else
        pool_submit(c, q);
}

void bb_io_flush(struct bb_ctx *c)
{
    if (c->io && c->io->ok && c->io->queued) {
        io_uring_submit(&c->io->ring);
        c->io->queued = 0;
    }
}
