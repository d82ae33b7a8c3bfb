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
/* SCHEDOP_block: until an event is pending or the domain must stop. */
int64_t vcpu_block(struct vcpu *v);
int vcpu_set_pvh_entry(struct vcpu *v, uint64_t entry, uint64_t start_info);

#endif
