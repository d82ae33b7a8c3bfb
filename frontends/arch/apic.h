/*
 * The local APIC, only as far as event delivery needs it: xenolithd
 * injects the upcall vector through KVM's in-kernel LAPIC (fixed, edge),
 * so each vCPU software-enables its own LAPIC and ends every interrupt
 * that entered service with an EOI. x2APIC (MSRs) where CPUID offers it, because an MSR write
 * is cheaper to emulate than an MMIO store; the xAPIC page otherwise.
 */
#ifndef FRONTENDS_ARCH_APIC_H
#define FRONTENDS_ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

/* Delivered without an EOI by the LAPIC itself; the handler ignores it. */
#define APIC_SPURIOUS_VECTOR 0xff

/* Enable this vCPU's LAPIC; the mode is chosen once, on the first call. */
void apic_init(void);
bool apic_x2apic(void);
void apic_eoi(void);
/* Whether the vector's bit is set in the in-service register. */
bool apic_in_service(unsigned vector);
uint32_t apic_id(void);

#endif
