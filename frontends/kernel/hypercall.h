/*
 * Hypercalls through the page xenolithd fills in: hypercall N is a call
 * to hypercall_page + 32 * N with arguments in rdi, rsi, rdx, r10, r8 and
 * the result in rax. The Xen ABI lets the hypervisor change the argument
 * registers, so they are all declared clobbered.
 */
#ifndef FRONTENDS_KERNEL_HYPERCALL_H
#define FRONTENDS_KERNEL_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/xen_public.h"

#define HYPERCALL_STUB_SIZE 32
#define HYPERCALL_PAGE_STUBS (4096 / HYPERCALL_STUB_SIZE)

extern uint8_t hypercall_page[4096];

/* What CPUID told us about the hypervisor; valid once hypercall_init()
 * returned true. */
struct xen_cpuid_info {
	uint32_t base;		/* leaf of the "XenVMMXenVMM" signature */
	uint32_t max_leaf;
	uint32_t version;	/* leaf base+1 eax */
	uint32_t pages;		/* leaf base+2 eax */
	uint32_t msr;		/* leaf base+2 ebx */
	uint32_t domid;		/* leaf base+4 ecx, if flagged present */
	uint32_t vcpu_id;	/* leaf base+4 ebx, if flagged present */
};

extern struct xen_cpuid_info xen_cpuid;

/* Scan for Xen's CPUID leaves; 0 if there is no Xen. */
uint32_t xen_cpuid_base(void);

/* Find Xen and install the hypercall page. False (and no page) when the
 * CPU does not report Xen. */
bool hypercall_init(void);
bool hypercalls_ready(void);
uint64_t hypercall_page_paddr(void);

static inline long hypercall_raw(unsigned nr, uint64_t a1, uint64_t a2,
				 uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t r10 asm("r10") = a4;
	register uint64_t r8 asm("r8") = a5;
	void *stub = hypercall_page + (uint64_t)nr * HYPERCALL_STUB_SIZE;
	long ret;

	asm volatile("call *%[stub]"
		     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
		       "+r"(r8)
		     : [stub] "r"(stub)
		     : "memory", "cc", "rcx", "r9", "r11");
	return ret;
}

/* The fixed-arity forms load only the argument registers they use and
 * declare the rest clobbered: zeroing unused ones costs an instruction
 * each per call, and every guest kernel instruction is an emulation on
 * some hosts. The ABI ignores registers past a hypercall's arity. */
#define HYPERCALL_STUB(nr) \
	((void *)(hypercall_page + (uint64_t)(nr) * HYPERCALL_STUB_SIZE))
#define HYPERCALL_CLOBBERS "memory", "cc", "rcx", "r9", "r11"

static inline long hypercall0(unsigned nr)
{
	long ret;

	asm volatile("call *%[stub]"
		     : "=a"(ret)
		     : [stub] "r"(HYPERCALL_STUB(nr))
		     : HYPERCALL_CLOBBERS, "rdi", "rsi", "rdx", "r10", "r8");
	return ret;
}

static inline long hypercall1(unsigned nr, uint64_t a1)
{
	long ret;

	asm volatile("call *%[stub]"
		     : "=a"(ret), "+D"(a1)
		     : [stub] "r"(HYPERCALL_STUB(nr))
		     : HYPERCALL_CLOBBERS, "rsi", "rdx", "r10", "r8");
	return ret;
}

static inline long hypercall2(unsigned nr, uint64_t a1, uint64_t a2)
{
	long ret;

	asm volatile("call *%[stub]"
		     : "=a"(ret), "+D"(a1), "+S"(a2)
		     : [stub] "r"(HYPERCALL_STUB(nr))
		     : HYPERCALL_CLOBBERS, "rdx", "r10", "r8");
	return ret;
}

static inline long hypercall3(unsigned nr, uint64_t a1, uint64_t a2,
			      uint64_t a3)
{
	long ret;

	asm volatile("call *%[stub]"
		     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
		     : [stub] "r"(HYPERCALL_STUB(nr))
		     : HYPERCALL_CLOBBERS, "r10", "r8");
	return ret;
}

static inline long hypercall4(unsigned nr, uint64_t a1, uint64_t a2,
			      uint64_t a3, uint64_t a4)
{
	register uint64_t r10 asm("r10") = a4;
	long ret;

	asm volatile("call *%[stub]"
		     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10)
		     : [stub] "r"(HYPERCALL_STUB(nr))
		     : HYPERCALL_CLOBBERS, "r8");
	return ret;
}

#define _hypercall0(nr) hypercall0((nr))
#define _hypercall1(nr, a1) hypercall1((nr), (uint64_t)(a1))
#define _hypercall2(nr, a1, a2) \
	hypercall2((nr), (uint64_t)(a1), (uint64_t)(a2))
#define _hypercall3(nr, a1, a2, a3) \
	hypercall3((nr), (uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3))
#define _hypercall4(nr, a1, a2, a3, a4)                                   \
	hypercall4((nr), (uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3), \
		   (uint64_t)(a4))
#define _hypercall5(nr, a1, a2, a3, a4, a5)                               \
	hypercall_raw((nr), (uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3), \
		      (uint64_t)(a4), (uint64_t)(a5))

static inline long HYPERVISOR_xen_version(int cmd, const void *arg)
{
	return _hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

static inline long HYPERVISOR_console_io(int cmd, unsigned count,
					 const void *buf)
{
	return _hypercall3(__HYPERVISOR_console_io, cmd, count, buf);
}

static inline long HYPERVISOR_sched_op(int cmd, const void *arg)
{
	return _hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static inline long HYPERVISOR_memory_op(unsigned cmd, const void *arg)
{
	return _hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static inline long HYPERVISOR_hvm_op(int op, const void *arg)
{
	return _hypercall2(__HYPERVISOR_hvm_op, op, arg);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned vcpu,
				      const void *arg)
{
	return _hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return _hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long HYPERVISOR_grant_table_op(unsigned cmd, void *uop,
					     unsigned count)
{
	return _hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count);
}

/* x86-64 passes the absolute timeout in one register. */
static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{
	return _hypercall1(__HYPERVISOR_set_timer_op, timeout);
}

#endif
