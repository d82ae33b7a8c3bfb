/* Unit tests of the hypercall page and its MSR (hypervisor/hypercall_page). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/hypercall_page.h"
#include "include/xen_public.h"

/* ---- the stubs ---- */

static void assert_trap(const uint8_t *p, unsigned nr)
{
    /* The bytes doc/hypercalls.md gives: mov $nr,%eax; out %eax,$0xe4; ret */
    const uint8_t want[8] = {0xb8, nr & 0xff, (nr >> 8) & 0xff, 0, 0, 0xe7, 0xe4, 0xc3};
    ck_assert_msg(memcmp(p, want, sizeof(want)) == 0, "trap for hypercall %u is wrong", nr);
}

START_TEST(every_stub_is_mov_out_ret)
{
    uint8_t page[HYPERCALL_PAGE_SIZE];
    /* Zeros first, so padding that is left alone shows up. */
    memset(page, 0, sizeof(page));
    hypercall_page_fill(page);
    ck_assert_uint_eq(HYPERCALL_STUBS, 128);
    for (unsigned nr = 0; nr < HYPERCALL_STUBS; nr++) {
        if (nr == __HYPERVISOR_sched_op || nr == __HYPERVISOR_event_channel_op)
            continue;
        const uint8_t *p = page + nr * HYPERCALL_STUB_SIZE;
        assert_trap(p, nr);
        /* Stubs 33 and 34 lend their tails to the send fast path. */
        if (nr == 33 || nr == 34)
            continue;
        for (unsigned i = 8; i < HYPERCALL_STUB_SIZE; i++)
            ck_assert_msg(p[i] == 0xcc, "stub %u byte %u is 0x%02x, not int3", nr, i, p[i]);
    }
}
END_TEST

START_TEST(block_halts_in_the_stub)
{
    uint8_t page[HYPERCALL_PAGE_SIZE];
    hypercall_page_fill(page);
    const uint8_t *p = page + __HYPERVISOR_sched_op * HYPERCALL_STUB_SIZE;
    /* cmp $SCHEDOP_block,%edi; jne +5; sti; hlt; xor %eax,%eax; ret */
    const uint8_t want[] = {0x83, 0xff, SCHEDOP_block, 0x75, 0x05, 0xfb, 0xf4, 0x31, 0xc0, 0xc3};
    ck_assert(memcmp(p, want, sizeof(want)) == 0);
    assert_trap(p + sizeof(want), __HYPERVISOR_sched_op);
    /* jne lands on the trap. */
    ck_assert_uint_eq(5 + p[4], sizeof(want));
}
END_TEST

START_TEST(send_fast_path_reaches_the_doorbell)
{
    uint8_t page[HYPERCALL_PAGE_SIZE];
    hypercall_page_fill(page);
    unsigned at = __HYPERVISOR_event_channel_op * HYPERCALL_STUB_SIZE;
    const uint8_t *p = page + at;
    /* cmp $EVTCHNOP_send,%edi; je fast; else the trap right after. */
    ck_assert_uint_eq(p[0], 0x83);
    ck_assert_uint_eq(p[2], EVTCHNOP_send);
    ck_assert_uint_eq(p[3], 0x74);
    ck_assert_uint_eq(at + 5 + (int8_t)p[4], HYPERCALL_SEND_FAST_OFF);
    assert_trap(p + 5, __HYPERVISOR_event_channel_op);
    unsigned trap = at + 5;

    unsigned f0 = HYPERCALL_SEND_FAST_OFF;
    const uint8_t *f = page + f0;
    ck_assert(f[0] == 0x8b && f[1] == 0x06);          /* mov (%rsi),%eax */
    ck_assert(f[2] == 0x3d && f[3] == HYPERCALL_DOORBELL_PORTS);
    ck_assert(f[9] == 0x0f && f[10] == 0xa3);         /* bt %eax,bitmap(%rip) */
    int32_t disp;
    memcpy(&disp, f + 12, 4);
    ck_assert_uint_eq(f0 + 16 + disp, HYPERCALL_DOORBELL_BITMAP_OFF);
    ck_assert(f[18] == 0xe7 && f[19] == 0xe5);        /* out %eax,$doorbell */
    ck_assert(f[20] == 0x31 && f[21] == 0xc0 && f[22] == 0xc3);
    /* jae and jnc both go back to the trap. */
    ck_assert_uint_eq(f0 + 9 + (int8_t)f[8], trap);
    ck_assert_uint_eq(f0 + 18 + (int8_t)f[17], trap);
    /* It all stays inside stub 33's slot, and the bitmap in 34's tail. */
    ck_assert_uint_le(f0 + 23, 34 * HYPERCALL_STUB_SIZE);
    ck_assert_uint_eq(HYPERCALL_DOORBELL_BITMAP_OFF + HYPERCALL_DOORBELL_BITMAP_SIZE,
                      35 * HYPERCALL_STUB_SIZE);
    for (unsigned i = 0; i < HYPERCALL_DOORBELL_BITMAP_SIZE; i++)
        ck_assert_uint_eq(page[HYPERCALL_DOORBELL_BITMAP_OFF + i], 0);
}
END_TEST

START_TEST(stub_number_is_little_endian)
{
    uint8_t page[HYPERCALL_PAGE_SIZE];
    hypercall_page_fill(page);
    /* 34 is hvm_op: its stub must load exactly 34. */
    uint32_t nr;
    memcpy(&nr, page + 34 * HYPERCALL_STUB_SIZE + 1, 4);
    ck_assert_uint_eq(nr, 34);
    ck_assert_uint_eq(page[127 * HYPERCALL_STUB_SIZE + 1], 127);
    ck_assert_uint_eq(page[HYPERCALL_PAGE_SIZE - 1], 0xcc);
}
END_TEST

START_TEST(fill_overwrites_old_contents)
{
    uint8_t a[HYPERCALL_PAGE_SIZE], b[HYPERCALL_PAGE_SIZE];
    memset(a, 0x5a, sizeof(a));
    memset(b, 0x00, sizeof(b));
    hypercall_page_fill(a);
    hypercall_page_fill(b);
    ck_assert(memcmp(a, b, sizeof(a)) == 0);
}
END_TEST

/* ---- the MSR ---- */

/* Guest RAM for the decoder: [0, ram_end), and every probe recorded. */
struct ram_probe {
    uint64_t ram_end;
    unsigned calls;
    uint64_t last;
};

static bool in_ram(void *ctx, uint64_t gpa)
{
    struct ram_probe *r = ctx;
    r->calls++;
    r->last = gpa;
    return gpa < r->ram_end && r->ram_end - gpa >= HYPERCALL_PAGE_SIZE;
}

START_TEST(msr_page_aligned_in_ram)
{
    struct ram_probe r = {.ram_end = 16 << 20};
    uint64_t gpa = 0;
    ck_assert_int_eq(hypercall_msr_decode(0x1000, in_ram, &r, &gpa), 0);
    ck_assert_uint_eq(gpa, 0x1000);
    ck_assert_uint_eq(r.last, 0x1000);
    ck_assert_int_eq(hypercall_msr_decode(0, in_ram, &r, &gpa), 0);
    ck_assert_uint_eq(gpa, 0);
    ck_assert_int_eq(hypercall_msr_decode((16 << 20) - 0x1000, in_ram, &r, &gpa), 0);
    ck_assert_uint_eq(gpa, (16 << 20) - 0x1000);
}
END_TEST

START_TEST(msr_low_bits_refused)
{
    struct ram_probe r = {.ram_end = 16 << 20};
    static const uint64_t bad[] = {0x1001, 0x1800, 0x1fff, 0x1, 0x0fff};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t gpa = 0x77;
        ck_assert_int_eq(hypercall_msr_decode(bad[i], in_ram, &r, &gpa), -1);
        ck_assert_uint_eq(gpa, 0x77);
    }
}
END_TEST

START_TEST(msr_outside_ram_refused)
{
    struct ram_probe r = {.ram_end = 16 << 20};
    uint64_t gpa = 0x77;
    ck_assert_int_eq(hypercall_msr_decode(16 << 20, in_ram, &r, &gpa), -1);
    ck_assert_int_eq(hypercall_msr_decode(0xfffffffffffff000ull, in_ram, &r, &gpa), -1);
    ck_assert_uint_eq(gpa, 0x77);
    /* The callback is asked about the page itself. */
    ck_assert_uint_eq(r.last, 0xfffffffffffff000ull);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hypercall_page");
    TCase *p = tcase_create("stubs");
    tcase_add_test(p, every_stub_is_mov_out_ret);
    tcase_add_test(p, block_halts_in_the_stub);
    tcase_add_test(p, send_fast_path_reaches_the_doorbell);
    tcase_add_test(p, stub_number_is_little_endian);
    tcase_add_test(p, fill_overwrites_old_contents);
    suite_add_tcase(s, p);

    TCase *m = tcase_create("msr");
    tcase_add_test(m, msr_page_aligned_in_ram);
    tcase_add_test(m, msr_low_bits_refused);
    tcase_add_test(m, msr_outside_ram_refused);
    suite_add_tcase(s, m);
    return s;
}

#include "tests/unit/check_main.h"
