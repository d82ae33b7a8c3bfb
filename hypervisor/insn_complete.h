/*
 * Completing an instruction the host's KVM could not emulate.
 *
 * On PVM hosts (kvm_pvm) KVM's instruction emulator runs every ring-0
 * instruction of a guest, and it lacks some that kernels use: cmpxchg8b/
 * 16b, ldmxcsr/stmxcsr, fxsave/fxrstor and the xsave family. KVM then
 * exits with an emulation failure; vcpu_insn.c hands the instruction
 * here and resumes the guest after it. The executor is pure: registers,
 * memory accessors and the vCPU's FPU state (an XSAVE image) come in, the
 * new values or a fault to inject go out, so the unit tests run it
 * against the host CPU without KVM.
 */
#ifndef XENOLITH_INSN_COMPLETE_H
#define XENOLITH_INSN_COMPLETE_H

#include <stdbool.h>
#include <stdint.h>

#include "hypervisor/insn_decode.h"

#define INSN_VEC_UD 6
#define INSN_VEC_NM 7
#define INSN_VEC_SS 12
#define INSN_VEC_GP 13
#define INSN_VEC_PF 14
#define INSN_NO_FAULT 0xff

/* The exception the guest's CPU would raise instead. */
struct insn_fault {
    uint8_t vector;      /* INSN_VEC_*, INSN_NO_FAULT */
    bool has_error;
    uint32_t error_code;
    uint64_t cr2;        /* for #PF */
};

/* The vCPU as the instruction sees it. */
struct insn_cpu {
    uint64_t gpr[16];    /* encoding order, see insn_decode.h */
    uint64_t rip, rflags;
    uint64_t cr0, cr4;
    uint64_t seg_base[6]; /* enum insn_seg order */
    unsigned mode_bits;  /* 64 or 32 */
};

/* What the guest's CPUID offers; an instruction it does not offer is #UD. */
struct insn_features {
    bool cx16, sse, fxsr, xsave, xsaveopt, xsavec;
    uint32_t mxcsr_mask; /* MXCSR bits software may set (FXSAVE bytes 28-31) */
    /* CPUID leaf 0xD, sub-leaf i >= 2: size and standard-format offset of
     * state component i; align64: bit 1 of ECX (aligned when compacted). */
    uint32_t comp_size[64], comp_offset[64];
    uint64_t comp_align64;
};

/* Guest linear memory. access copies len bytes between buf and la (to
 * the guest when write) or, with buf NULL, only checks that it could; 0,
 * or -1 with *f the fault. map gives a host pointer to len bytes at la
 * for a locked operation, or NULL: with f->vector set on a fault, with
 * INSN_NO_FAULT when the bytes are not in one host piece. */
struct insn_mem {
    void *ctx;
    int (*access)(void *ctx, uint64_t la, void *buf, unsigned len, bool write,
                  struct insn_fault *f);
    void *(*map)(void *ctx, uint64_t la, unsigned len, bool write, struct insn_fault *f);
};

/* The vCPU's x87/SSE/AVX... state: an XSAVE image in the standard format,
 * legacy region first, as KVM_GET_XSAVE gives it; changed is set when the
 * instruction modified it and it must go back (KVM_SET_XSAVE). */
struct insn_xstate {
    uint8_t *area;
    uint32_t size;
    uint64_t xcr0;
    bool changed;
};

enum insn_status {
    INSN_DONE,    /* registers, memory and state updated, rip advanced */
    INSN_FAULTED, /* nothing changed; inject *f */
};

/* True when the op reads or writes the FPU/SSE state (xs is needed). */
bool insn_needs_xstate(enum insn_op op);

/* The operand's linear address (segment base added, wrapped to the
 * address size), without any check. */
uint64_t insn_linear_address(const struct insn *i, const struct insn_cpu *cpu);

/* Executes i on cpu. On INSN_DONE cpu->rip points past it. */
enum insn_status insn_complete(const struct insn *i, struct insn_cpu *cpu,
                               const struct insn_features *ft, const struct insn_mem *mem,
                               struct insn_xstate *xs, struct insn_fault *f);

#endif
