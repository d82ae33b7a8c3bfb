/*
 * A guest's memory file as a Dom0 program sees it: mapped whole (address
 * space only; pages are touched as used), plus the vCPUs' irqfds. Both
 * the event-channel and the grant library stand on it.
 */
#ifndef XENOLITH_GUEST_MEMORY_H
#define XENOLITH_GUEST_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "dom0/evtchn_ctl.h"
#include "dom0/xenctl.h"

struct guest_memory {
    uint32_t domid;
    uint32_t generation; /* which incarnation of domid (include/privcmd_abi.h) */
    int fd;
    uint8_t *base;
    size_t size;        /* of the file: RAM, then the Xen area */
    uint64_t ram_size;
    uint64_t low_size;  /* RAM below the 4 GiB hole */
    uint32_t nr_vcpus;
    int *irqfd;         /* nr_vcpus of them, or NULL when not asked for */
    struct evtchn_ctl *ctl;
    uint64_t special_gpa;  /* the ring pages' guest address ... */
    uint8_t *special;      /* ... and where they are here */
    uint32_t special_pages;
};

/*
 * The guests a Dom0 library handle has opened, kept open while they live:
 * as many as the handle serves. An entry is one incarnation of a domid;
 * it goes when that guest is found gone (a newer generation asked for,
 * an unmap that says so, or the check of every entry made whenever a
 * guest not yet open is opened), so a destroyed guest's memory is let go
 * and a new guest that reuses the id is never served the old one's.
 */
struct guest_memory_cache {
    struct guest_memory **g;
    size_t n, cap;
};

void guest_memory_cache_init(struct guest_memory_cache *c);
/* The open memory of domid's incarnation `generation`, opening it on
 * first use; NULL when that incarnation is gone or cannot be opened. */
struct guest_memory *guest_memory_cached(struct guest_memory_cache *c, xenctl *xc, uint32_t domid,
                                         uint32_t generation, int want_irqfds);
/* Lets go of domid's memory unless it is incarnation `generation` (0: none
 * is alive). Mappings made from it stay valid. */
void guest_memory_cache_forget(struct guest_memory_cache *c, uint32_t domid, uint32_t generation);
void guest_memory_cache_close(struct guest_memory_cache *c);

/* This process's view of guest frame gfn (RAM or special page), or NULL. */
void *guest_memory_frame(const struct guest_memory *gm, uint64_t gfn);

/* 0 or -errno (message in xenctl_error). */
int guest_memory_open(xenctl *xc, uint32_t domid, int want_irqfds, struct guest_memory *gm);
void guest_memory_close(struct guest_memory *gm);

/* Delivers an event to guest port `port` the way xenolithd would:
 * pending bits in the guest's shared_info and vcpu_info, then the
 * vCPU's irqfd. No trip through xenolithd. */
void guest_memory_notify(struct guest_memory *gm, uint32_t port);

#endif
