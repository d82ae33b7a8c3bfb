#include "config.h"

#include <string.h>

#include "hypervisor/insn_complete.h"
#include "hypervisor/insn_xsave.h"

#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)
#define CR4_LA57 (1ull << 12)
#define CR4_OSXSAVE (1ull << 18)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_RF (1ull << 16)

bool insn_needs_xstate(enum insn_op op)
{
    return op != INSN_CMPXCHG8B && op != INSN_CMPXCHG16B;
}

uint64_t insn_linear_address(const struct insn *i, const struct insn_cpu *cpu)
{
    uint64_t ea = (uint64_t)i->disp;
    if (i->base != INSN_NO_REG)
        ea += cpu->gpr[i->base];
    if (i->index != INSN_NO_REG)
        ea += cpu->gpr[i->index] * i->scale;
    if (i->rip_rel)
        ea += cpu->rip + i->len;
    if (i->addr_bits == 32)
        ea = (uint32_t)ea;
    /* Long mode ignores the bases of all but FS and GS. */
    if (cpu->mode_bits == 64)
        return (i->seg == INSN_FS || i->seg == INSN_GS) ? ea + cpu->seg_base[i->seg] : ea;
    return (uint32_t)(ea + cpu->seg_base[i->seg]);
}

static enum insn_status fault(struct insn_fault *f, uint8_t vector, bool has_error)
{
    *f = (struct insn_fault){.vector = vector, .has_error = has_error};
    return INSN_FAULTED;
}

/* The exceptions the instruction raises before it touches memory: #UD
 * for what CPUID or CR0/CR4 do not allow, then #NM when CR0.TS is set. */
static bool undefined(const struct insn *i, const struct insn_cpu *cpu,
                      const struct insn_features *ft)
{
    bool x = false;
    switch (i->op) {
    case INSN_CMPXCHG8B:
        return false;
    case INSN_CMPXCHG16B:
        return !ft->cx16;
    case INSN_FXSAVE:
    case INSN_FXRSTOR:
        x = ft->fxsr && !(cpu->cr0 & CR0_EM);
        break;
    case INSN_LDMXCSR:
    case INSN_STMXCSR:
        x = ft->sse && !(cpu->cr0 & CR0_EM) && (cpu->cr4 & CR4_OSFXSR);
        break;
    case INSN_XSAVE:
    case INSN_XRSTOR:
        x = ft->xsave && (cpu->cr4 & CR4_OSXSAVE);
        break;
    case INSN_XSAVEOPT:
        x = ft->xsave && ft->xsaveopt && (cpu->cr4 & CR4_OSXSAVE);
        break;
    case INSN_XSAVEC:
        x = ft->xsave && ft->xsavec && (cpu->cr4 & CR4_OSXSAVE);
        break;
    default:
        return true;
    }
    return !x || i->lock;
}

static unsigned operand_size(enum insn_op op)
{
    switch (op) {
    case INSN_CMPXCHG8B: return 8;
    case INSN_CMPXCHG16B: return 16;
    case INSN_LDMXCSR:
    case INSN_STMXCSR: return 4;
    case INSN_FXSAVE:
    case INSN_FXRSTOR: return 512;
    default: return 576; /* the legacy region and the XSAVE header */
    }
}

static unsigned alignment(enum insn_op op)
{
    switch (op) {
    case INSN_CMPXCHG16B:
    case INSN_FXSAVE:
    case INSN_FXRSTOR: return 16;
    case INSN_XSAVE:
    case INSN_XRSTOR:
    case INSN_XSAVEOPT:
    case INSN_XSAVEC: return 64;
    default: return 1;
    }
}

static bool canonical(const struct insn_cpu *cpu, uint64_t la)
{
    unsigned bits = (cpu->cr4 & CR4_LA57) ? 57 : 48;
    int64_t s = (int64_t)(la << (64 - bits)) >> (64 - bits);
    return (uint64_t)s == la;
}

static bool host_cas16(void *p, uint64_t *lo, uint64_t *hi, uint64_t nlo, uint64_t nhi)
{
    bool ok;
    __asm__ volatile("lock cmpxchg16b %1"
                     : "=@ccz"(ok), "+m"(*(volatile unsigned __int128 *)p), "+a"(*lo), "+d"(*hi)
                     : "b"(nlo), "c"(nhi)
                     : "memory");
    return ok;
}

static bool host_cas8(void *p, uint32_t *lo, uint32_t *hi, uint32_t nlo, uint32_t nhi)
{
    bool ok;
    __asm__ volatile("lock cmpxchg8b %1"
                     : "=@ccz"(ok), "+m"(*(volatile uint64_t *)p), "+a"(*lo), "+d"(*hi)
                     : "b"(nlo), "c"(nhi)
                     : "memory");
    return ok;
}

/* An operand split over two host pieces (a cmpxchg8b across a page
 * boundary into unrelated guest frames) gets a plain read-compare-write:
 * correct for one vCPU, not atomic against the others. */
static int split_cas(const struct insn_mem *mem, uint64_t la, unsigned size, uint64_t cmp[2],
                     const uint64_t val[2], bool *ok, struct insn_fault *f)
{
    uint64_t cur[2] = {0, 0};
    if (mem->access(mem->ctx, la, cur, size, false, f))
        return -1;
    *ok = !memcmp(cur, cmp, size);
    if (mem->access(mem->ctx, la, (void *)(*ok ? val : cur), size, true, f))
        return -1;
    memcpy(cmp, cur, size);
    return 0;
}

static int cmpxchg(const struct insn *i, struct insn_cpu *cpu, const struct insn_mem *mem,
                   uint64_t la, struct insn_fault *f)
{
    uint64_t *r = cpu->gpr;
    bool ok;
    unsigned size = i->op == INSN_CMPXCHG16B ? 16 : 8;
    /* The CPU writes the operand back even when the comparison fails, so
     * it is a write access either way. */
    void *p = mem->map(mem->ctx, la, size, true, f);
    if (!p && f->vector != INSN_NO_FAULT)
        return -1;
    if (size == 16) {
        uint64_t cmp[2] = {r[INSN_RAX], r[INSN_RDX]}, val[2] = {r[INSN_RBX], r[INSN_RCX]};
        if (p)
            ok = host_cas16(p, &cmp[0], &cmp[1], val[0], val[1]);
        else if (split_cas(mem, la, 16, cmp, val, &ok, f))
            return -1;
        r[INSN_RAX] = cmp[0];
        r[INSN_RDX] = cmp[1];
    } else {
        uint32_t lo = (uint32_t)r[INSN_RAX], hi = (uint32_t)r[INSN_RDX];
        if (p) {
            ok = host_cas8(p, &lo, &hi, (uint32_t)r[INSN_RBX], (uint32_t)r[INSN_RCX]);
        } else {
            uint64_t cmp[2] = {((uint64_t)hi << 32) | lo, 0};
            uint64_t val[2] = {((uint64_t)(uint32_t)r[INSN_RCX] << 32) | (uint32_t)r[INSN_RBX],
                               0};
            if (split_cas(mem, la, 8, cmp, val, &ok, f))
                return -1;
            lo = (uint32_t)cmp[0];
            hi = (uint32_t)(cmp[0] >> 32);
        }
        /* Only a failed comparison writes EDX:EAX, and a 32-bit register
         * write clears the upper half. */
        if (!ok) {
            r[INSN_RAX] = lo;
            r[INSN_RDX] = hi;
        }
    }
    cpu->rflags = ok ? cpu->rflags | RFLAGS_ZF : cpu->rflags & ~RFLAGS_ZF;
    return 0;
}

static int ldmxcsr(const struct insn_features *ft, const struct insn_mem *mem,
                   struct insn_xstate *xs, uint64_t la, struct insn_fault *f)
{
    uint32_t v;
    if (mem->access(mem->ctx, la, &v, 4, false, f))
        return -1;
    if (v & ~ft->mxcsr_mask) {
        *f = (struct insn_fault){.vector = INSN_VEC_GP, .has_error = true};
        return -1;
    }
    xstate_set_mxcsr(xs, v);
    return 0;
}

static int stmxcsr(const struct insn_mem *mem, const struct insn_xstate *xs, uint64_t la,
                   struct insn_fault *f)
{
    uint32_t v = xstate_mxcsr(xs);
    return mem->access(mem->ctx, la, &v, 4, true, f);
}

enum insn_status insn_complete(const struct insn *i, struct insn_cpu *cpu,
                               const struct insn_features *ft, const struct insn_mem *mem,
                               struct insn_xstate *xs, struct insn_fault *f)
{
    *f = (struct insn_fault){.vector = INSN_NO_FAULT};
    if (undefined(i, cpu, ft))
        return fault(f, INSN_VEC_UD, false);
    if (insn_needs_xstate(i->op) && (cpu->cr0 & CR0_TS))
        return fault(f, INSN_VEC_NM, false);

    uint64_t la = insn_linear_address(i, cpu);
    unsigned size = operand_size(i->op);
    if (cpu->mode_bits == 64 && (!canonical(cpu, la) || !canonical(cpu, la + size - 1)))
        return fault(f, i->seg == INSN_SS ? INSN_VEC_SS : INSN_VEC_GP, true);
    if (la & (alignment(i->op) - 1))
        return fault(f, INSN_VEC_GP, true);

    int rc;
    switch (i->op) {
    case INSN_CMPXCHG8B:
    case INSN_CMPXCHG16B: rc = cmpxchg(i, cpu, mem, la, f); break;
    case INSN_LDMXCSR: rc = ldmxcsr(ft, mem, xs, la, f); break;
    case INSN_STMXCSR: rc = stmxcsr(mem, xs, la, f); break;
    case INSN_FXSAVE: rc = insn_fxsave(i, cpu, ft, mem, xs, la, f); break;
    case INSN_FXRSTOR: rc = insn_fxrstor(i, cpu, ft, mem, xs, la, f); break;
    case INSN_XSAVE:
    case INSN_XSAVEOPT:
    case INSN_XSAVEC: rc = insn_xsave(i, cpu, ft, mem, xs, la, f); break;
    case INSN_XRSTOR: rc = insn_xrstor(i, cpu, ft, mem, xs, la, f); break;
    default: return fault(f, INSN_VEC_UD, false);
    }
    if (rc)
        return INSN_FAULTED;
    cpu->rip += i->len;
    if (cpu->mode_bits != 64)
        cpu->rip = (uint32_t)cpu->rip;
    cpu->rflags &= ~RFLAGS_RF;
    return INSN_DONE;
}
