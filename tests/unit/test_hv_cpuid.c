/* Unit tests of the CPUID table a guest sees (hypervisor/cpuid). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/cpuid.h"
#include "include/guest_abi.h"
#include "include/xen_public.h"

#define SIG_INDEX KVM_CPUID_FLAG_SIGNIFCANT_INDEX
#define HV_RANGE_FIRST 0x40000000u
#define HV_RANGE_LAST 0x4fffffffu
#define VCPU 3u
#define DOMID 7u

/* What KVM_GET_SUPPORTED_CPUID might return on an Intel host, including
 * KVM's own paravirt leaves that a Xen guest must not see. */
static const struct kvm_cpuid_entry2 host_leaves[] = {
    {.function = 0, .eax = 0x1f, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69},
    {.function = 1, .eax = 0x000806ec, .ebx = 0xff100800, .ecx = 0x7ffafbff,
     .edx = 0xbfebfbff},
    {.function = 7, .index = 0, .flags = SIG_INDEX, .ebx = 0x029c67af},
    {.function = 7, .index = 1, .flags = SIG_INDEX, .eax = 0x10},
    {.function = 0xb, .index = 0, .flags = SIG_INDEX, .eax = 1, .ebx = 2, .ecx = 0x100,
     .edx = 0xdead},
    {.function = 0xb, .index = 1, .flags = SIG_INDEX, .eax = 4, .ebx = 8, .ecx = 0x201,
     .edx = 0xbeef},
    {.function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56,
     .edx = 0x0000004d},
    {.function = 0x40000001, .eax = 0x01007afb},
    {.function = 0x40000010, .eax = 0x1234},
    {.function = 0x80000000, .eax = 0x80000008},
    {.function = 0x80000001, .ecx = 0x121, .edx = 0x2c100800},
};
#define N_HOST (sizeof(host_leaves) / sizeof(host_leaves[0]))

static struct kvm_cpuid2 *supported;
static struct kvm_cpuid2 *built;

static void setup(void)
{
    supported = calloc(1, sizeof(*supported) + sizeof(host_leaves));
    ck_assert_ptr_nonnull(supported);
    supported->nent = N_HOST;
    memcpy(supported->entries, host_leaves, sizeof(host_leaves));
    built = cpuid_build(supported, VCPU, DOMID);
    ck_assert_ptr_nonnull(built);
}

static void teardown(void)
{
    free(built);
    free(supported);
}

static const struct kvm_cpuid_entry2 *leaf(uint32_t fn, uint32_t index)
{
    const struct kvm_cpuid_entry2 *e = cpuid_find(built, fn, index);
    ck_assert_msg(e != NULL, "leaf 0x%x.%u missing", fn, index);
    return e;
}

static const struct kvm_cpuid_entry2 *host_leaf(uint32_t fn, uint32_t index)
{
    const struct kvm_cpuid_entry2 *e = cpuid_find(supported, fn, index);
    ck_assert_ptr_nonnull(e);
    return e;
}

static void assert_regs(const struct kvm_cpuid_entry2 *e, uint32_t eax, uint32_t ebx,
                        uint32_t ecx, uint32_t edx)
{
    ck_assert_msg(e->eax == eax && e->ebx == ebx && e->ecx == ecx && e->edx == edx,
                  "leaf 0x%x: %08x %08x %08x %08x, expected %08x %08x %08x %08x",
                  e->function, e->eax, e->ebx, e->ecx, e->edx, eax, ebx, ecx, edx);
}

/* ---- the hypervisor range ---- */

START_TEST(kvm_leaves_are_gone)
{
    unsigned in_range = 0;
    for (uint32_t i = 0; i < built->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &built->entries[i];
        if (e->function < HV_RANGE_FIRST || e->function > HV_RANGE_LAST)
            continue;
        in_range++;
        ck_assert_msg(e->function <= XEN_CPUID_LEAF(XEN_CPUID_MAX_NUM_LEAVES),
                      "leaf 0x%x leaked from KVM", e->function);
        /* "KVMK" in ebx would mean KVM's signature survived somewhere. */
        ck_assert_uint_ne(e->ebx, 0x4b4d564b);
    }
    ck_assert_uint_eq(in_range, XEN_CPUID_MAX_NUM_LEAVES + 1);
}
END_TEST

START_TEST(xen_signature_and_max_leaf)
{
    assert_regs(leaf(XEN_CPUID_LEAF(0), 0), XEN_CPUID_LEAF(5), XEN_CPUID_SIGNATURE_EBX,
                XEN_CPUID_SIGNATURE_ECX, XEN_CPUID_SIGNATURE_EDX);
    /* Xen's own statement that the range ends at +5 (doc/hypercalls.md). */
    ck_assert_uint_eq(XEN_CPUID_MAX_NUM_LEAVES, 5);
}
END_TEST

START_TEST(xen_version_leaf)
{
    /* 4.17, as doc/hypercalls.md promises and XENVER_version returns. */
    assert_regs(leaf(XEN_CPUID_LEAF(1), 0), (4u << 16) | 17u, 0, 0, 0);
}
END_TEST

START_TEST(xen_hypercall_page_leaf)
{
    assert_regs(leaf(XEN_CPUID_LEAF(2), 0), 1, XENOLITH_HYPERCALL_MSR, 0, 0);
    ck_assert_uint_eq(XENOLITH_HYPERCALL_MSR, 0x40000000u);
}
END_TEST

START_TEST(xen_time_and_last_leaves_are_empty)
{
    assert_regs(leaf(XEN_CPUID_LEAF(3), 0), 0, 0, 0, 0);
    assert_regs(leaf(XEN_CPUID_LEAF(5), 0), 0, 0, 0, 0);
}
END_TEST

START_TEST(xen_hvm_leaf)
{
    const struct kvm_cpuid_entry2 *e = leaf(XEN_CPUID_LEAF(4), 0);
    ck_assert_uint_eq(e->eax & XEN_HVM_CPUID_VCPU_ID_PRESENT, XEN_HVM_CPUID_VCPU_ID_PRESENT);
    ck_assert_uint_eq(e->eax & XEN_HVM_CPUID_DOMID_PRESENT, XEN_HVM_CPUID_DOMID_PRESENT);
    /* The full set doc/hypercalls.md lists, and nothing we do not do. */
    ck_assert_uint_eq(e->eax, XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
                                  XEN_HVM_CPUID_UPCALL_VECTOR);
    ck_assert_uint_eq(e->ebx, VCPU);
    ck_assert_uint_eq(e->ecx, DOMID);
    ck_assert_uint_eq(e->edx, 0);
}
END_TEST

START_TEST(ids_follow_the_arguments)
{
    struct kvm_cpuid2 *t = cpuid_build(supported, 0, 0);
    ck_assert_ptr_nonnull(t);
    const struct kvm_cpuid_entry2 *e = cpuid_find(t, XEN_CPUID_LEAF(4), 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->ebx, 0);
    ck_assert_uint_eq(e->ecx, 0);
    e = cpuid_find(t, 1, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->ebx >> 24, 0);
    free(t);

    t = cpuid_build(supported, 200, 0x7ff0);
    ck_assert_ptr_nonnull(t);
    e = cpuid_find(t, XEN_CPUID_LEAF(4), 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->ebx, 200);
    ck_assert_uint_eq(e->ecx, 0x7ff0);
    e = cpuid_find(t, 0xb, 1);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->edx, 200);
    free(t);
}
END_TEST

/* ---- leaves KVM offers ---- */

START_TEST(leaf1_hypervisor_bit_and_apic_id)
{
    const struct kvm_cpuid_entry2 *h = host_leaf(1, 0), *e = leaf(1, 0);
    ck_assert_uint_eq(e->ecx, h->ecx | (1u << 31));
    ck_assert_uint_eq(e->ebx >> 24, VCPU);
    ck_assert_uint_eq(e->ebx & 0x00ffffffu, h->ebx & 0x00ffffffu);
    ck_assert_uint_eq(e->eax, h->eax);
    ck_assert_uint_eq(e->edx, h->edx);
}
END_TEST

START_TEST(leaf_b_x2apic_id)
{
    for (uint32_t sub = 0; sub < 2; sub++) {
        const struct kvm_cpuid_entry2 *h = host_leaf(0xb, sub), *e = leaf(0xb, sub);
        ck_assert_uint_eq(e->index, sub);
        assert_regs(e, h->eax, h->ebx, h->ecx, VCPU);
    }
}
END_TEST

START_TEST(other_leaves_unchanged)
{
    static const uint32_t fns[][2] = {{0, 0}, {7, 0}, {7, 1}, {0x80000000, 0}, {0x80000001, 0}};
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
        const struct kvm_cpuid_entry2 *h = host_leaf(fns[i][0], fns[i][1]);
        const struct kvm_cpuid_entry2 *e = leaf(fns[i][0], fns[i][1]);
        ck_assert_msg(memcmp(h, e, sizeof(*e)) == 0, "leaf 0x%x.%u changed", fns[i][0],
                      fns[i][1]);
    }
    /* Every non-hypervisor leaf is carried over, none twice. */
    ck_assert_uint_eq(built->nent, N_HOST - 3 + XEN_CPUID_MAX_NUM_LEAVES + 1);
}
END_TEST

START_TEST(supported_table_untouched)
{
    ck_assert_uint_eq(supported->nent, N_HOST);
    ck_assert(memcmp(supported->entries, host_leaves, sizeof(host_leaves)) == 0);
}
END_TEST

START_TEST(empty_supported_table)
{
    struct kvm_cpuid2 empty = {.nent = 0};
    struct kvm_cpuid2 *t = cpuid_build(&empty, 1, 2);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->nent, XEN_CPUID_MAX_NUM_LEAVES + 1);
    ck_assert_ptr_nonnull(cpuid_find(t, XEN_CPUID_LEAF(0), 0));
    free(t);
}
END_TEST

/* ---- cpuid_find ---- */

START_TEST(find_absent_leaf)
{
    ck_assert_ptr_null(cpuid_find(built, 0x12345678, 0));
    ck_assert_ptr_null(cpuid_find(built, 0x40000006, 0));
}
END_TEST

START_TEST(find_respects_significant_index)
{
    ck_assert_ptr_null(cpuid_find(built, 7, 2));
    ck_assert_uint_eq(leaf(7, 1)->eax, 0x10);
    /* A leaf without sub-leaves answers for any index. */
    ck_assert_uint_eq(leaf(0x80000000, 5)->eax, 0x80000008);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cpuid");

    TCase *x = tcase_create("xen leaves");
    tcase_add_checked_fixture(x, setup, teardown);
    tcase_add_test(x, kvm_leaves_are_gone);
    tcase_add_test(x, xen_signature_and_max_leaf);
    tcase_add_test(x, xen_version_leaf);
    tcase_add_test(x, xen_hypercall_page_leaf);
    tcase_add_test(x, xen_time_and_last_leaves_are_empty);
    tcase_add_test(x, xen_hvm_leaf);
    tcase_add_test(x, ids_follow_the_arguments);
    suite_add_tcase(s, x);

    TCase *k = tcase_create("host leaves");
    tcase_add_checked_fixture(k, setup, teardown);
    tcase_add_test(k, leaf1_hypervisor_bit_and_apic_id);
    tcase_add_test(k, leaf_b_x2apic_id);
    tcase_add_test(k, other_leaves_unchanged);
    tcase_add_test(k, supported_table_untouched);
    tcase_add_test(k, empty_supported_table);
    suite_add_tcase(s, k);

    TCase *f = tcase_create("find");
    tcase_add_checked_fixture(f, setup, teardown);
    tcase_add_test(f, find_absent_leaf);
    tcase_add_test(f, find_respects_significant_index);
    suite_add_tcase(s, f);
    return s;
}

#include "tests/unit/check_main.h"
