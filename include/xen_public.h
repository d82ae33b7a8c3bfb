/*
 * Xen's public ABI headers (libxen-dev), included in one place because
 * they rely on <stdint.h> being in scope before them. Hypervisor, Dom0
 * programs and the guest kernel all take their layouts from here.
 */
#ifndef XENOLITH_XEN_PUBLIC_H
#define XENOLITH_XEN_PUBLIC_H

#include <stdint.h>

#include <xen/xen.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/elfnote.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/hvm/e820.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#endif
