/*
 * CONSOLEIO_write of a large count, through the real dispatcher and
 * handler (hypervisor/hypercall.c, hc_console.c) on a vCPU whose registers
 * and guest memory are made here: long mode, 2 MiB pages identity-mapping
 * the first 8 MiB, the hypercall page's console_io stub at STUB.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/console_log.h"
#include "hypervisor/hypercall.h"
#include "hypervisor/log.h"
#include "include/guest_abi.h"

/* The rest of xenolithd, which these two files call or name. */
void hv_log(const char *fmt, ...)
{
    (void)fmt;
}
uint64_t now_mono_ns(void)
{
    return 0;
}
#define NOT_HERE(fn)                                                 \
    int64_t fn(struct vcpu *v, const uint64_t a[5])                  \
    {                                                                \
        (void)v;                                                     \
        (void)a;                                                     \
        return -ENOSYS;                                              \
    }
NOT_HERE(hc_xen_version)
NOT_HERE(hc_sched_op)
NOT_HERE(hc_memory_op)
NOT_HERE(hc_hvm_op)
NOT_HERE(hc_vcpu_op)
NOT_HERE(hc_event_channel_op)
NOT_HERE(hc_grant_table_op)
NOT_HERE(hc_set_timer_op)

#define RAM (8u << 20)
#define STUB 0x4000u  /* console_io's stub; its `out` is at STUB + 5 */
#define OTHER 0x5000u /* an `out` that no stub's mov precedes */
#define DATA 0x100000u
#define LINES 25000
#define LINE_LEN 12 /* "line 000000\n" */

static uint8_t *ram;
static struct domain dom;
static struct vcpu vcpu;
static char logpath[64];

static void put64(uint64_t gpa, uint64_t v)
{
    memcpy(ram + gpa, &v, 8);
}

static void setup(void)
{
    ram = aligned_alloc(4096, RAM);
    ck_assert_ptr_nonnull(ram);
    memset(ram, 0, RAM);
    put64(0x1000, 0x2000 | 3); /* PML4[0] -> PDPT */
    put64(0x2000, 0x3000 | 3); /* PDPT[0] -> PD */
    for (uint64_t i = 0; i < RAM >> 21; i++)
        put64(0x3000 + 8 * i, (i << 21) | 0x83); /* present, writable, 2 MiB */
    const uint8_t stub[8] = {0xb8, __HYPERVISOR_console_io, 0, 0, 0, 0xe7,
                             XENOLITH_HYPERCALL_PORT, 0xc3};
    memcpy(ram + STUB, stub, sizeof(stub));
    memcpy(ram + OTHER, "\x90\x90\x90\x90\x90\xe7\xe4\xc3", 8);
    for (int i = 0; i < LINES; i++) {
        char l[LINE_LEN + 1];
        snprintf(l, sizeof(l), "line %06d\n", i);
        memcpy(ram + DATA + (size_t)i * LINE_LEN, l, LINE_LEN);
    }
    dom.ram.hva = ram;
    guest_ram_layout(&dom.ram, RAM);
    snprintf(logpath, sizeof(logpath), "/tmp/test_hv_console_write.XXXXXX");
    int fd = mkstemp(logpath);
    ck_assert_int_ge(fd, 0);
    close(fd);
    const struct console_limits lim = {1ull << 40, 1ull << 40, 1ull << 40};
    ck_assert_int_eq(console_log_open(&dom.console, logpath, &lim, 0), 0);
    vcpu.d = &dom;
    vcpu.run = calloc(1, sizeof(*vcpu.run));
    ck_assert_ptr_nonnull(vcpu.run);
    struct kvm_sregs *s = &vcpu.run->s.regs.sregs;
    s->cr0 = 0x80000011; /* PG, ET, PE */
    s->cr3 = 0x1000;
    s->cr4 = 1 << 5; /* PAE */
    s->efer = (1 << 8) | (1 << 10); /* LME, LMA */
    s->cs.l = 1;
}

static void teardown(void)
{
    unlink(logpath);
    free(vcpu.run);
    free(ram);
}

static struct kvm_regs *regs(void)
{
    return &vcpu.run->s.regs.regs;
}

static void call_write(uint64_t out_at, uint32_t count)
{
    *regs() = (struct kvm_regs){.rip = out_at, .rdi = CONSOLEIO_write, .rsi = count, .rdx = DATA};
}

/* The whole log, once closed; the caller frees it. */
static char *log_text(size_t *len)
{
    console_log_close(&dom.console, 0);
    FILE *f = fopen(logpath, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = malloc(LINES * LINE_LEN + 4096);
    *len = fread(buf, 1, LINES * LINE_LEN + 4095, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* 300000 bytes: five traps of at most 64 KiB, each continuation going
 * back to the stub's mov with the count and buffer of what is left, and
 * every byte in the log once, in order. */
START_TEST(long_write_is_continued_in_pieces)
{
    call_write(STUB + 5, LINES * LINE_LEN);
    hypercall_dispatch(&vcpu, __HYPERVISOR_console_io);
    ck_assert_msg(regs()->rip == STUB, "the first trap took all %u bytes at once",
                  LINES * LINE_LEN);
    ck_assert_uint_eq(regs()->rsi, LINES * LINE_LEN - 65536);
    ck_assert_uint_eq(regs()->rdx, DATA + 65536);
    ck_assert_uint_eq(regs()->rdi, CONSOLEIO_write);
    int traps = 1;
    while (regs()->rip == STUB) {
        regs()->rip = STUB + 5; /* the guest runs the mov, traps again */
        regs()->rax = __HYPERVISOR_console_io;
        hypercall_dispatch(&vcpu, __HYPERVISOR_console_io);
        traps++;
        ck_assert_int_le(traps, 10);
    }
    ck_assert_int_eq(traps, 5);
    ck_assert_uint_eq(regs()->rax, 0);
    size_t len;
    char *text = log_text(&len);
    ck_assert_uint_eq(len, LINES * LINE_LEN);
    ck_assert(memcmp(text, ram + DATA, len) == 0);
    free(text);
}
END_TEST

/* A caller that made its own trap (no stub's mov before it) is not
 * rewound into bytes that are not a hypercall: it is told how much was
 * taken and may go on itself. */
START_TEST(trap_outside_a_stub_returns_the_count_taken)
{
    call_write(OTHER + 5, LINES * LINE_LEN);
    hypercall_dispatch(&vcpu, __HYPERVISOR_console_io);
    ck_assert_uint_eq(regs()->rip, OTHER + 5);
    ck_assert_uint_eq(regs()->rax, 65536);
    ck_assert_uint_eq(regs()->rsi, LINES * LINE_LEN);
}
END_TEST

/* A short write stays one trap returning 0, as before. */
START_TEST(short_write_is_one_trap)
{
    call_write(STUB + 5, 65536);
    hypercall_dispatch(&vcpu, __HYPERVISOR_console_io);
    ck_assert_uint_eq(regs()->rip, STUB + 5);
    ck_assert_uint_eq(regs()->rax, 0);
    size_t len;
    char *text = log_text(&len);
    ck_assert_uint_ge(len, 65536 / LINE_LEN * LINE_LEN);
    free(text);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hv_console_write");
    TCase *t = tcase_create("continuation");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, long_write_is_continued_in_pieces);
    tcase_add_test(t, trap_outside_a_stub_returns_the_count_taken);
    tcase_add_test(t, short_write_is_one_trap);
    suite_add_tcase(s, t);
    return s;
}

#include "tests/unit/check_main.h"
