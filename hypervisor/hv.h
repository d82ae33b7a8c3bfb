/*
 * The daemon's state: the KVM handle, what KVM supports, and the table of
 * domains. Only the event-loop thread changes the table
 * (domain_lifecycle.c); domain.c's lookups read it.
 */
#ifndef XENOLITH_HV_H
#define XENOLITH_HV_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "hypervisor/console_log.h"
#include "hypervisor/domain.h"
#include "include/privcmd_abi.h"

#define HV_MAX_VCPUS 128 /* HVM_MAX_VCPUS: what Xen's HVM guests may have */

struct hv {
    int kvm_fd;
    int vcpu_mmap_size;
    uint32_t tsc_khz;
    bool msr_via_filter; /* see hv_enable_hypercall_msr_exit() */
    bool auto_eoi;       /* the SynIC is there (auto_eoi.h) */
    unsigned guest_phys_bits; /* the guests' MAXPHYADDR (CPUID 0x80000008) */
    struct kvm_cpuid2 *supported_cpuid;
    char rundir[256];
    struct console_limits console_limits;
    uint64_t start_mono_ns;
    uint32_t next_domid;
    /* The loop thread changes this table, under both locks below, so the
     * vCPU and timer threads may look domains up while holding either. */
    struct domain *domains[DOMID_FIRST_RESERVED];
    pthread_mutex_t evtchn_lock;   /* every port table, Dom0's included */
    pthread_mutex_t gnttab_lock;   /* every grant table and its mappings */
    struct evtchn_table dom0_evtchn;
    int *dom0_port_efd;
    void **dom0_port_owner;
    /* Called from any thread when a domain stops; wakes the event loop. */
    void (*state_changed)(void);
};

extern struct hv hv;

uint64_t now_mono_ns(void);
uint64_t now_real_ns(void);

/* Opens /dev/kvm and checks what xenolithd needs. 0, or -1 with a message. */
int hv_init(const char *rundir, char *err, size_t errlen);

/* Asks KVM to hand writes of the hypercall MSR to us: through refused-MSR
 * exits, or, via_filter, an MSR filter (see hv.c). 0, or -1 with errno. */
int hv_enable_hypercall_msr_exit(int vm_fd, bool via_filter);
/* KiB a new domain may still be given (UINT64_MAX when the host's memory
 * cannot be read): what domain_create admits and xl info shows free. */
uint64_t hv_guest_memory_available_kib(void);

void hv_dom0_info(struct privcmd_dominfo *out);
void hv_host_info(struct privcmd_hostinfo *out);

#endif
