/* Unit tests of the HVM params' ownership (hypervisor/hvm_param.c): what
 * a guest may read and set, and what the toolstack may. */
#include "config.h"

#include <check.h>

#include "hypervisor/hvm_param.h"
#include "include/xen_public.h"

static const uint32_t rings[] = {
    HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN, HVM_PARAM_CONSOLE_PFN, HVM_PARAM_CONSOLE_EVTCHN,
};

START_TEST(guest_reads_rings_and_callback_sets_callback_only)
{
    for (unsigned i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
        ck_assert(hvm_param_allowed(rings[i], HVM_PARAM_BY_GUEST, false));
        ck_assert(!hvm_param_allowed(rings[i], HVM_PARAM_BY_GUEST, true));
    }
    ck_assert(hvm_param_allowed(HVM_PARAM_CALLBACK_IRQ, HVM_PARAM_BY_GUEST, false));
    ck_assert(hvm_param_allowed(HVM_PARAM_CALLBACK_IRQ, HVM_PARAM_BY_GUEST, true));
    /* Anything else is not the guest's to see. */
    ck_assert(!hvm_param_allowed(HVM_PARAM_PAE_ENABLED, HVM_PARAM_BY_GUEST, false));
    ck_assert(!hvm_param_allowed(HVM_PARAM_PAE_ENABLED, HVM_PARAM_BY_GUEST, true));
}
END_TEST

START_TEST(toolstack_sets_rings_reads_all)
{
    for (unsigned i = 0; i < sizeof(rings) / sizeof(rings[0]); i++)
        ck_assert(hvm_param_allowed(rings[i], HVM_PARAM_BY_TOOLSTACK, true));
    ck_assert(!hvm_param_allowed(HVM_PARAM_CALLBACK_IRQ, HVM_PARAM_BY_TOOLSTACK, true));
    ck_assert(!hvm_param_allowed(HVM_PARAM_PAE_ENABLED, HVM_PARAM_BY_TOOLSTACK, true));
    for (uint32_t i = 0; i < HVM_NR_PARAMS; i++)
        ck_assert(hvm_param_allowed(i, HVM_PARAM_BY_TOOLSTACK, false));
}
END_TEST

START_TEST(past_the_table_nobody)
{
    for (int set = 0; set < 2; set++) {
        ck_assert(!hvm_param_allowed(HVM_NR_PARAMS, HVM_PARAM_BY_GUEST, set));
        ck_assert(!hvm_param_allowed(HVM_NR_PARAMS, HVM_PARAM_BY_TOOLSTACK, set));
        ck_assert(!hvm_param_allowed(UINT32_MAX, HVM_PARAM_BY_TOOLSTACK, set));
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hvm_param");
    TCase *tc = tcase_create("owners");
    tcase_add_test(tc, guest_reads_rings_and_callback_sets_callback_only);
    tcase_add_test(tc, toolstack_sets_rings_reads_all);
    tcase_add_test(tc, past_the_table_nobody);
    suite_add_tcase(s, tc);
    return s;
}

#include "tests/unit/check_main.h"
