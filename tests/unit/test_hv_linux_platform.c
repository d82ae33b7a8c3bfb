/* Unit tests of what a stock Linux PVH kernel needs beyond the hypercall
 * page: its own vmcall/vmmcall functions rewritten to our port exit
 * (hypervisor/hypercall_patch) and the ACPI tables with the MADT
 * (hypervisor/acpi_tables). */
#include "config.h"

#include <check.h>
#include <string.h>

#include "hypervisor/acpi_tables.h"
#include "hypervisor/hypercall_patch.h"
#include "include/guest_abi.h"

static const uint8_t port_exit[3] = {0xe7, XENOLITH_HYPERCALL_PORT, 0x90};

/* The two functions as Debian's 6.1.0-57 build lays them out: vmmcall and
 * a jmp to the return thunk, padding, vmcall and the same jmp. */
static void linux_pair(uint8_t *at)
{
    static const uint8_t amd[] = {0x0f, 0x01, 0xd9, 0xe9, 0x38, 0xe1, 0x3f, 0x00,
                                  0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t intel[] = {0x0f, 0x01, 0xc1, 0xe9, 0x28, 0xe1, 0x3f, 0x00,
                                    0xcc, 0xcc, 0xcc, 0xcc};
    memcpy(at, amd, sizeof(amd));
    memcpy(at + 16, intel, sizeof(intel));
}

START_TEST(rewrites_the_pair)
{
    static uint8_t image[8192];
    memset(image, 0x90, sizeof(image));
    linux_pair(image + 0x1000);
    struct hcpatch_result r;
    ck_assert_int_eq(hcpatch_apply(image, sizeof(image), &r), 2);
    ck_assert_uint_eq(r.sites[0], 0x1000);
    ck_assert_uint_eq(r.sites[1], 0x1010);
    ck_assert_mem_eq(image + 0x1000, port_exit, 3);
    ck_assert_mem_eq(image + 0x1010, port_exit, 3);
    ck_assert_uint_eq(image[0x1003], 0xe9); /* the return stays */
    /* Applied again, nothing is left to rewrite. */
    ck_assert_int_eq(hcpatch_apply(image, sizeof(image), &r), 0);
}
END_TEST

START_TEST(lone_instructions_left_alone)
{
    static uint8_t image[4096];
    memset(image, 0x90, sizeof(image));
    /* KVM's paravirt call: mov $5,%eax; vmcall; then no return. */
    static const uint8_t kvm[] = {0xb8, 0x05, 0, 0, 0, 0x0f, 0x01, 0xc1, 0x5b};
    memcpy(image + 100, kvm, sizeof(kvm));
    /* A vmmcall with a return but no sibling (SEV's GHCB call shape). */
    static const uint8_t sev[] = {0x0f, 0x01, 0xd9, 0xc3};
    memcpy(image + 1000, sev, sizeof(sev));
    /* A pair too far apart. */
    memcpy(image + 2000, sev, sizeof(sev));
    static const uint8_t vmcall_ret[] = {0x0f, 0x01, 0xc1, 0xc3};
    memcpy(image + 2100, vmcall_ret, sizeof(vmcall_ret));
    uint8_t before[sizeof(image)];
    memcpy(before, image, sizeof(image));
    struct hcpatch_result r;
    ck_assert_int_eq(hcpatch_apply(image, sizeof(image), &r), 0);
    ck_assert_mem_eq(image, before, sizeof(image));
}
END_TEST

START_TEST(plain_ret_and_edges)
{
    uint8_t image[12] = {0x0f, 0x01, 0xc1, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0x0f, 0x01, 0xd9, 0xc3};
    struct hcpatch_result r;
    ck_assert_int_eq(hcpatch_apply(image, sizeof(image), &r), 2);
    ck_assert_mem_eq(image, port_exit, 3);
    ck_assert_mem_eq(image + 8, port_exit, 3);
    /* An instruction at the very end with no room for a return. */
    uint8_t tail[6] = {0x0f, 0x01, 0xc1, 0x0f, 0x01, 0xd9};
    ck_assert_int_eq(hcpatch_apply(tail, sizeof(tail), &r), 0);
}
END_TEST

START_TEST(too_many_pairs_touch_nothing)
{
    static uint8_t image[4096];
    memset(image, 0x90, sizeof(image));
    for (int i = 0; i < 5; i++)
        linux_pair(image + 256 * i);
    uint8_t before[sizeof(image)];
    memcpy(before, image, sizeof(image));
    struct hcpatch_result r;
    ck_assert_int_eq(hcpatch_apply(image, sizeof(image), &r), -1);
    ck_assert_mem_eq(image, before, sizeof(image));
}
END_TEST

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static uint64_t u64_at(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t u32_at(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

START_TEST(acpi_tables_walk)
{
    static uint8_t buf[ACPI_TABLES_MAX];
    const uint64_t base = ACPI_TABLES_GPA;
    uint64_t rsdp = acpi_tables_build(buf, sizeof(buf), base, 3);
    ck_assert_uint_eq(rsdp, base);
    const uint8_t *r = buf + (rsdp - base);
    ck_assert_mem_eq(r, "RSD PTR ", 8);
    ck_assert_uint_eq(sum(r, 20), 0);
    ck_assert_uint_eq(sum(r, 36), 0);
    ck_assert_uint_eq(r[15], 2);
    const uint8_t *x = buf + (u64_at(r + 24) - base);
    ck_assert_mem_eq(x, "XSDT", 4);
    ck_assert_uint_eq(sum(x, u32_at(x + 4)), 0);
    ck_assert_uint_eq(u32_at(x + 4), 36 + 16);
    const uint8_t *f = buf + (u64_at(x + 36) - base);
    const uint8_t *m = buf + (u64_at(x + 44) - base);
    ck_assert_mem_eq(f, "FACP", 4);
    ck_assert_uint_eq(u32_at(f + 4), 276);
    ck_assert_uint_eq(sum(f, 276), 0);
    ck_assert_uint_ne(u32_at(f + 112) & (1u << 20), 0); /* hardware reduced */
    /* Restart: the reset register is supported, port 0xcf9, value 6. */
    ck_assert_uint_ne(u32_at(f + 112) & (1u << 10), 0);
    static const uint8_t rst[12] = {1, 8, 0, 1, 0xf9, 0x0c};
    ck_assert_mem_eq(f + 116, rst, 12);
    ck_assert_uint_eq(f[128], 6);
    const uint8_t *dsdt = buf + (u64_at(f + 140) - base);
    ck_assert_mem_eq(dsdt, "DSDT", 4);
    ck_assert_uint_eq(sum(dsdt, u32_at(dsdt + 4)), 0);
    /* Soft-off: \_S5 = {5, 0} and the sleep registers on our ports. */
    static const uint8_t s5[] = {0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 5, 0x00};
    ck_assert_uint_eq(u32_at(dsdt + 4), 36 + sizeof(s5));
    ck_assert_mem_eq(dsdt + 36, s5, sizeof(s5));
    static const uint8_t ctl[12] = {1, 8, 0, 1, 0xe8}, sts[12] = {1, 8, 0, 1, 0xea};
    ck_assert_mem_eq(f + 244, ctl, 12);
    ck_assert_uint_eq(f[109], (1u << 2) | (1u << 5)); /* no VGA, no CMOS RTC, no 8042 */
    ck_assert_uint_eq(f[110], 0);
    ck_assert_mem_eq(f + 256, sts, 12);
    ck_assert_mem_eq(m, "APIC", 4);
    ck_assert_uint_eq(u32_at(m + 4), 44 + 3 * 8);
    ck_assert_uint_eq(sum(m, u32_at(m + 4)), 0);
    ck_assert_uint_eq(u32_at(m + 36), 0xfee00000u);
    for (unsigned i = 0; i < 3; i++) {
        const uint8_t *e = m + 44 + 8 * i;
        ck_assert_uint_eq(e[0], 0);
        ck_assert_uint_eq(e[1], 8);
        ck_assert_uint_eq(e[3], i);
        ck_assert_uint_eq(u32_at(e + 4) & 1, 1);
    }
}
END_TEST

START_TEST(acpi_tables_refusals)
{
    static uint8_t buf[ACPI_TABLES_MAX];
    ck_assert_uint_eq(acpi_tables_build(buf, sizeof(buf), ACPI_TABLES_GPA, 0), 0);
    ck_assert_uint_eq(acpi_tables_build(buf, sizeof(buf), ACPI_TABLES_GPA, ACPI_MAX_VCPUS + 1), 0);
    ck_assert_uint_eq(acpi_tables_build(buf, 256, ACPI_TABLES_GPA, 1), 0);
    ck_assert_uint_ne(acpi_tables_build(buf, sizeof(buf), ACPI_TABLES_GPA, ACPI_MAX_VCPUS), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("linux_platform");
    TCase *h = tcase_create("hypercall_patch");
    tcase_add_test(h, rewrites_the_pair);
    tcase_add_test(h, lone_instructions_left_alone);
    tcase_add_test(h, plain_ret_and_edges);
    tcase_add_test(h, too_many_pairs_touch_nothing);
    suite_add_tcase(s, h);
    TCase *a = tcase_create("acpi");
    tcase_add_test(a, acpi_tables_walk);
    tcase_add_test(a, acpi_tables_refusals);
    suite_add_tcase(s, a);
    return s;
}

#include "tests/unit/check_main.h"
