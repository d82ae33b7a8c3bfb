/*
 * The FXSAVE/XSAVE family for insn_complete.c: moves state between the
 * vCPU's XSAVE image (standard format, as KVM holds it) and guest memory
 * in the architectural layouts (FXSAVE's 512 bytes; XSAVE's standard and
 * compacted forms). Callers have already checked CPUID, CR0/CR4 and the
 * operand's alignment and canonical form.
 */
#ifndef XENOLITH_INSN_XSAVE_H
#define XENOLITH_INSN_XSAVE_H

#include "hypervisor/insn_complete.h"

/* Offsets in the legacy region and the header of an XSAVE area. */
#define XS_FCW 0
#define XS_FSW 2
#define XS_FTW 4
#define XS_FOP 6
#define XS_FIP 8
#define XS_FDP 16
#define XS_MXCSR 24
#define XS_MXCSR_MASK 28
#define XS_ST0 32
#define XS_XMM0 160
#define XS_FX_WRITTEN 464 /* bytes 464-511 are software's: never written */
#define XS_HEADER 512
#define XS_XSTATE_BV 512
#define XS_XCOMP_BV 520
#define XS_EXTENDED 576

#define XS_X87 (1ull << 0)
#define XS_SSE (1ull << 1)
#define XS_AVX (1ull << 2)
#define XS_COMPACTED (1ull << 63)

#define MXCSR_DEFAULT 0x1f80u

uint32_t xstate_mxcsr(const struct insn_xstate *xs);
void xstate_set_mxcsr(struct insn_xstate *xs, uint32_t v);

/* fxsave/fxsave64 and fxrstor/fxrstor64 at la (16-byte aligned). */
int insn_fxsave(const struct insn *i, const struct insn_cpu *cpu, const struct insn_features *ft,
                const struct insn_mem *mem, const struct insn_xstate *xs, uint64_t la,
                struct insn_fault *f);
int insn_fxrstor(const struct insn *i, const struct insn_cpu *cpu, const struct insn_features *ft,
                 const struct insn_mem *mem, struct insn_xstate *xs, uint64_t la,
                 struct insn_fault *f);
/* xsave, xsaveopt, xsavec (and their 64 forms) at la (64-byte aligned),
 * components EDX:EAX & XCR0. */
int insn_xsave(const struct insn *i, const struct insn_cpu *cpu, const struct insn_features *ft,
               const struct insn_mem *mem, const struct insn_xstate *xs, uint64_t la,
               struct insn_fault *f);
int insn_xrstor(const struct insn *i, const struct insn_cpu *cpu, const struct insn_features *ft,
                const struct insn_mem *mem, struct insn_xstate *xs, uint64_t la,
                struct insn_fault *f);

#endif
