/* Unit tests of port bookkeeping, 2-level delivery and the PV clock scale. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dom0/evtchn_2l.h"
#include "hypervisor/evtchn_table.h"
#include "hypervisor/pvclock.h"

/* ---- the port table ---- */

START_TEST(port_zero_is_never_handed_out)
{
    struct evtchn_table t;
    ck_assert_int_eq(evtchn_table_init(&t, 8), 0);
    ck_assert_int_eq(evtchn_table_alloc(&t), 1);
    ck_assert_ptr_null(evtchn_table_get(&t, 0));
    ck_assert_ptr_null(evtchn_table_get(&t, 8));
    ck_assert_ptr_nonnull(evtchn_table_get(&t, 7));
    evtchn_table_free(&t);
}
END_TEST

START_TEST(lowest_free_port_first_and_enospc)
{
    struct evtchn_table t;
    ck_assert_int_eq(evtchn_table_init(&t, 5), 0);
    for (int p = 1; p < 5; p++)
        ck_assert_int_eq(evtchn_table_alloc(&t), p);
    ck_assert_int_eq(evtchn_table_alloc(&t), -ENOSPC);
    evtchn_table_release(&t, 2);
    ck_assert_int_eq(evtchn_table_get(&t, 2)->state, EVTCHNSTAT_closed);
    ck_assert_int_eq(evtchn_table_alloc(&t), 2);
    ck_assert_int_eq(evtchn_table_get(&t, 2)->state, EVTCHNSTAT_unbound);
    evtchn_table_free(&t);
}
END_TEST

START_TEST(a_reused_port_starts_clean)
{
    struct evtchn_table t;
    ck_assert_int_eq(evtchn_table_init(&t, 4), 0);
    int p = evtchn_table_alloc(&t);
    struct evtchn_port *e = evtchn_table_get(&t, (unsigned)p);
    e->state = EVTCHNSTAT_interdomain;
    e->remote_dom = 7;
    e->remote_port = 9;
    e->vcpu = 3;
    evtchn_table_release(&t, (unsigned)p);
    ck_assert_int_eq(evtchn_table_alloc(&t), p);
    ck_assert_uint_eq(e->remote_dom, 0);
    ck_assert_uint_eq(e->remote_port, 0);
    ck_assert_uint_eq(e->vcpu, 0);
    evtchn_table_free(&t);
}
END_TEST

/* ---- 2-level delivery ---- */

static struct shared_info *si;

static void setup_si(void)
{
    si = calloc(1, 4096);
}

static void teardown_si(void)
{
    free(si);
}

START_TEST(first_event_raises_the_upcall_once)
{
    struct vcpu_info *vi = &si->vcpu_info[0];
    ck_assert(evtchn_2l_set_pending(si, vi, 70));
    ck_assert(evtchn_2l_is_pending(si, 70));
    ck_assert_uint_eq(vi->evtchn_pending_sel, 1ul << (70 / 64));
    ck_assert_uint_eq(vi->evtchn_upcall_pending, 1);
    /* Another port while the upcall is still pending: no new upcall. */
    ck_assert(!evtchn_2l_set_pending(si, vi, 3));
    ck_assert_uint_eq(vi->evtchn_pending_sel, (1ul << 1) | 1ul);
    /* The same port again: nothing changes. */
    ck_assert(!evtchn_2l_set_pending(si, vi, 70));
}
END_TEST

START_TEST(masked_port_stays_pending_without_upcall)
{
    struct vcpu_info *vi = &si->vcpu_info[0];
    si->evtchn_mask[0] = 1ul << 5;
    ck_assert(!evtchn_2l_set_pending(si, vi, 5));
    ck_assert(evtchn_2l_is_pending(si, 5));
    ck_assert_uint_eq(vi->evtchn_upcall_pending, 0);
    ck_assert_uint_eq(vi->evtchn_pending_sel, 0);
    /* Unmask finds it pending: the caller re-delivers. */
    ck_assert(evtchn_2l_unmask(si, 5));
    ck_assert(!evtchn_2l_is_masked(si, 5));
    ck_assert(evtchn_2l_redeliver(vi, 5));
    ck_assert_uint_eq(vi->evtchn_upcall_pending, 1);
    ck_assert_uint_eq(vi->evtchn_pending_sel, 1);
}
END_TEST

START_TEST(unmask_of_idle_port_delivers_nothing)
{
    si->evtchn_mask[1] = ~0ul;
    ck_assert(!evtchn_2l_unmask(si, 64));
    ck_assert(evtchn_2l_is_masked(si, 65));
}
END_TEST

START_TEST(no_vcpu_info_keeps_only_the_bit)
{
    ck_assert(!evtchn_2l_set_pending(si, NULL, 4095));
    ck_assert(evtchn_2l_is_pending(si, 4095));
    evtchn_2l_clear_pending(si, 4095);
    ck_assert(!evtchn_2l_is_pending(si, 4095));
}
END_TEST

/* ---- the PV clock's scale ---- */

START_TEST(one_second_of_cycles_is_one_second)
{
    static const uint32_t khz[] = {1000, 999999, 1000001, 2596100, 3000000, 4200000, 7654321};
    for (unsigned i = 0; i < sizeof(khz) / sizeof(khz[0]); i++) {
        struct pvclock_scale s = pvclock_scale_for(khz[i]);
        ck_assert_uint_ge(s.mul, 1u << 31);
        uint64_t ns = pvclock_cycles_to_ns((uint64_t)khz[i] * 1000, s);
        /* The scale rounds down; within a part per million. */
        ck_assert_msg(ns <= 1000000000ull && ns >= 1000000000ull - 1000,
                      "%u kHz: one second of cycles gave %llu ns", khz[i], (unsigned long long)ns);
    }
}
END_TEST

START_TEST(shift_goes_negative_for_fast_tscs)
{
    ck_assert_int_lt(pvclock_scale_for(2596100).shift, 0);
    ck_assert_int_gt(pvclock_scale_for(100000).shift, 0);
    /* An hour of a 2.6 GHz TSC does not overflow the multiply. */
    struct pvclock_scale s = pvclock_scale_for(2596100);
    uint64_t ns = pvclock_cycles_to_ns(3600ull * 2596100000ull, s);
    ck_assert_uint_ge(ns, 3600ull * 1000000000ull - 4000000);
    ck_assert_uint_le(ns, 3600ull * 1000000000ull);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("evtchn");
    TCase *t = tcase_create("port table");
    tcase_add_test(t, port_zero_is_never_handed_out);
    tcase_add_test(t, lowest_free_port_first_and_enospc);
    tcase_add_test(t, a_reused_port_starts_clean);
    suite_add_tcase(s, t);
    TCase *d = tcase_create("2-level delivery");
    tcase_add_checked_fixture(d, setup_si, teardown_si);
    tcase_add_test(d, first_event_raises_the_upcall_once);
    tcase_add_test(d, masked_port_stays_pending_without_upcall);
    tcase_add_test(d, unmask_of_idle_port_delivers_nothing);
    tcase_add_test(d, no_vcpu_info_keeps_only_the_bit);
    suite_add_tcase(s, d);
    TCase *c = tcase_create("pvclock");
    tcase_add_test(c, one_second_of_cycles_is_one_second);
    tcase_add_test(c, shift_goes_negative_for_fast_tscs);
    suite_add_tcase(s, c);
    return s;
}

#include "tests/unit/check_main.h"
