/*
 * The ring journal: a file per ring in <rundir>/blkback/, mapped shared,
 * so what it holds survives a SIGKILL in the page cache. Its order of
 * updates is what makes a restart answer each request exactly once:
 *
 *   take:     copy the request in (state IN_FLIGHT, its ring index),
 *             then advance req_cons. A death between the two leaves an
 *             entry at an index >= req_cons: ignored, the ring still
 *             holds that request (its slot is at or past rsp_pvt).
 *   done:     the response is written into the ring first, then the
 *             entry is freed and rsp_pvt advanced, then rsp_prod is
 *             pushed. A death before the entry is freed re-runs the
 *             request, and the response it had written was never
 *             counted, so the guest sees one response; a death after it
 *             finds rsp_pvt ahead of rsp_prod and pushes the rest.
 *
 * Requests are kept here because a response slot may overwrite a
 * request that is still in flight (responses go out in any order).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/blkback/blkback.h"
#include "dom0/rundir.h"

#define JOURNAL_MAGIC 0x4a4b4c42u /* "BLKJ" */

enum { ENTRY_FREE = 0, ENTRY_IN_FLIGHT = 1 };

struct jentry {
    uint32_t state;
    RING_IDX idx;
    blkif_request_t req;
};

struct jhead {
    uint32_t magic;
    uint32_t size;
    RING_IDX rsp_pvt;
    RING_IDX req_cons;
    uint32_t valid;
    uint32_t pad;
    struct jentry e[];
};

struct bb_journal {
    char path[512];
    struct jhead *h;
    size_t len;
    bool had_state;
};

struct bb_journal *bb_journal_open(const char *rundir, uint32_t domid, uint32_t devid,
                                   unsigned ring, unsigned size, bool keep)
{
    struct bb_journal *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    char dir[RUNDIR_MAX + 16];
    snprintf(dir, sizeof(dir), "%s/blkback", rundir);
    char why[1200];
    if (rundir_prepare(dir, 0700, why, sizeof(why)) < 0) {
        bb_log("%s", why);
        free(j);
        return NULL;
    }
    snprintf(j->path, sizeof(j->path), "%s/ring-%u-%u-%u", dir, domid, devid, ring);
    j->len = sizeof(struct jhead) + (size_t)size * sizeof(struct jentry);
    int fd = open(j->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)j->len) < 0) {
        if (fd >= 0)
            close(fd);
        free(j);
        return NULL;
    }
    j->h = mmap(NULL, j->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (j->h == MAP_FAILED) {
        free(j);
        return NULL;
    }
    if (keep && j->h->magic == JOURNAL_MAGIC && j->h->size == size && j->h->valid) {
        j->had_state = true;
    } else {
        memset(j->h, 0, j->len);
        j->h->magic = JOURNAL_MAGIC;
        j->h->size = size;
    }
    return j;
}

void bb_journal_close(struct bb_journal *j, bool remove)
{
    if (!j)
        return;
    munmap(j->h, j->len);
    if (remove)
        unlink(j->path);
    free(j);
}

void bb_journal_take(struct bb_journal *j, unsigned tag, RING_IDX idx, const blkif_request_t *req)
{
    struct jentry *e = &j->h->e[tag];
    e->req = *req;
    e->idx = idx;
    __atomic_store_n(&e->state, ENTRY_IN_FLIGHT, __ATOMIC_RELEASE);
}

void bb_journal_consumed(struct bb_journal *j, RING_IDX req_cons)
{
    __atomic_store_n(&j->h->req_cons, req_cons, __ATOMIC_RELEASE);
    j->h->valid = 1;
}

void bb_journal_done(struct bb_journal *j, unsigned tag, RING_IDX rsp_pvt)
{
    __atomic_store_n(&j->h->e[tag].state, ENTRY_FREE, __ATOMIC_RELEASE);
    __atomic_store_n(&j->h->rsp_pvt, rsp_pvt, __ATOMIC_RELEASE);
    j->h->valid = 1;
}

bool bb_journal_state(struct bb_journal *j, RING_IDX *rsp_pvt, RING_IDX *req_cons)
{
    if (!j->had_state)
        return false;
    *rsp_pvt = j->h->rsp_pvt;
    *req_cons = j->h->req_cons;
    return true;
}

void bb_journal_each(struct bb_journal *j, RING_IDX req_cons,
                     void (*fn)(void *arg, const blkif_request_t *req), void *arg)
{
    /* Entries are taken out first: fn starts new entries in the same table. */
    unsigned n = j->h->size, count = 0;
    blkif_request_t *reqs = calloc(n ? n : 1, sizeof(*reqs));
    if (!reqs)
        return;
    for (unsigned i = 0; i < n; i++) {
        struct jentry *e = &j->h->e[i];
        if (e->state == ENTRY_IN_FLIGHT && (int32_t)(req_cons - e->idx) > 0)
            reqs[count++] = e->req;
        e->state = ENTRY_FREE;
    }
    for (unsigned i = 0; i < count; i++)
        fn(arg, &reqs[i]);
    free(reqs);
}
