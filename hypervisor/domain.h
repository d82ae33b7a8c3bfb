/*
 * A domain: one KVM VM, its RAM, one thread per vCPU, and the Xen state
 * the hypercalls keep for it. Plain structures, so that a later save and
 * restore can walk them (issue: live migration).
 *
 * Threads: the daemon's event loop creates, loads, pauses and destroys
 * domains (domain_lifecycle.c, domain_load.c); each vCPU thread runs its vCPU and its hypercalls. `lock`
 * guards everything below it that both touch.
 */
#ifndef XENOLITH_DOMAIN_H
#define XENOLITH_DOMAIN_H

#include <pthread.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "dom0/evtchn_ctl.h"
#include "hypervisor/balloon.h"
#include "hypervisor/console_log.h"
#include "hypervisor/evtchn_table.h"
#include "hypervisor/guest_ram.h"
#include "hypervisor/insn_complete.h"
#include "hypervisor/pvclock.h"
#include "include/privcmd_abi.h"
#include "include/xen_public.h"

#define GNTTAB_MAX_FRAMES 64
#define GNTTAB_ENTRIES_PER_FRAME (4096 / sizeof(grant_entry_v1_t))
#define GNTTAB_MAX_ENTRIES (GNTTAB_MAX_FRAMES * GNTTAB_ENTRIES_PER_FRAME)

struct domain;

struct vcpu {
    struct domain *d;
    uint32_t id;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool started;
    pid_t tid;                /* the vCPU thread, to tell halted from running */
    int wake_fd;              /* eventfd that ends SCHEDOP_block and _poll */
    int irqfd;                /* eventfd KVM turns into this vCPU's upcall */
    int64_t tsc_offset;       /* guest TSC minus host TSC */
    int timer_fd[2];          /* singleshot, periodic (timerfds) */
    /* under hv.evtchn_lock: */
    uint8_t upcall_vector;    /* HVMOP_set_evtchn_upcall_vector, 0 = none */
    uint8_t auto_eoi_vector;  /* the vector KVM delivers without EOI here (auto_eoi.h) */
    bool auto_eoi_stale;      /* the vCPU thread must bring it up to date */
    uint16_t virq_port[NR_VIRQS];
    /* under d->lock: */
    bool initialised;         /* has registers to start from */
    bool online;
    /* Not yet up and waiting in KVM_RUN, where KVM's in-kernel LAPIC
     * holds it until an INIT-SIPI-SIPI starts it: how Linux PVH starts
     * its APs, as Xen's vLAPIC does for HVM vCPUs. VCPUOP_initialise
     * takes it out of there. */
    bool sipi_wait;
    bool parked;              /* not in KVM_RUN, waiting to be let go */
    bool blocked;             /* inside SCHEDOP_block */
    bool exited;
    uint64_t vcpu_info_gpa;   /* registered vcpu_info, 0 when not */
    uint64_t final_cpu_ns;    /* CPU time when the thread ended */
    /* The vCPU thread's own: what its CPUID offers to the instructions
     * xenolithd completes (vcpu_insn.c), read on first use. */
    bool insn_ft_ready;
    struct insn_features insn_ft;
};

struct domain {
    uint32_t domid;
    uint32_t generation;      /* privcmd_domain_memory.generation */
    char name[PRIVCMD_NAME_LEN];
    uint8_t uuid[16];
    uint32_t type;
    int vm_fd;
    int mem_fd;
    /* The memory file mapped a second time, for KVM's memory slots only:
     * pages the guest does not have are PROT_NONE here (memory_guard,
     * hc_memory.h), while xenolithd's own accesses go through ram.hva. */
    uint8_t *kvm_view;
    struct guest_ram ram;     /* up to maxmem: what the guest may populate */
    struct guest_ram boot_ram; /* the same file up to memory=, as the memory map shows it */
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
    struct balloon balloon;   /* pages the guest handed back (XENMEM_*) */
    uint32_t stop_state;      /* PRIVCMD_STATE_SHUTDOWN or _CRASHED */
    uint32_t shutdown_reason;
    uint32_t shutdown_code;
    char crash_reason[128];
    uint64_t shared_info_gpa; /* 0 until XENMAPSPACE_shared_info */
    uint64_t hvm_params[HVM_NR_PARAMS];
    /* Instructions completed for KVM (vcpu_insn.c), per op; atomic. */
    uint64_t insn_completed[INSN_OP_COUNT];

    /* After RAM in the memory file: the private shared_info page and the
     * evtchn_ctl that Dom0 programs read (dom0/evtchn_ctl.h). */
    uint8_t *xen_area;
    struct evtchn_ctl *ctl;

    /* Time: system time 0 is the domain's creation. */
    uint64_t base_tsc;        /* host TSC at creation */
    uint64_t base_mono_ns;    /* CLOCK_MONOTONIC at creation */
    struct pvclock_scale scale;
    bool tsc_unstable;        /* KVM moves guest TSC offsets (host TSCs unsynchronized) */
    pthread_t timer_thread;
    bool timer_thread_started;
    int timer_epfd;
    int timer_stop_fd;

    /* under hv.evtchn_lock: */
    struct evtchn_table evtchn;
    uint8_t callback_vector;  /* HVM_PARAM_CALLBACK_IRQ of type vector */
    uint16_t global_virq_port[NR_VIRQS];
    uint64_t hypercall_page_gpa; /* where the doorbell bitmap lives, 0 = none */
    int raw_fds[2];           /* the benchmark floor's ioeventfd and irqfd, -1 = none */
    char sched_dir[160];      /* the domain's cgroup, "" when none */
    uint32_t sched_weight;
    uint32_t sched_cap;
    /* Set once sched-credit first moves the vCPU threads into sched_dir;
     * until then they stay where xenolithd runs. */
    bool sched_joined;
    uint8_t doorbell_bitmap[24]; /* HYPERCALL_DOORBELL_BITMAP_SIZE: ports 0-191 */

    /* under hv.gnttab_lock: */
    unsigned gnt_nr_frames;
    uint64_t gnt_frame_gpa[GNTTAB_MAX_FRAMES];
    uint8_t gnt_frame_where[GNTTAB_MAX_FRAMES]; /* enum gnttab_frame_where */
    uint8_t *gnt_own;         /* every frame's own page, for frames not in RAM */
    uint16_t *gnt_ro_maps;    /* Dom0 mappings per entry, read-only and */
    uint16_t *gnt_rw_maps;    /* writable (GNTTAB_MAX_ENTRIES each) */
    /* The frame an entry's mappings are of, fixed at its first mapping
     * (the guest may rewrite the entry under them), and the index by
     * frame: per page of RAM in file order, how many entries have
     * mappings of it. */
    uint32_t *gnt_pinned;
    uint16_t *gnt_frame_refs;
};

/* The table of domains, which only the event-loop thread changes (under
 * hv.evtchn_lock and hv.gnttab_lock, so that a thread holding either may
 * look up too). domain_find: the guest domain domid, dying or not, or
 * NULL (Domain-0 is not in the table). domain_find_name: the live (not
 * dying) domain called name, or NULL. domain_next: the domain with the
 * lowest id above after, or NULL; domain_next(0) is the first, and a
 * loop that destroys as it goes passes the id it kept, not the domain. */
struct domain *domain_find(uint32_t domid);
struct domain *domain_find_name(const char *name);
struct domain *domain_next(uint32_t after);

/* The shared_info the guest sees (its own page, or the private one). */
struct shared_info *shared_info_of(struct domain *d);

/* Where the vCPU's vcpu_info is; NULL for vCPU 32 and up until they
 * register one. Caller holds d->lock or hv.evtchn_lock. */
struct vcpu_info *vcpu_info_of(struct vcpu *v);
/* Rewrites the vCPU's vcpu_time_info from the TSC now. */
void vcpu_update_time(struct vcpu *v);
/* The domain's system time now, ns since creation. */
uint64_t domain_system_time(struct domain *d);

/* Stop the domain for good: state shutdown with reason, or crashed with
 * a message (logged). The first stop wins. Callable from any thread. */
void domain_shutdown(struct domain *d, uint32_t reason);
__attribute__((format(printf, 2, 3))) void domain_crash(struct domain *d, const char *fmt,
                                                        ...);

/* Make every vCPU leave KVM_RUN and re-check its state. d->lock held. */
void domain_kick_locked(struct domain *d);
/* The same for one vCPU. d->lock held. */
void vcpu_kick_locked(struct vcpu *v);

void domain_info(struct domain *d, struct privcmd_dominfo *out);
/* vCPU i (below nr_vcpus) as xl vcpu-list shows it. */
void domain_vcpu_info(struct domain *d, uint32_t i, struct privcmd_vcpuinfo *out);

#endif
