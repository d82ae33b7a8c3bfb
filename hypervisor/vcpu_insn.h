/*
 * KVM's emulation-failure exit: the instructions the host's emulator
 * lacks (PVM hosts) are completed here with insn_complete.h, through the
 * guest's page tables and the vCPU's KVM state. Hosts with VMX/SVM run
 * these instructions in hardware and never come here.
 */
#ifndef XENOLITH_VCPU_INSN_H
#define XENOLITH_VCPU_INSN_H

#include "hypervisor/domain.h"

/* Completes the instruction at the vCPU's RIP, or injects the exception
 * it raises; when it cannot (an instruction we do not complete, an
 * operand outside RAM, a KVM call failing) the domain crashes with the
 * instruction's bytes in the message. */
void vcpu_insn_emulation_failure(struct vcpu *v);

#endif
