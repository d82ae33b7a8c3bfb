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

#endif
