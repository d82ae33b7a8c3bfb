/*
 * The shared_info page, mapped with XENMEM_add_to_physmap over a page of
 * the kernel's BSS, and where vCPU 0's vcpu_info currently lives (it
 * moves once VCPUOP_register_vcpu_info succeeds).
 */
#ifndef FRONTENDS_KERNEL_SHARED_INFO_H
#define FRONTENDS_KERNEL_SHARED_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "include/xen_public.h"

extern struct shared_info *HYPERVISOR_shared_info;

/* Map shared_info; returns the hypercall's result. */
long shared_info_map(void);
uint64_t shared_info_gpfn(void);

/* Whether the page changed from the pattern written before the first
 * mapping: the hypervisor is meant to replace its contents. */
bool shared_info_replaced_page(void);

struct vcpu_info *vcpu0_info(void);
void vcpu0_info_moved(struct vcpu_info *now);
bool vcpu0_info_registered(void);

#endif
