/*
 * A domain: one KVM VM, its RAM, one thread per vCPU, and the Xen state
 * the hypercalls keep for it. Plain structures, so that a later save and
 * restore can walk them (issue: live migration).
 *
 * Threads: the daemon's event loop creates, loads, pauses and destroys
 * domains; each vCPU thread runs its vCPU and its hypercalls. `lock`
 * guards everything below it that both touch.
 */
#ifndef XENOLITH_DOMAIN_H
#define XENOLITH_DOMAIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "dom0/privcmd_wire.h"
#include "hypervisor/console_log.h"
#include "hypervisor/guest_ram.h"
#include "include/xen_public.h"

struct domain;

struct vcpu {
    struct domain *d;
    uint32_t id;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool started;
    int wake_fd;              /* eventfd that ends SCHEDOP_block */
    /* under d->lock: */
    bool online;
    bool parked;              /* not in KVM_RUN, waiting to be let go */
    bool blocked;             /* inside SCHEDOP_block */
    bool exited;
    uint64_t vcpu_info_gpa;   /* registered vcpu_info, 0 when not */
    uint64_t final_cpu_ns;    /* CPU time when the thread ended */
};

struct domain {
    uint32_t domid;
    char name[PRIVCMD_NAME_LEN];
    uint8_t uuid[16];
    uint32_t type;
    int vm_fd;
    int mem_fd;
    struct guest_ram ram;
    uint64_t max_memory_kib;
    uint32_t nr_vcpus;
    struct vcpu *vcpus;
    uint64_t create_realtime_ns;
    struct console_log console;
    struct hvm_memmap_table_entry memmap[GUEST_RAM_MAX_REGIONS];
    unsigned memmap_entries;

    pthread_mutex_t lock;
    pthread_cond_t cond;      /* parked vCPUs wait here; pausers too */
    unsigned pause_count;
    bool loaded;
    bool stopped;             /* shut down or crashed: vCPUs stay parked */
    bool dying;
    uint32_t stop_state;      /* PRIVCMD_STATE_SHUTDOWN or _CRASHED */
    uint32_t shutdown_reason;
    uint32_t shutdown_code;
    char crash_reason[128];
    uint64_t shared_info_gpa; /* 0 until XENMAPSPACE_shared_info */
    uint64_t hvm_params[HVM_NR_PARAMS];
};

/* What a pending SCHEDOP_block looks at. Caller holds d->lock. */
struct vcpu_info *vcpu_info_of(struct vcpu *v);

/* Stop the domain for good: state shutdown with reason, or crashed with
 * a message (logged). The first stop wins. Callable from any thread. */
void domain_shutdown(struct domain *d, uint32_t reason);
__attribute__((format(printf, 2, 3))) void domain_crash(struct domain *d, const char *fmt,
                                                        ...);

/* Make every vCPU leave KVM_RUN and re-check its state. d->lock held. */
void domain_kick_locked(struct domain *d);

void domain_info(struct domain *d, struct privcmd_dominfo *out);

#endif
