/*
 * The CPUID a Xenolith guest sees: what KVM supports, with KVM's own
 * paravirt leaves replaced by Xen's so guests find Xen (doc/hypercalls.md,
 * "Finding the hypervisor").
 */
#ifndef XENOLITH_CPUID_H
#define XENOLITH_CPUID_H

#include <stdint.h>

#include <linux/kvm.h>

#include "hypervisor/insn_complete.h"

/* The Xen a guest is told it runs on (CPUID, xen_version, xl info). */
#define XENOLITH_XEN_MAJOR 4
#define XENOLITH_XEN_MINOR 17
#define XENOLITH_EXTRAVERSION ".0-xenolith"
#define XENOLITH_CAPABILITIES "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p"
#define XENOLITH_CHANGESET "xenolith " PACKAGE_VERSION

/* Builds the table for one vCPU from KVM's supported table. Returns a
 * malloc'd kvm_cpuid2 (free() it) or NULL when out of memory. */
struct kvm_cpuid2 *cpuid_build(const struct kvm_cpuid2 *supported,
                               uint32_t vcpu_id, uint32_t domid);

/* Looks up a leaf in a table; NULL when absent. */
const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *t,
                                          uint32_t function, uint32_t index);

/* What the instructions xenolithd completes (insn_complete.h) may use:
 * the features table t offers; mxcsr_mask is the CPU's (FXSAVE bytes
 * 28-31, which CPUID does not give). */
void cpuid_insn_features(const struct kvm_cpuid2 *t, uint32_t mxcsr_mask,
                         struct insn_features *ft);

#endif
