/*
 * What xenolithd offers a guest beyond Xen's public ABI: the I/O ports its
 * hypercall stubs and its measurement hooks use. Guests that follow the
 * Xen ABI never need these; they find the hypercall page through CPUID.
 */
#ifndef XENOLITH_GUEST_ABI_H
#define XENOLITH_GUEST_ABI_H

/* The MSR named in CPUID leaf 0x40000002 EBX, as Xen uses. */
#define XENOLITH_HYPERCALL_MSR 0x40000000u

/* Each hypercall stub is `mov $nr,%eax; out %eax,$XENOLITH_HYPERCALL_PORT;
 * ret`: an 8-bit port so the stub clobbers no argument register. */
#define XENOLITH_HYPERCALL_PORT 0xe4

/* A port the hypervisor answers with nothing at all: the raw cost of a
 * userspace I/O exit, the baseline the hypercall benchmark compares to. */
#define XENOLITH_NULL_PORT 0xe6

/* EVTCHNOP_send's fast path in the hypercall page writes the port here; a
 * port bound to a Dom0 program is an in-kernel ioeventfd on it. */
#define XENOLITH_DOORBELL_PORT 0xe5

/* The event-channel benchmark's floor: a bare ioeventfd (guest writes 1
 * to this port) and irqfd (Dom0 raises this vector) with no hypervisor
 * logic between them. Set up only on request (privcmd RAW_DOORBELL). */
#define XENOLITH_RAW_DOORBELL_PORT 0xe7
#define XENOLITH_RAW_VECTOR 0xf0

/* The ACPI sleep control and status registers of the hardware-reduced
 * FADT (one byte each): S5 written to the control register powers the
 * domain off, as SCHEDOP_shutdown(poweroff) does. */
#define XENOLITH_SLEEP_CONTROL_PORT 0xe8
#define XENOLITH_SLEEP_STATUS_PORT 0xea
/* The sleep type the DSDT's \_S5 names, and the register's fields. */
#define XENOLITH_SLEEP_TYPE_S5 5
#define XENOLITH_SLEEP_TYPE_SHIFT 2
#define XENOLITH_SLEEP_TYPE_MASK 0x1c
#define XENOLITH_SLEEP_ENABLE 0x20

/* The FADT's reset register: the PC's reset control port, as Xen's HVM
 * tables and QEMU name it. A write with the CPU-reset bit (2) set
 * reboots the domain, as SCHEDOP_shutdown(reboot) does; Linux's restart
 * writes XENOLITH_RESET_VALUE there before anything else it tries. */
#define XENOLITH_RESET_PORT 0xcf9
#define XENOLITH_RESET_VALUE 0x06
#define XENOLITH_RESET_CPU 0x04

#endif
