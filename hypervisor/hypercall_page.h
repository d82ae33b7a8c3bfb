/*
 * The hypercall page xenolithd writes into a guest when it writes the
 * hypercall MSR: one 32-byte stub per hypercall that traps to us through
 * a port-I/O exit (the host has no KVM Xen support to catch vmcall), and
 * two fast paths that stay in the kernel (doc/hypercalls.md):
 *
 *   stub 29 (sched_op)          SCHEDOP_block is `sti; hlt`
 *   stub 32 (event_channel_op)  EVTCHNOP_send of a port in the doorbell
 *                               bitmap is an `out` to the doorbell port,
 *                               an in-kernel ioeventfd
 *
 * All 128 stubs stay callable, as in Xen: the send fast path's code sits
 * in the unused tail of stub 33's slot and the doorbell bitmap (ports
 * 0-191) in the tail of stub 34's.
 */
#ifndef XENOLITH_HYPERCALL_PAGE_H
#define XENOLITH_HYPERCALL_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#define HYPERCALL_STUB_SIZE 32
#define HYPERCALL_PAGE_SIZE 4096
#define HYPERCALL_STUBS 128
#define HYPERCALL_TRAP_SIZE 8 /* mov $nr,%eax; out; ret */
#define HYPERCALL_SEND_FAST_OFF (33 * HYPERCALL_STUB_SIZE + HYPERCALL_TRAP_SIZE)
#define HYPERCALL_DOORBELL_BITMAP_OFF (34 * HYPERCALL_STUB_SIZE + HYPERCALL_TRAP_SIZE)
#define HYPERCALL_DOORBELL_BITMAP_SIZE (HYPERCALL_STUB_SIZE - HYPERCALL_TRAP_SIZE)
#define HYPERCALL_DOORBELL_PORTS (HYPERCALL_DOORBELL_BITMAP_SIZE * 8)

/* Writes the stubs and an empty doorbell bitmap. */
void hypercall_page_fill(uint8_t page[HYPERCALL_PAGE_SIZE]);

/* The MSR value names a page (high bits) and which of our hypercall pages
 * goes there (low 12 bits; we have one). Returns 0 and the page's guest
 * physical address, or -1 when the write must raise #GP. */
int hypercall_msr_decode(uint64_t value, bool (*page_in_ram)(void *ctx, uint64_t gpa),
                         void *ctx, uint64_t *gpa);

#endif
