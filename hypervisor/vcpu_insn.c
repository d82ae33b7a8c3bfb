#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hypervisor/cpuid.h"
#include "hypervisor/insn_complete.h"
#include "hypervisor/log.h"
#include "hypervisor/pagewalk.h"
#include "hypervisor/vcpu_insn.h"

#define EFER_LMA (1ull << 10)
#define XSAVE_KVM_MIN 4096 /* struct kvm_xsave */
#define MXCSR_MASK_DEFAULT 0xffbfu /* CPUs that leave FXSAVE's mask 0 */

/* Guest linear memory as the vCPU sees it now. */
struct guest_view {
    struct vcpu *v;
    struct paging_mode m;
    bool user;
};

static void *ram_ptr(void *ctx, uint64_t gpa, unsigned len)
{
    return guest_ram_ptr(ctx, gpa, len);
}

static int translate(struct guest_view *g, uint64_t la, unsigned access, uint64_t *gpa,
                     struct insn_fault *f)
{
    uint32_t err;
    if (g->user)
        access |= PAGEWALK_USER;
    int rc = pagewalk_access(&g->m, la, access, ram_ptr, &g->v->d->ram, gpa, &err);
    if (rc == -ERANGE)
        *f = (struct insn_fault){.vector = INSN_VEC_GP, .has_error = true};
    else if (rc)
        *f = (struct insn_fault){.vector = INSN_VEC_PF, .has_error = true, .error_code = err,
                                 .cr2 = la};
    return rc;
}

static int view_copy(struct guest_view *g, uint64_t la, void *buf, unsigned len,
                     unsigned access, struct insn_fault *f)
{
    uint8_t *h = buf;
    while (len) {
        unsigned chunk = GUEST_PAGE_SIZE - (la & (GUEST_PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        uint64_t gpa;
        if (translate(g, la, access, &gpa, f))
            return -1;
        uint8_t *p = guest_ram_ptr(&g->v->d->ram, gpa, chunk);
        if (!p) {
            /* MMIO: nothing an instruction of ours may touch. */
            *f = (struct insn_fault){.vector = INSN_NO_FAULT};
            return -1;
        }
        if (h && (access & PAGEWALK_WRITE))
            memcpy(p, h, chunk);
        else if (h)
            memcpy(h, p, chunk);
        if (h)
            h += chunk;
        la += chunk;
        len -= chunk;
    }
    return 0;
}

static int view_access(void *ctx, uint64_t la, void *buf, unsigned len, bool write,
                       struct insn_fault *f)
{
    return view_copy(ctx, la, buf, len, write ? PAGEWALK_WRITE : 0, f);
}

static void *view_map(void *ctx, uint64_t la, unsigned len, bool write, struct insn_fault *f)
{
    struct guest_view *g = ctx;
    unsigned access = write ? PAGEWALK_WRITE : 0;
    uint64_t first, last;
    if (translate(g, la, access, &first, f) || translate(g, la + len - 1, access, &last, f))
        return NULL;
    *f = (struct insn_fault){.vector = INSN_NO_FAULT};
    if (last != first + len - 1)
        return NULL; /* two unrelated frames: the executor copies instead */
    /* Outside RAM the executor's copy fails too, and says so. */
    return guest_ram_ptr(&g->v->d->ram, first, len);
}

/* Up to INSN_MAX_LEN bytes at CS:RIP, fewer where the next page faults;
 * returns how many. */
static unsigned fetch(struct guest_view *g, uint64_t la, uint8_t *buf)
{
    unsigned got = 0;
    struct insn_fault f;
    while (got < INSN_MAX_LEN) {
        unsigned chunk = GUEST_PAGE_SIZE - ((la + got) & (GUEST_PAGE_SIZE - 1));
        if (chunk > INSN_MAX_LEN - got)
            chunk = INSN_MAX_LEN - got;
        if (view_copy(g, la + got, buf + got, chunk, PAGEWALK_FETCH, &f))
            break;
        got += chunk;
    }
    return got;
}

static uint32_t host_mxcsr_mask(void)
{
    /* KVM checks the guest's MXCSR against the host's mask: the guest's
     * FPU is the host's. */
    uint8_t area[512] __attribute__((aligned(16)));
    memset(area, 0, sizeof(area));
    __asm__ volatile("fxsave %0" : "=m"(area));
    uint32_t mask;
    memcpy(&mask, area + 28, 4);
    return mask ? mask : MXCSR_MASK_DEFAULT;
}

static const struct insn_features *features(struct vcpu *v)
{
    if (v->insn_ft_ready)
        return &v->insn_ft;
    enum { MAX_ENTRIES = 256 };
    struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + MAX_ENTRIES * sizeof(t->entries[0]));
    if (!t)
        return NULL;
    t->nent = MAX_ENTRIES;
    if (ioctl(v->fd, KVM_GET_CPUID2, t) < 0) {
        free(t);
        return NULL;
    }
    cpuid_insn_features(t, host_mxcsr_mask(), &v->insn_ft);
    free(t);
    v->insn_ft_ready = true;
    return &v->insn_ft;
}

/* The vCPU's FPU/SSE/AVX state as an XSAVE image in the standard format. */
struct kvm_xstate {
    struct insn_xstate xs;
    bool legacy_only; /* KVM_GET_XSAVE refused: KVM_GET_FPU's part only */
};

static void fpu_to_image(const struct kvm_fpu *fpu, uint8_t *img)
{
    memcpy(img + 0, &fpu->fcw, 2);
    memcpy(img + 2, &fpu->fsw, 2);
    img[4] = fpu->ftwx;
    memcpy(img + 6, &fpu->last_opcode, 2);
    memcpy(img + 8, &fpu->last_ip, 8);
    memcpy(img + 16, &fpu->last_dp, 8);
    memcpy(img + 24, &fpu->mxcsr, 4);
    memcpy(img + 32, fpu->fpr, sizeof(fpu->fpr));
    memcpy(img + 160, fpu->xmm, sizeof(fpu->xmm));
    uint64_t bv = 3; /* x87 and SSE */
    memcpy(img + 512, &bv, 8);
}

static void image_to_fpu(const uint8_t *img, struct kvm_fpu *fpu)
{
    memcpy(&fpu->fcw, img + 0, 2);
    memcpy(&fpu->fsw, img + 2, 2);
    fpu->ftwx = img[4];
    memcpy(&fpu->last_opcode, img + 6, 2);
    memcpy(&fpu->last_ip, img + 8, 8);
    memcpy(&fpu->last_dp, img + 16, 8);
    memcpy(&fpu->mxcsr, img + 24, 4);
    memcpy(fpu->fpr, img + 32, sizeof(fpu->fpr));
    memcpy(fpu->xmm, img + 160, sizeof(fpu->xmm));
}

static int xstate_load(struct vcpu *v, struct kvm_xstate *k)
{
    int size = ioctl(v->d->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
    if (size < XSAVE_KVM_MIN)
        size = XSAVE_KVM_MIN;
    memset(k, 0, sizeof(*k));
    k->xs.area = aligned_alloc(64, (size_t)size);
    if (!k->xs.area)
        return -ENOMEM;
    memset(k->xs.area, 0, (size_t)size);
    k->xs.size = (uint32_t)size;
    unsigned long req = size > XSAVE_KVM_MIN ? KVM_GET_XSAVE2 : KVM_GET_XSAVE;
    struct kvm_xcrs xcrs;
    k->xs.xcr0 = 3;
    if (ioctl(v->fd, req, k->xs.area) < 0) {
        struct kvm_fpu fpu;
        if (ioctl(v->fd, KVM_GET_FPU, &fpu) < 0)
            return -errno;
        fpu_to_image(&fpu, k->xs.area);
        k->legacy_only = true;
        return 0;
    }
    if (ioctl(v->fd, KVM_GET_XCRS, &xcrs) == 0)
        for (uint32_t i = 0; i < xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++)
            if (xcrs.xcrs[i].xcr == 0)
                k->xs.xcr0 = xcrs.xcrs[i].value;
    return 0;
}

static int xstate_store(struct vcpu *v, struct kvm_xstate *k)
{
    if (k->legacy_only) {
        struct kvm_fpu fpu;
        memset(&fpu, 0, sizeof(fpu));
        image_to_fpu(k->xs.area, &fpu);
        return ioctl(v->fd, KVM_SET_FPU, &fpu) < 0 ? -errno : 0;
    }
    return ioctl(v->fd, KVM_SET_XSAVE, k->xs.area) < 0 ? -errno : 0;
}

/* KVM's register order to the encoding order and back. */
static void regs_in(const struct kvm_regs *r, uint64_t g[16])
{
    const uint64_t in[16] = {r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
                             r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};
    memcpy(g, in, sizeof(in));
}

static void regs_out(const uint64_t g[16], struct kvm_regs *r)
{
    r->rax = g[0], r->rcx = g[1], r->rdx = g[2], r->rbx = g[3];
    r->rsp = g[4], r->rbp = g[5], r->rsi = g[6], r->rdi = g[7];
    r->r8 = g[8], r->r9 = g[9], r->r10 = g[10], r->r11 = g[11];
    r->r12 = g[12], r->r13 = g[13], r->r14 = g[14], r->r15 = g[15];
}

static const char *vector_name(uint8_t vec)
{
    switch (vec) {
    case INSN_VEC_UD: return "#UD";
    case INSN_VEC_NM: return "#NM";
    case INSN_VEC_SS: return "#SS";
    case INSN_VEC_GP: return "#GP";
    case INSN_VEC_PF: return "#PF";
    default: return "?";
    }
}

static int inject(struct vcpu *v, const struct insn_fault *f)
{
    struct kvm_vcpu_events ev;
    if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
        return -errno;
    ev.exception.injected = 1;
    ev.exception.nr = f->vector;
    ev.exception.has_error_code = f->has_error;
    ev.exception.error_code = f->error_code;
    if (f->vector == INSN_VEC_PF) {
        v->run->s.regs.sregs.cr2 = f->cr2;
        v->run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
    }
    return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0 ? -errno : 0;
}

static void hex_bytes(const uint8_t *b, unsigned n, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < n && at + 4 < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%02x", i ? " " : "", b[i]);
    if (!n)
        snprintf(out, cap, "none readable");
}

/* The first completion of each kind in a domain is logged, then the 10th,
 * 100th, ...: enough to show in xl dmesg what the host lacks and how
 * often, without a line per slab allocation. */
static void count(struct vcpu *v, const struct insn *i, uint64_t rip)
{
    uint64_t n = __atomic_add_fetch(&v->d->insn_completed[i->op], 1, __ATOMIC_RELAXED);
    uint64_t p = 1;
    while (p < n && p <= UINT64_MAX / 10)
        p *= 10;
    if (p == n)
        hv_log("domain %u vCPU %u: completed %s at rip 0x%llx that KVM could not emulate "
               "(%llu in this domain so far)",
               v->d->domid, v->id, insn_name(i), (unsigned long long)rip, (unsigned long long)n);
}

static void note_fault(struct vcpu *v, const struct insn *i, uint64_t rip,
                       const struct insn_fault *f)
{
    static __thread unsigned noted;
    if (noted >= 8)
        return;
    noted++;
    hv_log("domain %u vCPU %u: %s at rip 0x%llx raises %s (error code 0x%x, address 0x%llx)",
           v->d->domid, v->id, insn_name(i), (unsigned long long)rip, vector_name(f->vector),
           f->error_code, (unsigned long long)f->cr2);
}

void vcpu_insn_emulation_failure(struct vcpu *v)
{
    struct kvm_regs *r = &v->run->s.regs.regs;
    const struct kvm_sregs *s = &v->run->s.regs.sregs;
    struct guest_view g = {
        .v = v, .m = {.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer},
        .user = s->ss.dpl == 3,
    };
    struct insn_cpu cpu = {
        .rip = r->rip, .rflags = r->rflags, .cr0 = s->cr0, .cr4 = s->cr4,
        .seg_base = {s->es.base, s->cs.base, s->ss.base, s->ds.base, s->fs.base, s->gs.base},
        .mode_bits = ((s->efer & EFER_LMA) && s->cs.l) ? 64 : s->cs.db ? 32 : 16,
    };
    regs_in(r, cpu.gpr);
    uint64_t rip = r->rip;
    uint64_t fetch_la = cpu.mode_bits == 64 ? r->rip : (uint32_t)(s->cs.base + r->rip);
    uint8_t bytes[INSN_MAX_LEN];
    unsigned n = fetch(&g, fetch_la, bytes);
    char hex[3 * INSN_MAX_LEN + 16];
    hex_bytes(bytes, n, hex, sizeof(hex));

    struct insn i;
    enum insn_decode_result dr = insn_decode(bytes, n, cpu.mode_bits, &i);
    if (dr != INSN_DECODED) {
        domain_crash(v->d, "vCPU %u: KVM could not emulate the instruction at rip 0x%llx "
                     "(%u-bit mode, bytes %s)%s",
                     v->id, (unsigned long long)r->rip, cpu.mode_bits, hex,
                     dr == INSN_TRUNCATED ? ": its bytes run into an unreadable page"
                     : dr == INSN_TOO_LONG ? ": longer than 15 bytes"
                     : ", and xenolithd does not complete it either");
        return;
    }
    const struct insn_features *ft = features(v);
    struct kvm_xstate k = {0};
    const char *failed = NULL;
    int err = 0;
    if (!ft) {
        failed = "KVM_GET_CPUID2";
        err = errno;
    } else if (insn_needs_xstate(i.op) && (err = -xstate_load(v, &k)) != 0) {
        failed = "KVM_GET_XSAVE/KVM_GET_FPU";
    }
    struct insn_fault f;
    enum insn_status st = INSN_FAULTED;
    if (!failed) {
        st = insn_complete(&i, &cpu, ft, &(struct insn_mem){&g, view_access, view_map},
                           k.xs.area ? &k.xs : NULL, &f);
        if (st == INSN_DONE && k.xs.changed && (err = -xstate_store(v, &k)) != 0)
            failed = k.legacy_only ? "KVM_SET_FPU" : "KVM_SET_XSAVE";
        else if (st == INSN_FAULTED && f.vector != INSN_NO_FAULT && (err = -inject(v, &f)) != 0)
            failed = "KVM_SET_VCPU_EVENTS";
    }
    free(k.xs.area);
    if (failed) {
        domain_crash(v->d, "vCPU %u: completing %s at rip 0x%llx (bytes %s): %s failed: %s",
                     v->id, insn_name(&i), (unsigned long long)r->rip, hex, failed,
                     strerror(err));
        return;
    }
    if (st == INSN_FAULTED && f.vector == INSN_NO_FAULT) {
        domain_crash(v->d, "vCPU %u: cannot complete %s at rip 0x%llx (bytes %s): its "
                     "memory operand at 0x%llx is not RAM",
                     v->id, insn_name(&i), (unsigned long long)r->rip, hex,
                     (unsigned long long)insn_linear_address(&i, &cpu));
        return;
    }
    if (st == INSN_FAULTED) {
        note_fault(v, &i, r->rip, &f);
        return;
    }
    regs_out(cpu.gpr, r);
    r->rip = cpu.rip;
    r->rflags = cpu.rflags;
    v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
    count(v, &i, rip);
}
