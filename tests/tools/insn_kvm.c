/*
 * The KVM side of instruction completion (hypervisor/vcpu_insn.c) on a
 * real vCPU. No host here lacks these instructions in its emulator, so
 * the emulation-failure exit is staged: a long-mode vCPU is put at the
 * instruction, its registers copied into kvm_run's sync area as an exit
 * leaves them, and the handler called; then KVM_RUN must continue after
 * the instruction (to a hlt) with the results in the registers, guest
 * memory and KVM's FPU state, or deliver the injected exception through
 * the guest's IDT with the right vector, error code and CR2.
 *
 * Usage: xenolith-insn-kvm (exit 0 when every case passes).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hypervisor/log.h"
#include "hypervisor/vcpu_insn.h"

#define RAM_SIZE (4u << 20)
#define PML4 0x1000
#define PDPT 0x2000
#define IDT 0x3000
#define GDT 0x4000
#define CODE 0x10000
#define HANDLER 0x11000
#define DATA 0x20000
#define STACK 0x80000
#define UNMAPPED 0x40000000ull /* PDPT entry 1 is not present */

static char crash[512];
static unsigned failures;

/* What xenolithd's domain.c and log.c provide, reduced to recording. */
void domain_crash(struct domain *d, const char *fmt, ...)
{
    (void)d;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(crash, sizeof(crash), fmt, ap);
    va_end(ap);
}

void hv_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("  log: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__);                               \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static void die(const char *what)
{
    fprintf(stderr, "xenolith-insn-kvm: %s: %s\n", what, strerror(errno));
    exit(2);
}

static struct domain d;
static struct vcpu v;
static uint8_t *ram;
static bool has_xsave;

static void put64(uint64_t gpa, uint64_t val)
{
    memcpy(ram + gpa, &val, 8);
}

static void setup_idt(void)
{
    /* #GP (13) and #PF (14) go to a hlt; the error code is on the stack. */
    for (unsigned vec = 13; vec <= 14; vec++) {
        uint8_t *e = ram + IDT + 16 * vec;
        uint64_t h = HANDLER + vec;
        memset(e, 0, 16);
        e[0] = h & 0xff, e[1] = (h >> 8) & 0xff;
        e[2] = 8;       /* CS */
        e[5] = 0x8e;    /* present 64-bit interrupt gate */
        e[6] = (h >> 16) & 0xff, e[7] = (h >> 24) & 0xff;
        ram[HANDLER + vec] = 0xf4;
    }
}

static void setup(void)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    d.vm_fd = ioctl(kvm, KVM_CREATE_VM, 0);
    if (d.vm_fd < 0)
        die("KVM_CREATE_VM");
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED)
        die("mmap");
    struct kvm_userspace_memory_region r = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE, .userspace_addr = (uintptr_t)ram};
    if (ioctl(d.vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
        die("KVM_SET_USER_MEMORY_REGION");
    d.ram = (struct guest_ram){.hva = ram, .size = RAM_SIZE, .low_size = RAM_SIZE};
    v.d = &d;
    v.fd = ioctl(d.vm_fd, KVM_CREATE_VCPU, 0);
    if (v.fd < 0)
        die("KVM_CREATE_VCPU");
    int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    v.run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, v.fd, 0);
    if (v.run == MAP_FAILED)
        die("mmap kvm_run");
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
    c->nent = 256;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) < 0 || ioctl(v.fd, KVM_SET_CPUID2, c) < 0)
        die("CPUID");
    for (uint32_t i = 0; i < c->nent; i++)
        if (c->entries[i].function == 1)
            has_xsave = c->entries[i].ecx & (1u << 26);
    free(c);

    /* Exception delivery loads CS from the GDT: null, code, data. */
    put64(GDT + 8, 0x00af9b000000ffffull);
    put64(GDT + 16, 0x00cf93000000ffffull);
    put64(PML4, PDPT | 3);
    put64(PDPT, 0x83); /* 1 GiB identity, writable */
    setup_idt();
    struct kvm_sregs s;
    if (ioctl(v.fd, KVM_GET_SREGS, &s) < 0)
        die("KVM_GET_SREGS");
    struct kvm_segment code = {.base = 0, .limit = 0xffffffff, .selector = 8, .type = 11,
                               .present = 1, .s = 1, .l = 1, .g = 1};
    struct kvm_segment data = {.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3,
                               .present = 1, .s = 1, .db = 1, .g = 1};
    s.cs = code;
    s.ds = s.es = s.ss = s.fs = s.gs = data;
    s.tr = (struct kvm_segment){.limit = 0x67, .selector = 0x18, .type = 11, .present = 1};
    s.idt = (struct kvm_dtable){.base = IDT, .limit = 16 * 256 - 1};
    s.gdt = (struct kvm_dtable){.base = GDT, .limit = 23};
    s.cr0 = 0x80050033; /* PG AM WP NE ET MP PE */
    s.cr3 = PML4;
    s.cr4 = (1u << 5) | (1u << 9) | (1u << 10) | (has_xsave ? 1u << 18 : 0);
    s.efer = (1u << 8) | (1u << 10);
    if (ioctl(v.fd, KVM_SET_SREGS, &s) < 0)
        die("KVM_SET_SREGS");
    if (has_xsave) {
        struct kvm_xcrs x = {.nr_xcrs = 1, .xcrs = {{.xcr = 0, .value = 3}}};
        if (ioctl(v.fd, KVM_SET_XCRS, &x) < 0)
            die("KVM_SET_XCRS");
    }
}

/* Puts the vCPU at the instruction, with regs, as an emulation-failure
 * exit would leave it, and calls the handler. */
static void stage(const uint8_t *insn, size_t len, struct kvm_regs regs)
{
    memcpy(ram + CODE, insn, len);
    ram[CODE + len] = 0xf4; /* hlt */
    regs.rip = CODE;
    regs.rsp = STACK;
    regs.rflags |= 2;
    if (ioctl(v.fd, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");
    if (ioctl(v.fd, KVM_GET_REGS, &v.run->s.regs.regs) < 0 ||
        ioctl(v.fd, KVM_GET_SREGS, &v.run->s.regs.sregs) < 0)
        die("GET_REGS");
    v.run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    v.run->kvm_dirty_regs = 0;
    v.run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
    v.run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
    crash[0] = '\0';
    vcpu_insn_emulation_failure(&v);
}

/* Lets the guest go on; it must stop at a hlt. Returns the registers. */
static struct kvm_regs resume(void)
{
    struct kvm_regs r;
    if (ioctl(v.fd, KVM_RUN, 0) < 0)
        die("KVM_RUN");
    CHECK(v.run->exit_reason == KVM_EXIT_HLT, "exit %u instead of hlt", v.run->exit_reason);
    if (ioctl(v.fd, KVM_GET_REGS, &r) < 0)
        die("KVM_GET_REGS");
    return r;
}

static void cmpxchg16b_cases(void)
{
    static const uint8_t insn[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0e}; /* lock cmpxchg16b (%rsi) */
    put64(DATA, 0x1111);
    put64(DATA + 8, 0x2222);
    stage(insn, sizeof(insn), (struct kvm_regs){.rsi = DATA, .rax = 0x1111, .rdx = 0x2222,
                                                .rbx = 0xaaaa, .rcx = 0xbbbb});
    CHECK(!crash[0], "crashed: %s", crash);
    struct kvm_regs r = resume();
    CHECK(r.rip == CODE + sizeof(insn) + 1, "rip 0x%llx", (unsigned long long)r.rip);
    CHECK(r.rflags & 0x40, "ZF clear after a match");
    uint64_t lo, hi;
    memcpy(&lo, ram + DATA, 8);
    memcpy(&hi, ram + DATA + 8, 8);
    CHECK(lo == 0xaaaa && hi == 0xbbbb, "memory 0x%llx 0x%llx", (unsigned long long)lo,
          (unsigned long long)hi);

    /* Mismatch: RDX:RAX get the memory, ZF clear. */
    stage(insn, sizeof(insn), (struct kvm_regs){.rsi = DATA, .rax = 1, .rdx = 2, .rflags = 0x40});
    r = resume();
    CHECK(!(r.rflags & 0x40) && r.rax == 0xaaaa && r.rdx == 0xbbbb,
          "mismatch: rflags 0x%llx rax 0x%llx rdx 0x%llx", (unsigned long long)r.rflags,
          (unsigned long long)r.rax, (unsigned long long)r.rdx);
}

/* KVM's view of the FPU state. KVM_GET_FPU reads the raw save area,
 * whose MXCSR the kernel's XSAVES may leave stale; KVM_GET_XSAVE is the
 * interface that answers for it. */
static struct kvm_xsave kvm_state(void)
{
    struct kvm_xsave x;
    if (ioctl(v.fd, KVM_GET_XSAVE, &x) < 0)
        die("KVM_GET_XSAVE");
    return x;
}

static uint32_t kvm_mxcsr(void)
{
    return kvm_state().region[6];
}

static void mxcsr_and_fxsave_cases(void)
{
    static const uint8_t ld[] = {0x0f, 0xae, 0x16};             /* ldmxcsr (%rsi) */
    static const uint8_t st[] = {0x0f, 0xae, 0x1f};             /* stmxcsr (%rdi) */
    static const uint8_t fxsave64[] = {0x48, 0x0f, 0xae, 0x06}; /* fxsave64 (%rsi) */
    static const uint8_t fxrstor64[] = {0x48, 0x0f, 0xae, 0x0e};
    uint32_t want = 0x9fc0;
    memcpy(ram + DATA, &want, 4);
    stage(ld, sizeof(ld), (struct kvm_regs){.rsi = DATA});
    CHECK(!crash[0], "crashed: %s", crash);
    resume();
    CHECK(kvm_mxcsr() == want, "ldmxcsr: KVM has 0x%x", kvm_mxcsr());
    stage(st, sizeof(st), (struct kvm_regs){.rdi = DATA + 64});
    resume();
    uint32_t got;
    memcpy(&got, ram + DATA + 64, 4);
    CHECK(got == want, "stmxcsr wrote 0x%x", got);

    memset(ram + DATA, 0, 512);
    stage(fxsave64, sizeof(fxsave64), (struct kvm_regs){.rsi = DATA});
    resume();
    memcpy(&got, ram + DATA + 24, 4);
    uint16_t fcw;
    memcpy(&fcw, ram + DATA, 2);
    CHECK(got == want && fcw == 0x37f, "fxsave64: MXCSR 0x%x FCW 0x%x", got, fcw);
    /* Back with XMM3 and MXCSR changed. */
    for (unsigned k = 0; k < 16; k++)
        ram[DATA + 160 + 3 * 16 + k] = (uint8_t)(0x40 + k);
    uint32_t m2 = 0x1f80;
    memcpy(ram + DATA + 24, &m2, 4);
    stage(fxrstor64, sizeof(fxrstor64), (struct kvm_regs){.rsi = DATA});
    resume();
    struct kvm_xsave x = kvm_state();
    const uint8_t *xmm3 = (const uint8_t *)x.region + 160 + 3 * 16;
    CHECK(x.region[6] == m2 && xmm3[0] == 0x40 && xmm3[15] == 0x4f,
          "fxrstor64: MXCSR 0x%x xmm3 %02x..%02x", x.region[6], xmm3[0], xmm3[15]);
}

static void xsave_case(void)
{
    static const uint8_t xsave64[] = {0x48, 0x0f, 0xae, 0x26}; /* xsave64 (%rsi) */
    if (!has_xsave) {
        fprintf(stderr, "  no XSAVE in this vCPU's CPUID: xsave64 must be #UD\n");
        stage(xsave64, sizeof(xsave64), (struct kvm_regs){.rsi = DATA});
        struct kvm_vcpu_events ev;
        ioctl(v.fd, KVM_GET_VCPU_EVENTS, &ev);
        CHECK(ev.exception.injected && ev.exception.nr == 6, "no #UD");
        return;
    }
    memset(ram + DATA, 0xcc, 1024);
    memset(ram + DATA + 512, 0, 64);
    stage(xsave64, sizeof(xsave64), (struct kvm_regs){.rsi = DATA, .rax = ~0u, .rdx = ~0u});
    CHECK(!crash[0], "crashed: %s", crash);
    resume();
    uint32_t mx;
    memcpy(&mx, ram + DATA + 24, 4);
    CHECK(mx == kvm_mxcsr(), "xsave64 MXCSR 0x%x, KVM 0x%x", mx, kvm_mxcsr());
    CHECK(ram[DATA + 160 + 3 * 16] == 0x40, "xsave64: XMM3 not saved");
    CHECK(ram[DATA + 600] == 0xcc, "xsave64 wrote beyond XCR0's components");
}

static void fault_cases(void)
{
    static const uint8_t insn[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0e};
    /* Misaligned: #GP(0) delivered through the IDT. */
    stage(insn, sizeof(insn), (struct kvm_regs){.rsi = DATA + 8});
    CHECK(!crash[0], "crashed: %s", crash);
    struct kvm_regs r = resume();
    uint64_t err;
    memcpy(&err, ram + STACK - 48, 8);
    CHECK(r.rip == HANDLER + 13 + 1 && err == 0, "#GP: rip 0x%llx error 0x%llx",
          (unsigned long long)r.rip, (unsigned long long)err);
    /* Unmapped: #PF with CR2 and a write's error code. */
    stage(insn, sizeof(insn), (struct kvm_regs){.rsi = UNMAPPED + 0x30});
    r = resume();
    struct kvm_sregs s;
    ioctl(v.fd, KVM_GET_SREGS, &s);
    memcpy(&err, ram + STACK - 48, 8);
    CHECK(r.rip == HANDLER + 14 + 1 && s.cr2 == UNMAPPED + 0x30 && err == 2,
          "#PF: rip 0x%llx cr2 0x%llx error 0x%llx", (unsigned long long)r.rip,
          (unsigned long long)s.cr2, (unsigned long long)err);
}

static void unknown_case(void)
{
    static const uint8_t ud2[] = {0x0f, 0x0b};
    stage(ud2, sizeof(ud2), (struct kvm_regs){0});
    CHECK(strstr(crash, "bytes 0f 0b f4") && strstr(crash, "rip 0x10000"),
          "unknown instruction: crash reason \"%s\"", crash);
}

int main(void)
{
    setup();
    cmpxchg16b_cases();
    mxcsr_and_fxsave_cases();
    xsave_case();
    fault_cases();
    unknown_case();
    uint64_t total = 0;
    for (unsigned k = 0; k < INSN_OP_COUNT; k++)
        total += d.insn_completed[k];
    /* Two cmpxchg16b, ldmxcsr, stmxcsr, fxsave64, fxrstor64, xsave64. */
    CHECK(total == (has_xsave ? 7u : 6u), "%llu completions counted", (unsigned long long)total);
    fprintf(stderr, "xenolith-insn-kvm: %s (%u failures)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
