#include "config.h"

#include <string.h>

#include "hypervisor/acpi_tables.h"
#include "include/guest_abi.h"

/* Layout facts from the ACPI specification (6.x): offsets of the fields
 * we fill. Every table starts with the 36-byte system description header. */
#define SDT_HEADER 36
#define SDT_LENGTH 4
#define SDT_REVISION 8
#define SDT_CHECKSUM 9
#define SDT_OEMID 10
#define SDT_OEM_TABLE 16
#define SDT_OEM_REVISION 24
#define SDT_CREATOR 28
#define SDT_CREATOR_REVISION 32

#define RSDP_LENGTH 36
#define RSDP_V1_LENGTH 20
#define FADT_LENGTH 276
#define FADT_REVISION 6
#define FADT_DSDT 40
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_NO_VGA (1u << 2)
#define FADT_NO_CMOS_RTC (1u << 5)
#define FADT_FLAGS 112
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR 131
#define FADT_X_DSDT 140
#define FADT_SLEEP_CONTROL 244
#define FADT_SLEEP_STATUS 256
#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1
#define FADT_HYPERVISOR_ID 268
#define FADT_HW_REDUCED_ACPI (1u << 20)
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS 40
#define MADT_ENTRIES 44
#define MADT_LOCAL_APIC 0
#define MADT_LOCAL_APIC_LEN 8
#define MADT_ENABLED 1u
#define LAPIC_BASE 0xfee00000u

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* A generic address structure: an 8-bit I/O port. */
static void gas_port8(uint8_t *p, uint16_t port)
{
    p[0] = GAS_SYSTEM_IO;
    p[1] = 8; /* bit width */
    p[2] = 0; /* bit offset */
    p[3] = GAS_ACCESS_BYTE;
    put64(p + 4, port);
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return (uint8_t)(0 - sum);
}

static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + SDT_LENGTH, len);
    t[SDT_REVISION] = rev;
    memcpy(t + SDT_OEMID, "XENLTH", 6);
    memcpy(t + SDT_OEM_TABLE, "XENOLITH", 8);
    put32(t + SDT_OEM_REVISION, 1);
    memcpy(t + SDT_CREATOR, "XNLT", 4);
    put32(t + SDT_CREATOR_REVISION, 1);
}

static void seal(uint8_t *t)
{
    uint32_t len;
    memcpy(&len, t + SDT_LENGTH, 4);
    t[SDT_CHECKSUM] = 0;
    t[SDT_CHECKSUM] = checksum(t, len);
}

uint64_t acpi_tables_build(uint8_t *buf, size_t len, uint64_t gpa, unsigned nr_vcpus)
{
    /* RSDP, XSDT (two entries), FADT, DSDT, MADT; each 16-byte aligned. */
    size_t rsdp = 0, xsdt = 48, fadt = 112, dsdt = fadt + 288, madt = dsdt + 48;
    uint32_t madt_len = MADT_ENTRIES + MADT_LOCAL_APIC_LEN * nr_vcpus;
    if (nr_vcpus == 0 || nr_vcpus > ACPI_MAX_VCPUS || madt + madt_len > len)
        return 0;
    memset(buf, 0, madt + madt_len);

    /* The DSDT's only AML: Name (_S5, Package () {5, 0}), the sleep type
     * the FADT's sleep control register takes for soft-off. Without an
     * \_S5 Linux has no way to power off and halts instead. */
    static const uint8_t s5[] = {
        0x08, '_', 'S', '5', '_',       /* NameOp, the name */
        0x12, 0x05, 0x02,               /* PackageOp, length, two elements */
        0x0a, XENOLITH_SLEEP_TYPE_S5,   /* BytePrefix, SLP_TYPa */
        0x00,                           /* ZeroOp, SLP_TYPb */
    };
    uint8_t *t = buf + dsdt;
    header(t, "DSDT", SDT_HEADER + sizeof(s5), 2);
    memcpy(t + SDT_HEADER, s5, sizeof(s5));
    seal(t);

    t = buf + fadt;
    header(t, "FACP", FADT_LENGTH, FADT_REVISION);
    put32(t + FADT_DSDT, (uint32_t)(gpa + dsdt));
    put64(t + FADT_X_DSDT, gpa + dsdt);
    /* The reset register: without it Linux's restart falls through to
     * the 8042 and the BIOS, neither of which a PVH domain has. */
    put32(t + FADT_FLAGS, FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP);
    gas_port8(t + FADT_RESET_REG, XENOLITH_RESET_PORT);
    t[FADT_RESET_VALUE] = XENOLITH_RESET_VALUE;
    /* No VGA, no CMOS clock, no 8042: else Linux probes them, the RTC
     * alone for about 10 s of all-ones reads. */
    uint16_t boot_arch = FADT_NO_VGA | FADT_NO_CMOS_RTC;
    memcpy(t + FADT_IAPC_BOOT_ARCH, &boot_arch, 2);
    gas_port8(t + FADT_SLEEP_CONTROL, XENOLITH_SLEEP_CONTROL_PORT);
    gas_port8(t + FADT_SLEEP_STATUS, XENOLITH_SLEEP_STATUS_PORT);
    t[FADT_MINOR] = 0;
    memcpy(t + FADT_HYPERVISOR_ID, "XenVMMXe", 8);
    seal(t);

    t = buf + madt;
    header(t, "APIC", madt_len, 4);
    put32(t + MADT_LAPIC_ADDR, LAPIC_BASE);
    put32(t + MADT_FLAGS, 0); /* no 8259 */
    for (unsigned i = 0; i < nr_vcpus; i++) {
        uint8_t *e = t + MADT_ENTRIES + MADT_LOCAL_APIC_LEN * i;
        e[0] = MADT_LOCAL_APIC;
        e[1] = MADT_LOCAL_APIC_LEN;
        e[2] = (uint8_t)i; /* processor UID = vCPU id, as Xen's */
        e[3] = (uint8_t)i; /* APIC id: CPUID's initial APIC id */
        put32(e + 4, MADT_ENABLED);
    }
    seal(t);

    t = buf + xsdt;
    header(t, "XSDT", SDT_HEADER + 16, 1);
    put64(t + SDT_HEADER, gpa + fadt);
    put64(t + SDT_HEADER + 8, gpa + madt);
    seal(t);

    t = buf + rsdp;
    memcpy(t, "RSD PTR ", 8);
    memcpy(t + 9, "XENLTH", 6);
    t[15] = 2; /* revision: ACPI 2.0+, the XSDT is used */
    put32(t + 20, RSDP_LENGTH);
    put64(t + 24, gpa + xsdt);
    t[8] = checksum(t, RSDP_V1_LENGTH);
    t[32] = checksum(t, RSDP_LENGTH);
    return gpa + rsdp;
}
