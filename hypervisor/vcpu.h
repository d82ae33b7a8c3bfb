/* The vCPU threads: KVM_RUN and what each exit asks of us. */
#ifndef XENOLITH_VCPU_H
#define XENOLITH_VCPU_H

#include <signal.h>

#include "hypervisor/domain.h"

/* Interrupts KVM_RUN in a vCPU thread (no SA_RESTART, empty handler). */
#define VCPU_KICK_SIGNAL SIGUSR1

void vcpu_install_kick_handler(void);
/* Thread entry; the vCPU parks until the domain is unpaused. */
void *vcpu_thread(void *arg);
/* Puts the boot vCPU at a PVH entry point: 32-bit flat protected mode,
 * paging off, EBX = start info. Call while the vCPU is parked. */
/* SCHEDOP_poll: until one of the ports is pending, the timeout (system
 * time, 0 = none) passes, or the vCPU must stop. */
int64_t vcpu_poll(struct vcpu *v, const evtchn_port_t *ports, unsigned nr, uint64_t timeout);
/* VCPUOP_initialise: registers from a Xen vcpu_hvm_context; the vCPU must
 * be parked. 0 or -errno. */
int vcpu_load_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *c);
int vcpu_set_pvh_entry(struct vcpu *v, uint64_t entry, uint64_t start_info);

#endif
