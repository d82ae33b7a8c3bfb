#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hypervisor/insn_xsave.h"

#define FCW_INIT 0x037f
#define ST_BYTES (8 * 16)
#define X87_HEAD 24 /* FCW through FDP: the x87 part before MXCSR */
#define ALIGN64(x) (((x) + 63u) & ~63u)

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static unsigned xmm_count(const struct insn_cpu *cpu)
{
    return cpu->mode_bits == 64 ? 16 : 8;
}

static uint64_t rfbm_of(const struct insn_cpu *cpu, const struct insn_xstate *xs)
{
    uint64_t mask = (cpu->gpr[INSN_RDX] << 32) | (uint32_t)cpu->gpr[INSN_RAX];
    return mask & xs->xcr0;
}

static bool fits(const struct insn_features *ft, const struct insn_xstate *xs, unsigned c)
{
    return ft->comp_size[c] && ft->comp_offset[c] >= XS_EXTENDED &&
           (uint64_t)ft->comp_offset[c] + ft->comp_size[c] <= xs->size;
}

uint32_t xstate_mxcsr(const struct insn_xstate *xs)
{
    uint32_t v;
    memcpy(&v, xs->area + XS_MXCSR, 4);
    return v;
}

/* Puts component c of the image in its initial configuration. */
static void init_component(uint8_t *img, const struct insn_features *ft,
                           const struct insn_xstate *xs, unsigned c)
{
    if (c == 0) {
        memset(img, 0, X87_HEAD);
        memset(img + XS_ST0, 0, ST_BYTES);
        uint16_t fcw = FCW_INIT;
        memcpy(img + XS_FCW, &fcw, 2);
    } else if (c == 1) {
        memset(img + XS_XMM0, 0, 16 * 16);
    } else if (fits(ft, xs, c)) {
        memset(img + ft->comp_offset[c], 0, ft->comp_size[c]);
    }
}

/* Marks the components of mask in use in the image. What the image holds
 * for a component not in use need not be its value (KVM writes the
 * initial one, a CPU's XSAVE may write nothing), so it is set first. */
static void claim(uint8_t *img, const struct insn_features *ft, const struct insn_xstate *xs,
                  uint64_t mask)
{
    uint64_t bv = get64(img + XS_XSTATE_BV);
    for (unsigned c = 0; c < 63; c++)
        if ((mask >> c & 1) && !(bv >> c & 1))
            init_component(img, ft, xs, c);
    put64(img + XS_XSTATE_BV, bv | mask);
}

void xstate_set_mxcsr(struct insn_xstate *xs, uint32_t v)
{
    /* MXCSR belongs to the SSE component: in use from now on, so that
     * the restore of the image takes it. */
    static const struct insn_features none;
    claim(xs->area, &none, xs, XS_SSE);
    memcpy(xs->area + XS_MXCSR, &v, 4);
    xs->changed = true;
}

/* The legacy region as the vCPU holds it, in the layout the instruction
 * writes: FXSAVE64/XSAVE64 keep 64-bit FIP/FDP, the others FIP/FDP's low
 * 32 bits followed by FCS/FDS, which we report as 0 (as CPUs that
 * deprecate them do). MXCSR_MASK is the CPU's. */
static void legacy_now(const struct insn_features *ft, const struct insn_xstate *xs, bool rex_w,
                       uint8_t out[512])
{
    memcpy(out, xs->area, 512);
    uint64_t bv = get64(xs->area + XS_XSTATE_BV);
    if (!(bv & XS_X87))
        init_component(out, ft, xs, 0);
    if (!(bv & XS_SSE))
        init_component(out, ft, xs, 1);
    memcpy(out + XS_MXCSR_MASK, &ft->mxcsr_mask, 4);
    if (!rex_w) {
        memset(out + XS_FIP + 4, 0, 4);
        memset(out + XS_FDP + 4, 0, 4);
    }
}

/* The x87 part of a memory image into the state image, converting the
 * 32-bit FIP/FDP layout (FCS/FDS dropped, upper halves zero). */
static void load_x87(uint8_t *img, const uint8_t *mem, bool rex_w)
{
    memcpy(img, mem, X87_HEAD);
    memcpy(img + XS_ST0, mem + XS_ST0, ST_BYTES);
    if (!rex_w) {
        memset(img + XS_FIP + 4, 0, 4);
        memset(img + XS_FDP + 4, 0, 4);
    }
}

static bool mxcsr_valid(const struct insn_features *ft, const uint8_t *legacy)
{
    uint32_t v;
    memcpy(&v, legacy + XS_MXCSR, 4);
    return !(v & ~ft->mxcsr_mask);
}

static int gp0(struct insn_fault *f)
{
    *f = (struct insn_fault){.vector = INSN_VEC_GP, .has_error = true};
    return -1;
}

/* Writes the pieces [off, off+len) of image to the guest at la. */
static int put(const struct insn_mem *mem, uint64_t la, const uint8_t *image, unsigned off,
               unsigned len, struct insn_fault *f)
{
    return mem->access(mem->ctx, la + off, (void *)(image + off), len, true, f);
}

int insn_fxsave(const struct insn *i, const struct insn_cpu *cpu, const struct insn_features *ft,
                const struct insn_mem *mem, const struct insn_xstate *xs, uint64_t la,
                struct insn_fault *f)
{
    uint8_t out[512];
    legacy_now(ft, xs, i->rex_w, out);
    /* 64-bit mode has 16 XMM registers, the others 8; the rest of bytes
     * 0-463 is reserved and left as it is. */
    unsigned len = XS_XMM0 + 16 * xmm_count(cpu);
    if (mem->access(mem->ctx, la, NULL, len, true, f))
        return -1;
    return put(mem, la, out, 0, len, f);
}

int insn_fxrstor(const struct insn *i, const struct insn_cpu *cpu, const struct insn_features *ft,
                 const struct insn_mem *mem, struct insn_xstate *xs, uint64_t la,
                 struct insn_fault *f)
{
    uint8_t in[512];
    if (mem->access(mem->ctx, la, in, sizeof(in), false, f))
        return -1;
    if (!mxcsr_valid(ft, in))
        return gp0(f);
    claim(xs->area, ft, xs, XS_X87 | XS_SSE);
    load_x87(xs->area, in, i->rex_w);
    memcpy(xs->area + XS_MXCSR, in + XS_MXCSR, 4);
    memcpy(xs->area + XS_XMM0, in + XS_XMM0, 16 * xmm_count(cpu));
    xs->changed = true;
    return 0;
}

/* Where component c (>= 2) lies in a compacted area holding xcomp. */
static uint32_t compacted_offset(const struct insn_features *ft, uint64_t xcomp, unsigned c)
{
    uint32_t off = XS_EXTENDED;
    for (unsigned j = 2; j < c; j++) {
        if (!(xcomp >> j & 1))
            continue;
        if (ft->comp_align64 >> j & 1)
            off = ALIGN64(off);
        off += ft->comp_size[j];
    }
    if (ft->comp_align64 >> c & 1)
        off = ALIGN64(off);
    return off;
}

static uint32_t area_end(const struct insn_features *ft, uint64_t rfbm, bool compacted)
{
    uint32_t end = XS_EXTENDED;
    for (unsigned c = 2; c < 63; c++) {
        if (!(rfbm >> c & 1))
            continue;
        uint32_t off = compacted ? compacted_offset(ft, rfbm, c) : ft->comp_offset[c];
        if (off + ft->comp_size[c] > end)
            end = off + ft->comp_size[c];
    }
    return end;
}

int insn_xsave(const struct insn *i, const struct insn_cpu *cpu, const struct insn_features *ft,
               const struct insn_mem *mem, const struct insn_xstate *xs, uint64_t la,
               struct insn_fault *f)
{
    uint64_t rfbm = rfbm_of(cpu, xs);
    uint64_t inuse = get64(xs->area + XS_XSTATE_BV) & xs->xcr0;
    bool compacted = i->op == INSN_XSAVEC;
    /* xsaveopt and xsavec skip components in their initial configuration
     * (the init optimization); xsaveopt's other optimization, skipping
     * what is unchanged since the last xrstor, is optional and not done. */
    uint64_t save = (i->op == INSN_XSAVE) ? rfbm : rfbm & inuse;
    uint32_t end = area_end(ft, rfbm, compacted);
    if (mem->access(mem->ctx, la, NULL, end, true, f))
        return -1;

    uint8_t legacy[512];
    legacy_now(ft, xs, i->rex_w, legacy);
    if (save & XS_X87) {
        if (put(mem, la, legacy, 0, X87_HEAD, f) || put(mem, la, legacy, XS_ST0, ST_BYTES, f))
            return -1;
    }
    /* The standard form saves MXCSR for SSE or AVX alike; the compacted
     * one counts it as SSE's and skips it with that component. */
    uint64_t mxcsr_with = compacted ? save & XS_SSE : rfbm & (XS_SSE | XS_AVX);
    if (mxcsr_with && put(mem, la, legacy, XS_MXCSR, 8, f))
        return -1;
    if ((save & XS_SSE) && put(mem, la, legacy, XS_XMM0, 16 * xmm_count(cpu), f))
        return -1;
    for (unsigned c = 2; c < 63; c++) {
        if (!(save >> c & 1))
            continue;
        uint32_t off = compacted ? compacted_offset(ft, rfbm, c) : ft->comp_offset[c];
        const uint8_t *src = xs->area + ft->comp_offset[c];
        uint8_t *zero = NULL;
        if (!(inuse >> c & 1) || !fits(ft, xs, c)) {
            zero = calloc(1, ft->comp_size[c]); /* the initial configuration */
            if (!zero)
                return gp0(f);
            src = zero;
        }
        int rc = mem->access(mem->ctx, la + off, (void *)src, ft->comp_size[c], true, f);
        free(zero);
        if (rc)
            return -1;
    }
    uint64_t hdr[2];
    if (compacted) {
        hdr[0] = rfbm & inuse;
        hdr[1] = rfbm | XS_COMPACTED;
        return mem->access(mem->ctx, la + XS_XSTATE_BV, hdr, 16, true, f);
    }
    /* Standard form: XSTATE_BV's bits outside RFBM are kept. */
    if (mem->access(mem->ctx, la + XS_XSTATE_BV, hdr, 8, false, f))
        return -1;
    hdr[0] = (hdr[0] & ~rfbm) | (rfbm & inuse);
    return mem->access(mem->ctx, la + XS_XSTATE_BV, hdr, 8, true, f);
}

static bool header_valid(const struct insn_features *ft, const struct insn_xstate *xs,
                         const uint8_t hdr[64])
{
    uint64_t bv = get64(hdr), comp = get64(hdr + 8);
    if (!(comp & XS_COMPACTED)) {
        if (bv & ~xs->xcr0)
            return false;
        for (unsigned k = 8; k < 24; k++)
            if (hdr[k])
                return false;
        return true;
    }
    if (!ft->xsavec || (comp & ~XS_COMPACTED & ~xs->xcr0) || (bv & ~comp))
        return false;
    for (unsigned k = 16; k < 64; k++)
        if (hdr[k])
            return false;
    return true;
}

int insn_xrstor(const struct insn *i, const struct insn_cpu *cpu, const struct insn_features *ft,
                const struct insn_mem *mem, struct insn_xstate *xs, uint64_t la,
                struct insn_fault *f)
{
    uint8_t legacy[512], hdr[64];
    if (mem->access(mem->ctx, la + XS_HEADER, hdr, sizeof(hdr), false, f))
        return -1;
    if (!header_valid(ft, xs, hdr))
        return gp0(f);
    uint64_t rfbm = rfbm_of(cpu, xs);
    uint64_t bv = get64(hdr), comp = get64(hdr + 8);
    bool compacted = comp & XS_COMPACTED;
    if (mem->access(mem->ctx, la, NULL, area_end(ft, compacted ? comp & ~XS_COMPACTED : rfbm,
                                                 compacted), false, f) ||
        mem->access(mem->ctx, la, legacy, sizeof(legacy), false, f))
        return -1;
    /* The standard form takes MXCSR whenever SSE or AVX is requested;
     * the compacted one only as part of SSE's data. */
    bool load_mxcsr = compacted ? rfbm & bv & XS_SSE : rfbm & (XS_SSE | XS_AVX);
    if (load_mxcsr && !mxcsr_valid(ft, legacy))
        return gp0(f);

    /* Everything is read into a copy first, so that a fault part way
     * leaves the vCPU's state as it was. */
    uint8_t *img = malloc(xs->size);
    if (!img)
        return gp0(f);
    memcpy(img, xs->area, xs->size);
    claim(img, ft, xs, rfbm);
    if (rfbm & XS_X87) {
        if (bv & XS_X87)
            load_x87(img, legacy, i->rex_w);
        else
            init_component(img, ft, xs, 0);
    }
    if (rfbm & XS_SSE) {
        if (bv & XS_SSE)
            memcpy(img + XS_XMM0, legacy + XS_XMM0, 16 * xmm_count(cpu));
        else
            init_component(img, ft, xs, 1);
    }
    if (load_mxcsr)
        memcpy(img + XS_MXCSR, legacy + XS_MXCSR, 4);
    else if (rfbm & XS_SSE) {
        uint32_t def = MXCSR_DEFAULT;
        memcpy(img + XS_MXCSR, &def, 4);
    }
    for (unsigned c = 2; c < 63; c++) {
        if (!(rfbm >> c & 1) || !fits(ft, xs, c))
            continue;
        if (!(bv >> c & 1)) {
            init_component(img, ft, xs, c);
            continue;
        }
        uint32_t off = compacted ? compacted_offset(ft, comp, c) : ft->comp_offset[c];
        if (mem->access(mem->ctx, la + off, img + ft->comp_offset[c], ft->comp_size[c], false,
                        f)) {
            free(img);
            return -1;
        }
    }
    memcpy(xs->area, img, xs->size);
    free(img);
    xs->changed = true;
    return 0;
}
