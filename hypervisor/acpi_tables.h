/*
 * The ACPI tables a PVH guest finds through hvm_start_info.rsdp_paddr, as
 * Xen gives its PVH guests: RSDP, XSDT, a hardware-reduced FADT whose
 * sleep control register (an I/O port of xenolithd's) powers off with
 * the DSDT's \_S5, and a MADT with one local APIC per vCPU. Linux needs the
 * MADT to set up its per-CPU timer at all (without one it takes the
 * machine for a PIC-only uniprocessor and never installs the Xen timer).
 * There is no I/O APIC and no legacy hardware.
 */
#ifndef XENOLITH_ACPI_TABLES_H
#define XENOLITH_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* Where the tables go: in the BIOS area the memory map marks reserved, so
 * the guest never takes the page for RAM. */
#define ACPI_TABLES_GPA 0xe0000u
#define ACPI_TABLES_MAX 0x10000u
#define ACPI_MAX_VCPUS 255 /* one-byte APIC ids */

/* Builds the tables into buf (placed at guest address gpa). Returns the
 * RSDP's guest address, or 0 when they do not fit or nr_vcpus is 0 or
 * above ACPI_MAX_VCPUS. */
uint64_t acpi_tables_build(uint8_t *buf, size_t len, uint64_t gpa, unsigned nr_vcpus);

#endif
