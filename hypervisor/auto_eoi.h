/*
 * Upcalls on the domain-wide callback vector without an EOI.
 *
 * Xen injects HVM_PARAM_CALLBACK_IRQ's vector straight into the vCPU,
 * past its local APIC, so nothing is left in service and guests never
 * write EOI for it (Linux before 6.2 has no per-vCPU vector and relies
 * on this). Through KVM's LAPIC the same vector would stay in service
 * and hold every later upcall in IRR. The one LAPIC delivery KVM has
 * that sets no ISR bit is for a vector that an unmasked SINT of its
 * Hyper-V SynIC names with AutoEOI; the guest sees no Hyper-V interface
 * (its CPUID says Xen, and guest access to the SynIC MSRs faults), only
 * that this vector is never in service.
 */
#ifndef XENOLITH_AUTO_EOI_H
#define XENOLITH_AUTO_EOI_H

#include <stdbool.h>
#include <stdint.h>

/* Whether this host's KVM has the SynIC (KVM_CAP_HYPERV_SYNIC). */
bool auto_eoi_supported(int kvm_fd);
/* Turns the vCPU's SynIC on, every SINT masked. 0 or -errno. */
int auto_eoi_enable(int vcpu_fd);
/* vector is delivered without entering service from now on, and no
 * other; 0 for none. From the vCPU's own thread or while it is out of
 * KVM_RUN. 0 or -errno. */
int auto_eoi_set(int vcpu_fd, uint8_t vector);

#endif
