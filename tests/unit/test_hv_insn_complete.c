/*
 * Unit tests of the instruction completer (hypervisor/insn_complete):
 * every instruction runs on this host's CPU and through the completer
 * with the same registers, memory and FPU state, and the results must
 * agree. The completer sees host memory one to one (linear address =
 * host pointer) and, as the vCPU's state, the XSAVE image the host CPU
 * saved just before running the instruction itself.
 */
#include "config.h"

#include <check.h>
#include <cpuid.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <asm/prctl.h>
#include <sys/syscall.h>

#include "hypervisor/cpuid.h"
#include "hypervisor/insn_complete.h"
#include "hypervisor/insn_decode.h"

/* Architectural values, spelled out here rather than taken from the
 * completer's sources. */
#define ZF (1ull << 6)
#define ARITH_FLAGS 0x8d5ull /* CF PF AF ZF SF OF */
#define CR0_PE (1ull << 0)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_PG (1ull << 31)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define PF_W (1u << 1)

#define XS_MAX 16384

/* Registers in encoding order, then RFLAGS: the trampolines' layout. */
struct hregs {
    uint64_t gpr[16];
    uint64_t rflags;
};
_Static_assert(sizeof(struct hregs) == 136, "the trampolines use offsets 0-128");

__attribute__((visibility("hidden"), aligned(64))) uint8_t host_before[XS_MAX];
__attribute__((visibility("hidden"), aligned(64))) uint8_t host_after[XS_MAX];
__attribute__((visibility("hidden"), aligned(16))) uint8_t rip_target[64];

/* Runs one instruction on the host: saves the FPU state (host_before),
 * loads every register but RSP from the hregs, runs it, stores them back
 * and saves the FPU state again (host_after); then puts x87 and MXCSR
 * back as the C code had them. */
#define TRAMPOLINE(name, text)                                                                 \
    ".text\n.globl " name "\n.type " name ",@function\n" name ":\n"                          \
    "push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"                     \
    "sub $8,%rsp\nstmxcsr (%rsp)\nfnstcw 4(%rsp)\npush %rdi\n"                               \
    "mov $-1,%eax\nmov $-1,%edx\nxsave64 host_before(%rip)\n"                                \
    "pushq 128(%rdi)\npopfq\n"                                                               \
    "mov 0(%rdi),%rax\nmov 8(%rdi),%rcx\nmov 16(%rdi),%rdx\nmov 24(%rdi),%rbx\n"             \
    "mov 40(%rdi),%rbp\nmov 48(%rdi),%rsi\nmov 64(%rdi),%r8\nmov 72(%rdi),%r9\n"             \
    "mov 80(%rdi),%r10\nmov 88(%rdi),%r11\nmov 96(%rdi),%r12\nmov 104(%rdi),%r13\n"          \
    "mov 112(%rdi),%r14\nmov 120(%rdi),%r15\nmov 56(%rdi),%rdi\n"                            \
    name "_insn:\n" text "\n" name "_end:\n"                                                 \
    "pushfq\npush %rdi\nmov 16(%rsp),%rdi\n"                                                 \
    "mov %rax,0(%rdi)\nmov %rcx,8(%rdi)\nmov %rdx,16(%rdi)\nmov %rbx,24(%rdi)\n"             \
    "mov %rbp,40(%rdi)\nmov %rsi,48(%rdi)\nmov %r8,64(%rdi)\nmov %r9,72(%rdi)\n"             \
    "mov %r10,80(%rdi)\nmov %r11,88(%rdi)\nmov %r12,96(%rdi)\nmov %r13,104(%rdi)\n"          \
    "mov %r14,112(%rdi)\nmov %r15,120(%rdi)\npopq 56(%rdi)\npopq 128(%rdi)\n"                \
    "mov $-1,%eax\nmov $-1,%edx\nxsave64 host_after(%rip)\npop %rdi\n"                       \
    "fninit\nfldcw 4(%rsp)\nldmxcsr (%rsp)\nadd $8,%rsp\n"                                   \
    "pop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n"

#define HOST_INSN(name, text)                                                                  \
    void name(struct hregs *);                                                                 \
    extern const uint8_t name##_insn[], name##_end[];                                          \
    __asm__(TRAMPOLINE(#name, text))

/* cmpxchg16b/8b in the operand forms the decoder must take. */
HOST_INSN(h_lock_cx16_rsi, ".byte 0xf0,0x48,0x0f,0xc7,0x0e");           /* (%rsi) */
HOST_INSN(h_cx16_rsi, ".byte 0x48,0x0f,0xc7,0x0e");                     /* no lock */
HOST_INSN(h_lock_cx16_sib8, ".byte 0xf0,0x4b,0x0f,0xc7,0x4c,0xec,0x40"); /* 0x40(%r12,%r13,8) */
HOST_INSN(h_lock_cx16_r15_d32, ".byte 0xf0,0x49,0x0f,0xc7,0x8f,0x00,0xf0,0xff,0xff"); /* -0x1000(%r15) */
HOST_INSN(h_lock_cx16_rip, "lock cmpxchg16b rip_target+16(%rip)");
HOST_INSN(h_lock_cx16_fs, ".byte 0x64,0xf0,0x48,0x0f,0xc7,0x0e");        /* %fs:(%rsi) */
HOST_INSN(h_cx16_nobase, ".byte 0x4a,0x0f,0xc7,0x0c,0xed,0x10,0x00,0x00,0x00"); /* 0x10(,%r13,8) */
HOST_INSN(h_cx8_rex_before_lock, ".byte 0x48,0xf0,0x0f,0xc7,0x0e");     /* REX.W, then lock: void */
HOST_INSN(h_lock_cx8_sib_r9, ".byte 0xf0,0x42,0x0f,0xc7,0x0c,0x4e");     /* (%rsi,%r9,2) */
HOST_INSN(h_cx8_addr32, ".byte 0x67,0xf0,0x0f,0xc7,0x0e");               /* (%esi) */
HOST_INSN(h_cx8_r11_d8, ".byte 0x41,0x0f,0xc7,0x4b,0xfc");               /* -4(%r11) */
/* The FPU/SSE state family. */
HOST_INSN(h_ldmxcsr, ".byte 0x0f,0xae,0x16");                            /* ldmxcsr (%rsi) */
HOST_INSN(h_stmxcsr_r14, ".byte 0x41,0x0f,0xae,0x5e,0x08");              /* stmxcsr 8(%r14) */
HOST_INSN(h_fxsave, ".byte 0x0f,0xae,0x06");                             /* fxsave (%rsi) */
HOST_INSN(h_fxsave64, ".byte 0x48,0x0f,0xae,0x06");
HOST_INSN(h_fxrstor, ".byte 0x0f,0xae,0x0e");
HOST_INSN(h_fxrstor64, ".byte 0x49,0x0f,0xae,0x0c,0x24");                /* (%r12) */
HOST_INSN(h_xsave64, ".byte 0x48,0x0f,0xae,0x26");                       /* xsave64 (%rsi) */
HOST_INSN(h_xsave, ".byte 0x0f,0xae,0x26");
HOST_INSN(h_xsaveopt64, ".byte 0x48,0x0f,0xae,0x36");
HOST_INSN(h_xsavec64, ".byte 0x48,0x0f,0xc7,0x26");
HOST_INSN(h_xrstor64, ".byte 0x48,0x0f,0xae,0x2e");
HOST_INSN(h_xrstor, ".byte 0x0f,0xae,0x2e");

/* ---- the completer's view of this process ---------------------------- */

struct tmem {
    uintptr_t hole_lo, hole_hi; /* [lo, hi) is "not present" */
    bool split;                 /* map() says: not one host piece */
    unsigned maps;
};

static bool in_hole(const struct tmem *m, uint64_t la, unsigned len, uint64_t *at)
{
    if (la + len <= m->hole_lo || la >= m->hole_hi)
        return false;
    *at = la > m->hole_lo ? la : m->hole_lo;
    return true;
}

static int tmem_access(void *ctx, uint64_t la, void *buf, unsigned len, bool write,
                       struct insn_fault *f)
{
    uint64_t at;
    if (in_hole(ctx, la, len, &at)) {
        *f = (struct insn_fault){.vector = INSN_VEC_PF, .has_error = true,
                                 .error_code = write ? PF_W : 0, .cr2 = at};
        return -1;
    }
    if (buf && write)
        memcpy((void *)(uintptr_t)la, buf, len);
    else if (buf)
        memcpy(buf, (void *)(uintptr_t)la, len);
    return 0;
}

static void *tmem_map(void *ctx, uint64_t la, unsigned len, bool write, struct insn_fault *f)
{
    struct tmem *m = ctx;
    if (tmem_access(ctx, la, NULL, len, write, f))
        return NULL;
    m->maps++;
    *f = (struct insn_fault){.vector = INSN_NO_FAULT};
    return m->split ? NULL : (void *)(uintptr_t)la;
}

static struct tmem tm;
static const struct insn_mem tmem_ops = {&tm, tmem_access, tmem_map};
static struct insn_features host_ft;
static uint32_t host_xsave_size;
static uint64_t host_xcr0;
static uint8_t *state; /* the completer's copy of the vCPU state */

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* The host's CPUID as KVM would hand it over, through the same function
 * xenolithd uses. */
static void host_features(void)
{
    enum { N = 70 };
    struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + N * sizeof(t->entries[0]));
    ck_assert_ptr_nonnull(t);
    unsigned a, b, c, d;
    __cpuid_count(1, 0, a, b, c, d);
    t->entries[t->nent++] = (struct kvm_cpuid_entry2){.function = 1, .eax = a, .ebx = b,
                                                      .ecx = c, .edx = d};
    for (uint32_t i = 0; i < 64; i++) {
        __cpuid_count(0xd, i, a, b, c, d);
        t->entries[t->nent++] = (struct kvm_cpuid_entry2){
            .function = 0xd, .index = i, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
            .eax = a, .ebx = b, .ecx = c, .edx = d};
    }
    uint8_t fx[512] __attribute__((aligned(16))) = {0};
    __asm__ volatile("fxsave %0" : "=m"(fx));
    uint32_t mask;
    memcpy(&mask, fx + 28, 4);
    cpuid_insn_features(t, mask ? mask : 0xffbf, &host_ft);
    free(t);
    __cpuid_count(0xd, 0, a, b, c, d);
    host_xsave_size = b;
    host_xcr0 = xgetbv0();
}

static void setup(void)
{
    host_features();
    ck_assert(host_ft.fxsr && host_ft.sse && host_ft.xsave); /* any x86-64 CI host */
    ck_assert_uint_le(host_xsave_size, XS_MAX);
    state = aligned_alloc(64, XS_MAX);
    ck_assert_ptr_nonnull(state);
    tm = (struct tmem){0};
    /* Something worth saving in x87 and the high XMM registers; the low
     * ones hold whatever the C code left there. */
    static const uint8_t pattern[128] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                         0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87};
    __asm__ volatile("fninit\nfld1\nfldpi\nfldl2t\n"
                     "movdqu 0(%0),%%xmm8\nmovdqu 16(%0),%%xmm9\nmovdqu 32(%0),%%xmm15\n"
                     :
                     : "r"(pattern)
                     : "xmm8", "xmm9", "xmm15", "memory");
}

static void teardown(void)
{
    __asm__ volatile("fninit");
    free(state);
}

static struct insn_cpu cpu_for(const struct hregs *in, const uint8_t *insn)
{
    struct insn_cpu cpu = {
        .rip = (uint64_t)(uintptr_t)insn, .rflags = in->rflags,
        .cr0 = CR0_PE | CR0_PG | (1ull << 1) | (1ull << 5) | (1ull << 16),
        .cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE | (1ull << 5),
        .mode_bits = 64,
    };
    memcpy(cpu.gpr, in->gpr, sizeof(cpu.gpr));
    syscall(SYS_arch_prctl, ARCH_GET_FS, &cpu.seg_base[INSN_FS]);
    syscall(SYS_arch_prctl, ARCH_GET_GS, &cpu.seg_base[INSN_GS]);
    return cpu;
}

/* Decodes the bytes at insn and completes them on a copy of host_before;
 * *xs is the completer's state afterwards. */
static enum insn_status complete_at(const uint8_t *insn, struct insn_cpu *cpu,
                                    struct insn_xstate *xs, struct insn_fault *f)
{
    struct insn i;
    ck_assert_int_eq(insn_decode(insn, INSN_MAX_LEN, 64, &i), INSN_DECODED);
    memcpy(state, host_before, host_xsave_size);
    *xs = (struct insn_xstate){.area = state, .size = host_xsave_size, .xcr0 = host_xcr0};
    return insn_complete(&i, cpu, &host_ft, &tmem_ops, xs, f);
}

/* Same registers as the host ended with, RSP aside; the arithmetic flags
 * equal; RIP just past the instruction. */
static void assert_regs_agree(const struct insn_cpu *cpu, const struct hregs *host,
                              const uint8_t *end)
{
    for (int r = 0; r < 16; r++)
        if (r != INSN_RSP)
            ck_assert_msg(cpu->gpr[r] == host->gpr[r], "register %d: completer 0x%llx, host 0x%llx",
                          r, (unsigned long long)cpu->gpr[r], (unsigned long long)host->gpr[r]);
    ck_assert_uint_eq(cpu->rflags & ARITH_FLAGS, host->rflags & ARITH_FLAGS);
    ck_assert_uint_eq(cpu->rip, (uint64_t)(uintptr_t)end);
}

/* ---- cmpxchg8b / cmpxchg16b ---------------------------------------- */

static uint8_t *low_buffer(void)
{
    /* Below 4 GiB, so the 32-bit address-size form can reach it. */
    void *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                   -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    return p;
}

/* One cmpxchg case: memory at mem (len bytes) starts as init; the host
 * runs the instruction, then the memory is reset and the completer runs
 * it with the same registers. Returns ZF as the completer left it. */
static bool cmpxchg_case(void (*host)(struct hregs *), const uint8_t *insn, const uint8_t *end,
                         const struct hregs *in, uint8_t *mem, const uint8_t *init, size_t len)
{
    struct hregs h = *in;
    memcpy(mem, init, len);
    host(&h);
    uint8_t host_mem[64];
    memcpy(host_mem, mem, len);
    memcpy(mem, init, len);
    struct insn_cpu cpu = cpu_for(in, insn);
    struct insn_xstate xs;
    struct insn_fault f;
    ck_assert_int_eq(complete_at(insn, &cpu, &xs, &f), INSN_DONE);
    assert_regs_agree(&cpu, &h, end);
    ck_assert_mem_eq(mem, host_mem, len);
    ck_assert(!xs.changed);
    return cpu.rflags & ZF;
}

static const uint8_t old16[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                  0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};

static struct hregs cx_regs(bool match, bool wide)
{
    struct hregs r;
    for (int i = 0; i < 16; i++)
        r.gpr[i] = 0x0101010101010101ull * (uint64_t)(i + 1);
    uint64_t lo, hi;
    memcpy(&lo, old16, 8);
    memcpy(&hi, old16 + 8, 8);
    if (!wide) {
        hi = lo >> 32;
        lo = (uint32_t)lo;
    }
    /* Upper halves of RAX/RDX set: cmpxchg8b must ignore them, and clear
     * them only when it loads EDX:EAX. */
    r.gpr[INSN_RAX] = match ? lo | (wide ? 0 : 0xabcd000000000000ull) : lo ^ 1;
    r.gpr[INSN_RDX] = match ? hi | (wide ? 0 : 0x1234000000000000ull) : hi;
    r.gpr[INSN_RBX] = 0xfeedfacecafebeefull;
    r.gpr[INSN_RCX] = 0x0123456789abcdefull;
    r.rflags = 0x202 | (match ? 0 : ZF); /* ZF set on the way in to see it cleared */
    return r;
}

#define CX_TEST(tname, host, wide, offset, setup_regs)                                        \
    START_TEST(tname)                                                                          \
    {                                                                                          \
        uint8_t *buf = low_buffer();                                                           \
        uint8_t *mem = buf + (offset);                                                         \
        for (int match = 0; match < 2; match++) {                                              \
            struct hregs r = cx_regs(match, wide);                                             \
            setup_regs;                                                                        \
            bool zf = cmpxchg_case(host, host##_insn, host##_end, &r, mem, old16,              \
                                   (wide) ? 16 : 8);                                           \
            ck_assert_int_eq(zf, match);                                                       \
        }                                                                                      \
        munmap(buf, 2 * 4096);                                                                 \
    }                                                                                          \
    END_TEST

CX_TEST(cx16_lock_rsi, h_lock_cx16_rsi, true, 64, r.gpr[INSN_RSI] = (uintptr_t)mem)
CX_TEST(cx16_rsi_without_lock, h_cx16_rsi, true, 64, r.gpr[INSN_RSI] = (uintptr_t)mem)
CX_TEST(cx16_base_index_scale_disp8, h_lock_cx16_sib8, true, 256,
        (r.gpr[12] = (uintptr_t)mem - 0x40 - 8 * 5, r.gpr[13] = 5))
CX_TEST(cx16_r15_disp32, h_lock_cx16_r15_d32, true, 128, r.gpr[15] = (uintptr_t)mem + 0x1000)
CX_TEST(cx16_fs_override, h_lock_cx16_fs, true, 64, {
    uint64_t fs;
    syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
    r.gpr[INSN_RSI] = (uintptr_t)mem - fs;
})
CX_TEST(cx16_index_without_base, h_cx16_nobase, true, 48,
        r.gpr[13] = ((uintptr_t)mem - 0x10) / 8)
CX_TEST(rex_before_a_prefix_is_dropped, h_cx8_rex_before_lock, false, 64,
        r.gpr[INSN_RSI] = (uintptr_t)mem)
CX_TEST(cx8_sib_r9_index, h_lock_cx8_sib_r9, false, 40,
        (r.gpr[INSN_RSI] = (uintptr_t)mem - 2 * 7, r.gpr[9] = 7))
CX_TEST(cx8_address_size_32, h_cx8_addr32, false, 72,
        r.gpr[INSN_RSI] = 0xdead000000000000ull | (uint32_t)(uintptr_t)mem)
CX_TEST(cx8_misaligned_r11_disp8, h_cx8_r11_d8, false, 4093, r.gpr[11] = (uintptr_t)mem + 4)

START_TEST(cx16_rip_relative)
{
    for (int match = 0; match < 2; match++) {
        struct hregs r = cx_regs(match, true);
        bool zf = cmpxchg_case(h_lock_cx16_rip, h_lock_cx16_rip_insn, h_lock_cx16_rip_end, &r,
                               rip_target + 16, old16, 16);
        ck_assert_int_eq(zf, match);
    }
}
END_TEST

/* Split into two host pieces (another frame behind the page boundary):
 * the completer copies instead of mapping, with the same result. */
START_TEST(cx8_across_pieces_copies)
{
    uint8_t *buf = low_buffer();
    tm.split = true;
    for (int match = 0; match < 2; match++) {
        struct hregs r = cx_regs(match, false);
        r.gpr[11] = (uintptr_t)buf + 4094 + 4;
        bool zf = cmpxchg_case(h_cx8_r11_d8, h_cx8_r11_d8_insn, h_cx8_r11_d8_end, &r,
                               buf + 4094, old16, 8);
        ck_assert_int_eq(zf, match);
    }
    ck_assert_uint_eq(tm.maps, 2);
    munmap(buf, 2 * 4096);
}
END_TEST

static enum insn_status complete_bytes(const uint8_t *bytes, unsigned n, struct insn_cpu *cpu,
                                       const struct insn_features *ft, struct insn_fault *f)
{
    struct insn i;
    ck_assert_int_eq(insn_decode(bytes, n, cpu->mode_bits, &i), INSN_DECODED);
    struct insn_xstate xs = {.area = state, .size = host_xsave_size, .xcr0 = host_xcr0};
    memcpy(state, host_before, host_xsave_size);
    return insn_complete(&i, cpu, ft, &tmem_ops, &xs, f);
}

static struct insn_cpu plain_cpu(void)
{
    struct hregs r = {.rflags = 0x202};
    return cpu_for(&r, NULL);
}

START_TEST(cx16_misaligned_is_gp)
{
    static const uint8_t b[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0e};
    uint8_t *buf = low_buffer();
    struct insn_cpu cpu = plain_cpu();
    cpu.gpr[INSN_RSI] = (uintptr_t)buf + 8;
    struct insn_fault f;
    ck_assert_int_eq(complete_bytes(b, sizeof(b), &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
    ck_assert(f.has_error);
    ck_assert_uint_eq(f.error_code, 0);
    ck_assert_uint_eq(tm.maps, 0); /* memory untouched */
    ck_assert_uint_eq(cpu.rip, 0);
    munmap(buf, 2 * 4096);
}
END_TEST

START_TEST(cx16_not_offered_is_ud)
{
    static const uint8_t b[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0e};
    struct insn_features ft = host_ft;
    ft.cx16 = false;
    struct insn_cpu cpu = plain_cpu();
    struct insn_fault f;
    ck_assert_int_eq(complete_bytes(b, sizeof(b), &cpu, &ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_UD);
}
END_TEST

START_TEST(cx_non_canonical_is_gp_or_ss)
{
    static const uint8_t via_rsi[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0e};
    static const uint8_t via_rbp[] = {0x48, 0x0f, 0xc7, 0x4d, 0x00}; /* 0(%rbp): SS */
    struct insn_cpu cpu = plain_cpu();
    cpu.gpr[INSN_RSI] = cpu.gpr[INSN_RBP] = 0x0000800000000000ull;
    struct insn_fault f;
    ck_assert_int_eq(complete_bytes(via_rsi, sizeof(via_rsi), &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
    ck_assert_int_eq(complete_bytes(via_rbp, sizeof(via_rbp), &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_SS);
    ck_assert_uint_eq(tm.maps, 0);
}
END_TEST

START_TEST(cx_unmapped_is_pf_for_a_write)
{
    static const uint8_t b[] = {0xf0, 0x0f, 0xc7, 0x0e}; /* lock cmpxchg8b (%rsi) */
    uint8_t *buf = low_buffer();
    tm.hole_lo = (uintptr_t)buf + 4096;
    tm.hole_hi = tm.hole_lo + 4096;
    struct insn_cpu cpu = plain_cpu();
    cpu.gpr[INSN_RSI] = tm.hole_lo + 24;
    struct insn_fault f;
    ck_assert_int_eq(complete_bytes(b, sizeof(b), &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_PF);
    ck_assert_uint_eq(f.cr2, tm.hole_lo + 24);
    ck_assert(f.error_code & PF_W); /* the failed comparison writes too */
    ck_assert_uint_eq(cpu.rip, 0);
    munmap(buf, 2 * 4096);
}
END_TEST

/* 32-bit protected mode: no REX (0x48 is dec %eax), DS's base counts,
 * addresses wrap at 4 GiB. Checked against the architecture, not the
 * host, which runs 64-bit code only here. */
START_TEST(cx8_protected_mode_segment_base)
{
    static const uint8_t b[] = {0x0f, 0xc7, 0x4e, 0x10}; /* cmpxchg8b 0x10(%esi) */
    static const uint8_t rex[] = {0x48, 0x0f, 0xc7, 0x0e};
    uint8_t *buf = low_buffer();
    struct insn i;
    ck_assert_int_eq(insn_decode(rex, sizeof(rex), 32, &i), INSN_UNKNOWN);
    struct insn_cpu cpu = plain_cpu();
    cpu.mode_bits = 32;
    cpu.rip = 0x1000;
    cpu.seg_base[INSN_DS] = 0x100000;
    cpu.gpr[INSN_RSI] = (uint32_t)((uintptr_t)buf - 0x100000 - 0x10);
    cpu.gpr[INSN_RAX] = 0x44332211;
    cpu.gpr[INSN_RDX] = 0x88776655;
    cpu.gpr[INSN_RBX] = 0xaaaaaaaa;
    cpu.gpr[INSN_RCX] = 0xbbbbbbbb;
    memcpy(buf, old16, 8);
    struct insn_fault f;
    ck_assert_int_eq(complete_bytes(b, sizeof(b), &cpu, &host_ft, &f), INSN_DONE);
    ck_assert(cpu.rflags & ZF);
    ck_assert_uint_eq(cpu.rip, 0x1004);
    static const uint8_t want[8] = {0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb};
    ck_assert_mem_eq(buf, want, 8);
    munmap(buf, 2 * 4096);
}
END_TEST

/* Another thread hammers the same 16 bytes with the host's own locked
 * cmpxchg16b while this one goes through the completer: no increment of
 * either may be lost, and the two halves must never tear. */
static volatile unsigned __int128 shared16 __attribute__((aligned(16)));
#define ROUNDS 200000

static void *host_incrementer(void *arg)
{
    (void)arg;
    for (int n = 0; n < ROUNDS; n++) {
        /* A torn guess only makes the first try fail. */
        unsigned __int128 guess = shared16;
        uint64_t lo = (uint64_t)guess, hi = (uint64_t)(guess >> 64);
        bool ok;
        do {
            __asm__ volatile("lock cmpxchg16b %1"
                             : "=@ccz"(ok), "+m"(shared16),
                               "+a"(lo), "+d"(hi)
                             : "b"(lo + 1), "c"(hi + 1)
                             : "memory");
        } while (!ok);
    }
    return NULL;
}

START_TEST(cx16_atomic_against_another_thread)
{
    static const uint8_t b[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0e};
    struct insn i;
    ck_assert_int_eq(insn_decode(b, sizeof(b), 64, &i), INSN_DECODED);
    shared16 = (unsigned __int128)(1ull << 40) << 64;
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, host_incrementer, NULL), 0);
    struct insn_cpu cpu = plain_cpu();
    cpu.gpr[INSN_RSI] = (uintptr_t)&shared16;
    cpu.gpr[INSN_RAX] = 0;
    cpu.gpr[INSN_RDX] = 0;
    unsigned failures = 0;
    for (int n = 0; n < ROUNDS;) {
        cpu.gpr[INSN_RBX] = cpu.gpr[INSN_RAX] + 1;
        cpu.gpr[INSN_RCX] = cpu.gpr[INSN_RDX] + 1;
        struct insn_fault f;
        ck_assert_int_eq(insn_complete(&i, &cpu, &host_ft, &tmem_ops, NULL, &f), INSN_DONE);
        /* The pair read back on failure was written as one. */
        ck_assert_uint_eq(cpu.gpr[INSN_RDX] - cpu.gpr[INSN_RAX], 1ull << 40);
        if (cpu.rflags & ZF) {
            n++;
            cpu.gpr[INSN_RAX]++;
            cpu.gpr[INSN_RDX]++;
        } else {
            failures++;
        }
    }
    pthread_join(t, NULL);
    ck_assert_uint_eq((uint64_t)shared16, 2ull * ROUNDS);
    ck_assert_uint_eq((uint64_t)(shared16 >> 64), (1ull << 40) + 2ull * ROUNDS);
    (void)failures;
}
END_TEST

/* ---- MXCSR, FXSAVE, XSAVE ------------------------------------------ */

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The state an XSAVE image describes, with every component the header
 * marks unused written out in its initial configuration, so that images
 * of equal state compare equal byte for byte. */
static void normalize(uint8_t *img)
{
    uint64_t bv = get64(img + 512);
    if (!(bv & 1)) {
        memset(img, 0, 24);
        memset(img + 32, 0, 128);
        img[0] = 0x7f;
        img[1] = 0x03;
    }
    if (!(bv & 2))
        memset(img + 160, 0, 256);
    for (unsigned c = 2; c < 63; c++)
        if ((host_xcr0 >> c & 1) && !(bv >> c & 1))
            memset(img + host_ft.comp_offset[c], 0, host_ft.comp_size[c]);
}

/* The completer's state equals the one the host ended with. */
static void assert_state_agrees(const uint8_t *completer)
{
    static uint8_t a[XS_MAX] __attribute__((aligned(64))), b[XS_MAX] __attribute__((aligned(64)));
    memcpy(a, completer, host_xsave_size);
    memcpy(b, host_after, host_xsave_size);
    normalize(a);
    normalize(b);
    ck_assert_mem_eq(a, b, 416);
    for (unsigned c = 2; c < 63; c++)
        if (host_xcr0 >> c & 1)
            ck_assert_msg(!memcmp(a + host_ft.comp_offset[c], b + host_ft.comp_offset[c],
                                  host_ft.comp_size[c]),
                          "state component %u differs", c);
}

/* One save/restore case on an XSAVE-sized buffer that starts as init:
 * host first, then the buffer is reset and the completer runs. */
struct fp_case {
    void (*host)(struct hregs *);
    const uint8_t *insn, *end;
    struct hregs in;
    uint8_t *mem;
    const uint8_t *init;
    size_t len;
};

static void fp_case_run(const struct fp_case *c, bool state_changes)
{
    struct hregs h = c->in;
    memcpy(c->mem, c->init, c->len);
    c->host(&h);
    uint8_t *host_mem = malloc(c->len);
    ck_assert_ptr_nonnull(host_mem);
    memcpy(host_mem, c->mem, c->len);
    memcpy(c->mem, c->init, c->len);
    struct insn_cpu cpu = cpu_for(&c->in, c->insn);
    struct insn_xstate xs;
    struct insn_fault f;
    enum insn_status st = complete_at(c->insn, &cpu, &xs, &f);
    ck_assert_msg(st == INSN_DONE, "fault %u", f.vector);
    assert_regs_agree(&cpu, &h, c->end);
    for (size_t k = 0; k < c->len; k++)
        ck_assert_msg(c->mem[k] == host_mem[k], "memory byte %zu: completer 0x%02x, host 0x%02x",
                      k, c->mem[k], host_mem[k]);
    ck_assert_int_eq(xs.changed, state_changes);
    assert_state_agrees(state);
    free(host_mem);
}

static uint8_t *fp_buffer(size_t *len)
{
    *len = XS_MAX;
    uint8_t *p = aligned_alloc(64, XS_MAX + 64);
    ck_assert_ptr_nonnull(p);
    return p;
}

static uint8_t *pattern_fill(size_t len)
{
    uint8_t *p = malloc(len);
    ck_assert_ptr_nonnull(p);
    for (size_t k = 0; k < len; k++)
        p[k] = (uint8_t)(0xa5 ^ (k * 7));
    return p;
}

START_TEST(ldmxcsr_and_stmxcsr)
{
    uint8_t *buf = low_buffer();
    static const uint32_t values[] = {0x1f80, 0x9fc0, 0x0000, 0xffbf & 0x7f80};
    for (unsigned k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
        uint8_t init[16] = {0};
        memcpy(init, &values[k], 4);
        struct fp_case c = {.host = h_ldmxcsr, .insn = h_ldmxcsr_insn, .end = h_ldmxcsr_end,
                            .in = {.rflags = 0x202}, .mem = buf, .init = init, .len = 16};
        c.in.gpr[INSN_RSI] = (uintptr_t)buf;
        fp_case_run(&c, true);
    }
    uint8_t init[24];
    memset(init, 0x5a, sizeof(init));
    struct fp_case c = {.host = h_stmxcsr_r14, .insn = h_stmxcsr_r14_insn,
                        .end = h_stmxcsr_r14_end, .in = {.rflags = 0x202}, .mem = buf,
                        .init = init, .len = sizeof(init)};
    c.in.gpr[14] = (uintptr_t)buf + 2; /* no alignment needed */
    fp_case_run(&c, false);
    munmap(buf, 2 * 4096);
}
END_TEST

START_TEST(ldmxcsr_reserved_bits_are_gp)
{
    static const uint8_t b[] = {0x0f, 0xae, 0x16};
    uint32_t v[2] = {0x1f80 | (1u << 16), 0}; /* bit 16 is reserved everywhere */
    struct insn_cpu cpu = plain_cpu();
    cpu.gpr[INSN_RSI] = (uintptr_t)v;
    struct insn_fault f;
    ck_assert_int_eq(complete_bytes(b, sizeof(b), &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
    ck_assert_uint_eq(cpu.rip, 0);
    /* DAZ (bit 6) is reserved where the mask says so. */
    struct insn_features ft = host_ft;
    ft.mxcsr_mask = 0xffbf;
    v[0] = 0x1fc0;
    ck_assert_int_eq(complete_bytes(b, sizeof(b), &cpu, &ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
}
END_TEST

START_TEST(mxcsr_needs_sse_enabled)
{
    static const uint8_t b[] = {0x0f, 0xae, 0x1e}; /* stmxcsr (%rsi) */
    uint32_t v = 0;
    struct insn_cpu cpu = plain_cpu();
    cpu.gpr[INSN_RSI] = (uintptr_t)&v;
    struct insn_fault f;
    cpu.cr4 &= ~CR4_OSFXSR;
    ck_assert_int_eq(complete_bytes(b, sizeof(b), &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_UD);
    cpu.cr4 |= CR4_OSFXSR;
    cpu.cr0 |= CR0_TS;
    ck_assert_int_eq(complete_bytes(b, sizeof(b), &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_NM);
    cpu.cr0 |= CR0_EM;
    ck_assert_int_eq(complete_bytes(b, sizeof(b), &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_UD);
    static const uint8_t locked[] = {0xf0, 0x0f, 0xae, 0x1e};
    cpu.cr0 &= ~(CR0_EM | CR0_TS);
    ck_assert_int_eq(complete_bytes(locked, sizeof(locked), &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_UD);
    ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(fxsave_both_formats)
{
    size_t len;
    uint8_t *buf = fp_buffer(&len);
    uint8_t *init = pattern_fill(512);
    struct fp_case c = {.host = h_fxsave, .insn = h_fxsave_insn, .end = h_fxsave_end,
                        .in = {.rflags = 0x202}, .mem = buf, .init = init, .len = 512};
    c.in.gpr[INSN_RSI] = (uintptr_t)buf;
    fp_case_run(&c, false);
    c.host = h_fxsave64;
    c.insn = h_fxsave64_insn;
    c.end = h_fxsave64_end;
    fp_case_run(&c, false);
    free(init);
    free(buf);
}
END_TEST

/* A valid FXSAVE image different from the state now: precision control,
 * flags in MXCSR (FTZ and DAZ), a full x87 stack, patterned XMM. */
static void crafted_fx_image(uint8_t *img)
{
    __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])img));
    uint16_t fcw = 0x027f;
    memcpy(img, &fcw, 2);
    img[4] = 0xff; /* all eight registers valid */
    uint32_t mxcsr = 0x9fc0 & host_ft.mxcsr_mask;
    memcpy(img + 24, &mxcsr, 4);
    for (unsigned k = 0; k < 8; k++) {
        uint8_t *st = img + 32 + 16 * k;
        for (unsigned j = 0; j < 8; j++)
            st[j] = (uint8_t)(0x10 * k + j + 1);
        st[8] = 0xff;
        st[9] = 0x3f;
    }
    for (unsigned k = 0; k < 256; k++)
        img[160 + k] = (uint8_t)(k * 13 + 5);
}

START_TEST(fxrstor_both_formats)
{
    size_t len;
    uint8_t *buf = fp_buffer(&len);
    uint8_t init[512] __attribute__((aligned(16)));
    crafted_fx_image(init);
    struct fp_case c = {.host = h_fxrstor, .insn = h_fxrstor_insn, .end = h_fxrstor_end,
                        .in = {.rflags = 0x202}, .mem = buf, .init = init, .len = 512};
    c.in.gpr[INSN_RSI] = (uintptr_t)buf;
    fp_case_run(&c, true);
    c.host = h_fxrstor64;
    c.insn = h_fxrstor64_insn;
    c.end = h_fxrstor64_end;
    c.in.gpr[12] = (uintptr_t)buf;
    fp_case_run(&c, true);
    free(buf);
}
END_TEST

START_TEST(fx_faults)
{
    static const uint8_t fxrstor[] = {0x0f, 0xae, 0x0e}, fxsave[] = {0x0f, 0xae, 0x06};
    size_t len;
    uint8_t *buf = fp_buffer(&len);
    crafted_fx_image(buf);
    struct insn_cpu cpu = plain_cpu();
    struct insn_fault f;
    cpu.gpr[INSN_RSI] = (uintptr_t)buf + 8; /* 16-byte alignment required */
    ck_assert_int_eq(complete_bytes(fxsave, 3, &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
    cpu.gpr[INSN_RSI] = (uintptr_t)buf;
    uint32_t bad = 0x1f80 | (1u << 20);
    memcpy(buf + 24, &bad, 4);
    ck_assert_int_eq(complete_bytes(fxrstor, 3, &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
    cpu.cr0 |= CR0_TS;
    ck_assert_int_eq(complete_bytes(fxsave, 3, &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_NM);
    cpu.cr0 &= ~CR0_TS;
    /* The image straddles a missing page: #PF at its first byte there,
     * nothing written before it. */
    uint8_t *low = low_buffer();
    memset(low, 0x77, 4096);
    tm.hole_lo = (uintptr_t)low + 4096;
    tm.hole_hi = tm.hole_lo + 4096;
    cpu.gpr[INSN_RSI] = tm.hole_lo - 256;
    ck_assert_int_eq(complete_bytes(fxsave, 3, &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_PF);
    ck_assert_uint_eq(f.cr2, tm.hole_lo);
    ck_assert(f.error_code & PF_W);
    for (unsigned k = 0; k < 4096; k++)
        ck_assert_uint_eq(low[k], 0x77);
    munmap(low, 2 * 4096);
    free(buf);
}
END_TEST

static struct fp_case xsave_case(void (*host)(struct hregs *), const uint8_t *insn,
                                 const uint8_t *end, uint64_t mask, uint8_t *buf,
                                 const uint8_t *init)
{
    struct fp_case c = {.host = host, .insn = insn, .end = end, .in = {.rflags = 0x202},
                        .mem = buf, .init = init, .len = host_xsave_size};
    c.in.gpr[INSN_RSI] = (uintptr_t)buf;
    c.in.gpr[INSN_RAX] = (uint32_t)mask;
    c.in.gpr[INSN_RDX] = mask >> 32;
    return c;
}

/* The save instructions with every component, x87+SSE only, AVX only;
 * the header and the extended region start as a pattern except for the
 * header bytes xrstor would reject. */
static void xsave_family(void (*host)(struct hregs *), const uint8_t *insn, const uint8_t *end)
{
    size_t len;
    uint8_t *buf = fp_buffer(&len);
    uint8_t *init = pattern_fill(host_xsave_size);
    memset(init + 512, 0, 64);
    static const uint64_t masks[] = {~0ull, 3, 4, 0xe0, 0};
    /* With the x87 registers loaded, then in their initial configuration
     * (which the init optimization skips). */
    for (int x87_init = 0; x87_init < 2; x87_init++) {
        if (x87_init)
            __asm__ volatile("fninit");
        for (unsigned k = 0; k < sizeof(masks) / sizeof(masks[0]); k++) {
            struct fp_case c = xsave_case(host, insn, end, masks[k], buf, init);
            fp_case_run(&c, false);
        }
    }
    free(init);
    free(buf);
}

START_TEST(xsave_standard)
{
    xsave_family(h_xsave64, h_xsave64_insn, h_xsave64_end);
    xsave_family(h_xsave, h_xsave_insn, h_xsave_end);
}
END_TEST

START_TEST(xsaveopt_standard)
{
    ck_assert(host_ft.xsaveopt); /* every CPU with AVX has it */
    xsave_family(h_xsaveopt64, h_xsaveopt64_insn, h_xsaveopt64_end);
}
END_TEST

START_TEST(xsavec_compacted)
{
    if (!host_ft.xsavec) {
        /* Where the CPU lacks it, the guest's CPUID does too: #UD. */
        struct insn_cpu cpu = plain_cpu();
        struct insn_fault f;
        ck_assert_int_eq(complete_bytes(h_xsavec64_insn, 4, &cpu, &host_ft, &f), INSN_FAULTED);
        ck_assert_uint_eq(f.vector, INSN_VEC_UD);
        return;
    }
    xsave_family(h_xsavec64, h_xsavec64_insn, h_xsavec64_end);
}
END_TEST

/* An image to restore: the state now, saved by the host in the given
 * form, with x87/SSE crafted and the AVX halves patterned. */
static void crafted_xsave_image(uint8_t *img, bool compacted, uint64_t xstate_bv)
{
    memset(img, 0, host_xsave_size);
    if (compacted)
        __asm__ volatile("xsavec64 %0" : "=m"(*(uint8_t(*)[XS_MAX])img) : "a"(-1), "d"(-1));
    else
        __asm__ volatile("xsave64 %0" : "=m"(*(uint8_t(*)[XS_MAX])img) : "a"(-1), "d"(-1));
    uint8_t fx[512] __attribute__((aligned(16)));
    crafted_fx_image(fx);
    memcpy(img, fx, 416);
    uint64_t comp = get64(img + 520);
    uint32_t avx = XS_MAX;
    if (!compacted)
        avx = host_ft.comp_offset[2];
    else if (comp & 4)
        avx = 576; /* AVX is the first extended component */
    if (avx + 256 <= host_xsave_size)
        for (unsigned k = 0; k < 256; k++)
            img[avx + k] = (uint8_t)(k * 29 + 3);
    xstate_bv &= host_xcr0;
    if (compacted)
        xstate_bv &= comp;
    memcpy(img + 512, &xstate_bv, 8);
}

static void xrstor_cases(bool compacted)
{
    size_t len;
    uint8_t *buf = fp_buffer(&len);
    uint8_t *init = aligned_alloc(64, XS_MAX);
    ck_assert_ptr_nonnull(init);
    static const struct {
        uint64_t bv, mask;
    } cases[] = {
        {7, ~0ull}, /* x87, SSE, AVX from memory */
        {6, ~0ull}, /* x87 initialized */
        {3, ~0ull}, /* AVX initialized */
        {0, ~0ull}, /* all initialized */
        {7, 2},     /* SSE only: XMM and MXCSR */
        {7, 4},     /* AVX only (and MXCSR in the standard form) */
        {1, 6},     /* SSE and AVX asked, neither present */
    };
    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        crafted_xsave_image(init, compacted, cases[k].bv);
        struct fp_case c = xsave_case(h_xrstor64, h_xrstor64_insn, h_xrstor64_end, cases[k].mask,
                                      buf, init);
        fp_case_run(&c, true);
        c.host = h_xrstor;
        c.insn = h_xrstor_insn;
        c.end = h_xrstor_end;
        fp_case_run(&c, true);
    }
    free(init);
    free(buf);
}

START_TEST(xrstor_standard)
{
    xrstor_cases(false);
}
END_TEST

START_TEST(xrstor_compacted)
{
    if (!host_ft.xsavec) {
        /* No compacted images without XSAVEC: their XRSTOR is a #GP. */
        uint8_t *buf = aligned_alloc(64, XS_MAX);
        ck_assert_ptr_nonnull(buf);
        memset(buf, 0, XS_MAX);
        uint64_t comp = 3 | (1ull << 63);
        memcpy(buf + 520, &comp, 8);
        struct insn_cpu cpu = plain_cpu();
        cpu.gpr[INSN_RSI] = (uintptr_t)buf;
        cpu.gpr[INSN_RAX] = 3;
        struct insn_fault f;
        ck_assert_int_eq(complete_bytes(h_xrstor64_insn, 4, &cpu, &host_ft, &f), INSN_FAULTED);
        ck_assert_uint_eq(f.vector, INSN_VEC_GP);
        free(buf);
        return;
    }
    xrstor_cases(true);
}
END_TEST

START_TEST(xrstor_bad_headers_are_gp)
{
    uint8_t *img = aligned_alloc(64, XS_MAX);
    ck_assert_ptr_nonnull(img);
    struct insn_cpu cpu = plain_cpu();
    cpu.gpr[INSN_RSI] = (uintptr_t)img;
    cpu.gpr[INSN_RAX] = ~0u;
    cpu.gpr[INSN_RDX] = ~0u;
    struct insn_fault f;
    /* A component the guest's XCR0 does not enable. */
    crafted_xsave_image(img, false, 7);
    uint64_t bv = 7 | (1ull << 62);
    memcpy(img + 512, &bv, 8);
    ck_assert_int_eq(complete_bytes(h_xrstor64_insn, 4, &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
    /* Reserved header bytes. */
    crafted_xsave_image(img, false, 7);
    img[512 + 20] = 1;
    ck_assert_int_eq(complete_bytes(h_xrstor64_insn, 4, &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
    /* An MXCSR with reserved bits. */
    crafted_xsave_image(img, false, 7);
    uint32_t mxcsr = 0xffff0000;
    memcpy(img + 24, &mxcsr, 4);
    ck_assert_int_eq(complete_bytes(h_xrstor64_insn, 4, &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
    /* Misaligned: 64 bytes required. */
    crafted_xsave_image(img, false, 7);
    cpu.gpr[INSN_RSI] += 16;
    ck_assert_int_eq(complete_bytes(h_xrstor64_insn, 4, &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_GP);
    /* XSAVE not enabled by the guest. */
    cpu.gpr[INSN_RSI] -= 16;
    cpu.cr4 &= ~CR4_OSXSAVE;
    ck_assert_int_eq(complete_bytes(h_xsave64_insn, 4, &cpu, &host_ft, &f), INSN_FAULTED);
    ck_assert_uint_eq(f.vector, INSN_VEC_UD);
    free(img);
}
END_TEST

/* ---- decoding -------------------------------------------------------- */

START_TEST(decode_operand_forms)
{
    struct insn i;
    /* lock cmpxchg16b 0x40(%r12,%r13,8) */
    ck_assert_int_eq(insn_decode(h_lock_cx16_sib8_insn, INSN_MAX_LEN, 64, &i), INSN_DECODED);
    ck_assert_int_eq(i.op, INSN_CMPXCHG16B);
    ck_assert(i.lock && i.rex_w);
    ck_assert_int_eq(i.base, 12);
    ck_assert_int_eq(i.index, 13);
    ck_assert_uint_eq(i.scale, 8);
    ck_assert_int_eq(i.disp, 0x40);
    ck_assert_uint_eq(i.len, 7);
    /* -0x1000(%r15): disp32, REX.B */
    ck_assert_int_eq(insn_decode(h_lock_cx16_r15_d32_insn, INSN_MAX_LEN, 64, &i), INSN_DECODED);
    ck_assert_int_eq(i.base, 15);
    ck_assert_int_eq(i.index, INSN_NO_REG);
    ck_assert_int_eq(i.disp, -0x1000);
    ck_assert_uint_eq(i.len, 9);
    /* (%r12) needs a SIB byte; 0(%r13) a displacement: their low bits
     * are RSP's and RBP's */
    static const uint8_t r12[] = {0x49, 0x0f, 0xae, 0x0c, 0x24};
    ck_assert_int_eq(insn_decode(r12, sizeof(r12), 64, &i), INSN_DECODED);
    ck_assert_int_eq(i.base, 12);
    ck_assert_int_eq(i.index, INSN_NO_REG);
    ck_assert_int_eq(i.seg, INSN_DS);
    static const uint8_t r13[] = {0x49, 0x0f, 0xc7, 0x4d, 0x00};
    ck_assert_int_eq(insn_decode(r13, sizeof(r13), 64, &i), INSN_DECODED);
    ck_assert_int_eq(i.base, 13);
    ck_assert(!i.rip_rel);
    ck_assert_int_eq(i.seg, INSN_DS);
    /* RIP-relative, and the length it is relative to */
    ck_assert_int_eq(insn_decode(h_lock_cx16_rip_insn, INSN_MAX_LEN, 64, &i), INSN_DECODED);
    ck_assert(i.rip_rel);
    ck_assert_uint_eq(i.len, (uintptr_t)(h_lock_cx16_rip_end - h_lock_cx16_rip_insn));
    /* segment override, 32-bit address size */
    ck_assert_int_eq(insn_decode(h_lock_cx16_fs_insn, INSN_MAX_LEN, 64, &i), INSN_DECODED);
    ck_assert_int_eq(i.seg, INSN_FS);
    ck_assert_int_eq(insn_decode(h_cx8_addr32_insn, INSN_MAX_LEN, 64, &i), INSN_DECODED);
    ck_assert_uint_eq(i.addr_bits, 32);
    ck_assert_int_eq(i.op, INSN_CMPXCHG8B);
    /* the names the log shows */
    ck_assert_int_eq(insn_decode(h_fxsave64_insn, INSN_MAX_LEN, 64, &i), INSN_DECODED);
    ck_assert_str_eq(insn_name(&i), "fxsave64");
    ck_assert_int_eq(insn_decode(h_ldmxcsr_insn, INSN_MAX_LEN, 64, &i), INSN_DECODED);
    ck_assert_str_eq(insn_name(&i), "ldmxcsr");
}
END_TEST

START_TEST(decode_truncated_unknown_too_long)
{
    struct insn i;
    static const uint8_t cx16[] = {0xf0, 0x4b, 0x0f, 0xc7, 0x4c, 0xec, 0x40};
    for (unsigned n = 0; n < sizeof(cx16); n++)
        ck_assert_int_eq(insn_decode(cx16, n, 64, &i), INSN_TRUNCATED);
    ck_assert_int_eq(insn_decode(cx16, sizeof(cx16), 64, &i), INSN_DECODED);
    static const uint8_t unknown[][4] = {
        {0x0f, 0x05},             /* syscall */
        {0x0f, 0xae, 0x3e},       /* clflush (%rsi) */
        {0x0f, 0xae, 0xf0},       /* mfence-like register form */
        {0x0f, 0xc7, 0xc8},       /* cmpxchg8b with a register: #UD, not ours */
        {0x66, 0x0f, 0xae, 0x36}, /* clwb */
        {0x0f, 0xc7, 0x1e},       /* xrstors: not completed */
        {0x90},
    };
    for (unsigned k = 0; k < sizeof(unknown) / sizeof(unknown[0]); k++)
        ck_assert_int_eq(insn_decode(unknown[k], 4, 64, &i), INSN_UNKNOWN);
    ck_assert_int_eq(insn_decode(cx16, sizeof(cx16), 16, &i), INSN_UNKNOWN);
    static const uint8_t addr16[] = {0x67, 0x0f, 0xc7, 0x0c};
    ck_assert_int_eq(insn_decode(addr16, sizeof(addr16), 32, &i), INSN_UNKNOWN);
    uint8_t long_one[20];
    memset(long_one, 0x3e, 12); /* DS overrides */
    memcpy(long_one + 12, (const uint8_t[]){0x48, 0x0f, 0xc7, 0x0e}, 4);
    ck_assert_int_eq(insn_decode(long_one, 16, 64, &i), INSN_TOO_LONG);
}
END_TEST

START_TEST(features_from_cpuid)
{
    struct {
        struct kvm_cpuid2 h;
        struct kvm_cpuid_entry2 e[4];
    } t = {.h = {.nent = 4},
           .e = {{.function = 1, .ecx = (1u << 13) | (1u << 26), .edx = (1u << 24) | (1u << 25)},
                 {.function = 0xd, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
                  .eax = 3},
                 {.function = 0xd, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
                  .eax = 256, .ebx = 576},
                 {.function = 0xd, .index = 8, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
                  .eax = 16, .ecx = 1}}};
    struct insn_features ft;
    cpuid_insn_features(&t.h, 0xffff, &ft);
    ck_assert(ft.cx16 && ft.fxsr && ft.sse && ft.xsave && ft.xsaveopt && ft.xsavec);
    ck_assert_uint_eq(ft.comp_size[2], 256);
    ck_assert_uint_eq(ft.comp_offset[2], 576);
    ck_assert_uint_eq(ft.comp_size[8], 0); /* supervisor state: not XCR0's */
    ck_assert_uint_eq(ft.mxcsr_mask, 0xffff);
    t.e[0].ecx = 0;
    cpuid_insn_features(&t.h, 0xffbf, &ft);
    ck_assert(!ft.cx16 && !ft.xsave && !ft.xsaveopt);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("insn_complete");
    TCase *cx = tcase_create("cmpxchg");
    tcase_add_checked_fixture(cx, setup, teardown);
    tcase_set_timeout(cx, 60);
    tcase_add_test(cx, cx16_lock_rsi);
    tcase_add_test(cx, cx16_rsi_without_lock);
    tcase_add_test(cx, cx16_base_index_scale_disp8);
    tcase_add_test(cx, cx16_r15_disp32);
    tcase_add_test(cx, cx16_fs_override);
    tcase_add_test(cx, cx16_index_without_base);
    tcase_add_test(cx, rex_before_a_prefix_is_dropped);
    tcase_add_test(cx, cx16_rip_relative);
    tcase_add_test(cx, cx8_sib_r9_index);
    tcase_add_test(cx, cx8_address_size_32);
    tcase_add_test(cx, cx8_misaligned_r11_disp8);
    tcase_add_test(cx, cx8_across_pieces_copies);
    tcase_add_test(cx, cx16_misaligned_is_gp);
    tcase_add_test(cx, cx16_not_offered_is_ud);
    tcase_add_test(cx, cx_non_canonical_is_gp_or_ss);
    tcase_add_test(cx, cx_unmapped_is_pf_for_a_write);
    tcase_add_test(cx, cx8_protected_mode_segment_base);
    tcase_add_test(cx, cx16_atomic_against_another_thread);
    suite_add_tcase(s, cx);

    TCase *fp = tcase_create("fpu_state");
    tcase_add_checked_fixture(fp, setup, teardown);
    tcase_add_test(fp, ldmxcsr_and_stmxcsr);
    tcase_add_test(fp, ldmxcsr_reserved_bits_are_gp);
    tcase_add_test(fp, mxcsr_needs_sse_enabled);
    tcase_add_test(fp, fxsave_both_formats);
    tcase_add_test(fp, fxrstor_both_formats);
    tcase_add_test(fp, fx_faults);
    tcase_add_test(fp, xsave_standard);
    tcase_add_test(fp, xsaveopt_standard);
    tcase_add_test(fp, xsavec_compacted);
    tcase_add_test(fp, xrstor_standard);
    tcase_add_test(fp, xrstor_compacted);
    tcase_add_test(fp, xrstor_bad_headers_are_gp);
    suite_add_tcase(s, fp);

    TCase *dec = tcase_create("decode");
    tcase_add_checked_fixture(dec, setup, teardown);
    tcase_add_test(dec, decode_operand_forms);
    tcase_add_test(dec, decode_truncated_unknown_too_long);
    tcase_add_test(dec, features_from_cpuid);
    suite_add_tcase(s, dec);
    return s;
}

#include "check_main.h"
