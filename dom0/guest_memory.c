#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dom0/guest_memory.h"
#include "dom0/xenctl_call.h"

int guest_memory_open(xenctl *xc, uint32_t domid, int want_irqfds, struct guest_memory *gm)
{
    memset(gm, 0, sizeof(*gm));
    gm->fd = -1;
    struct privcmd_domid req = {.domid = domid};
    struct privcmd_domain_memory m;
    int fds[PRIVCMD_MAX_REPLY_FDS], nfds = 0;
    size_t got = 0;
    int rc = xenctl_call_fds(xc, PRIVCMD_OP_DOMAIN_MEMORY, &req, sizeof(req), NULL, 0, &m,
                             sizeof(m), &got, fds, PRIVCMD_MAX_REPLY_FDS, &nfds);
    if (rc)
        return rc;
    if (got != sizeof(m) || nfds != (int)m.nr_vcpus + 1) {
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        return -EPROTO;
    }
    gm->domid = domid;
    gm->generation = m.generation;
    gm->fd = fds[0];
    gm->size = m.file_size;
    gm->ram_size = m.ram_size;
    gm->nr_vcpus = m.nr_vcpus;
    gm->base = mmap(NULL, gm->size, PROT_READ | PROT_WRITE, MAP_SHARED, gm->fd, 0);
    if (gm->base == MAP_FAILED) {
        rc = -errno;
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        gm->base = NULL;
        return rc;
    }
    gm->ctl = (struct evtchn_ctl *)(gm->base + m.ram_size + 4096);
    gm->low_size = m.low_size;
    gm->special_gpa = m.special_gpa;
    gm->special_pages = m.special_pages;
    gm->special = m.special_off + (uint64_t)m.special_pages * 4096 <= m.file_size
        ? gm->base + m.special_off : NULL;
    if (want_irqfds) {
        gm->irqfd = malloc(m.nr_vcpus * sizeof(int));
        if (!gm->irqfd) {
            guest_memory_close(gm);
            for (int i = 1; i < nfds; i++)
                close(fds[i]);
            return -ENOMEM;
        }
        memcpy(gm->irqfd, fds + 1, m.nr_vcpus * sizeof(int));
    } else {
        for (int i = 1; i < nfds; i++)
            close(fds[i]);
    }
    return 0;
}

void guest_memory_close(struct guest_memory *gm)
{
    if (gm->base)
        munmap(gm->base, gm->size);
    if (gm->fd >= 0)
        close(gm->fd);
    for (uint32_t i = 0; gm->irqfd && i < gm->nr_vcpus; i++)
        close(gm->irqfd[i]);
    free(gm->irqfd);
    memset(gm, 0, sizeof(*gm));
    gm->fd = -1;
}

void *guest_memory_frame(const struct guest_memory *gm, uint64_t gfn)
{
    uint64_t gpa = gfn * 4096;
    if (gfn > (UINT64_MAX >> 12))
        return NULL;
    if (gpa < gm->low_size)
        return gm->base + gpa;
    if (gpa >= (1ull << 32) && gpa - (1ull << 32) < gm->ram_size - gm->low_size)
        return gm->base + gm->low_size + (gpa - (1ull << 32));
    if (gm->special && gpa >= gm->special_gpa && gpa < gm->special_gpa + gm->special_pages * 4096ull)
        return gm->special + (gpa - gm->special_gpa);
    return NULL;
}

void guest_memory_notify(struct guest_memory *gm, uint32_t port)
{
    if (port == 0 || port >= EVTCHN_2L_PORTS)
        return;
    struct evtchn_ctl *ctl = gm->ctl;
    bool raise = false;
    uint32_t vcpu, vector;
    /* Pending bits are idempotent, so a delivery that raced a move of
     * shared_info or vcpu_info simply goes again to the new place. */
    for (;;) {
        uint32_t seq = __atomic_load_n(&ctl->seq, __ATOMIC_ACQUIRE);
        if (seq & 1)
            continue;
        vcpu = ctl->notify_vcpu[port];
        if (vcpu >= gm->nr_vcpus)
            vcpu = 0;
        uint64_t si_off = ctl->shared_info_off, vi_off = ctl->vcpu[vcpu].vcpu_info_off;
        vector = ctl->vcpu[vcpu].vector;
        if (si_off + 4096 <= gm->size) {
            struct vcpu_info *vi = vi_off + sizeof(struct vcpu_info) <= gm->size
                ? (struct vcpu_info *)(gm->base + vi_off) : NULL;
            raise |= evtchn_2l_set_pending((struct shared_info *)(gm->base + si_off), vi, port);
        }
        if (__atomic_load_n(&ctl->seq, __ATOMIC_ACQUIRE) == seq)
            break;
    }
    /* Without a vector xenolithd raises the upcall when one is set. */
    if (raise && vector && gm->irqfd)
        (void)!write(gm->irqfd[vcpu], &(uint64_t){1}, sizeof(uint64_t));
}

void guest_memory_cache_init(struct guest_memory_cache *c)
{
    *c = (struct guest_memory_cache){0};
}

static void evict(struct guest_memory_cache *c, size_t i)
{
    guest_memory_close(c->g[i]);
    free(c->g[i]);
    c->g[i] = c->g[--c->n];
}

/* Lets go of every guest xenolithd no longer has as it was opened. */
static void sweep(struct guest_memory_cache *c, xenctl *xc)
{
    for (size_t i = 0; i < c->n;) {
        struct privcmd_dominfo info;
        int rc = xenctl_domain_info(xc, c->g[i]->domid, &info);
        if (rc == -ESRCH || (rc == 0 && info.generation != c->g[i]->generation))
            evict(c, i);
        else
            i++;
    }
}

struct guest_memory *guest_memory_cached(struct guest_memory_cache *c, xenctl *xc, uint32_t domid,
                                         uint32_t generation, int want_irqfds)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->g[i]->domid != domid)
            continue;
        if (c->g[i]->generation == generation)
            return c->g[i];
        /* Generations only grow: an older one asked for is a guest that
         * is gone; a newer one means the cached guest is. */
        if ((int32_t)(generation - c->g[i]->generation) < 0)
            return NULL;
        evict(c, i);
        break;
    }
    sweep(c, xc);
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct guest_memory **g = realloc(c->g, cap * sizeof(*g));
        if (!g)
            return NULL;
        c->g = g;
        c->cap = cap;
    }
    struct guest_memory *gm = malloc(sizeof(*gm));
    if (!gm)
        return NULL;
    if (guest_memory_open(xc, domid, want_irqfds, gm) < 0) {
        free(gm);
        return NULL;
    }
    if (gm->generation != generation) { /* gone since the caller learnt of it */
        guest_memory_close(gm);
        free(gm);
        return NULL;
    }
    c->g[c->n++] = gm;
    return gm;
}

void guest_memory_cache_forget(struct guest_memory_cache *c, uint32_t domid, uint32_t generation)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->g[i]->domid == domid && c->g[i]->generation != generation) {
            evict(c, i);
            return;
        }
}

void guest_memory_cache_close(struct guest_memory_cache *c)
{
    while (c->n)
        evict(c, c->n - 1);
    free(c->g);
    *c = (struct guest_memory_cache){0};
}
