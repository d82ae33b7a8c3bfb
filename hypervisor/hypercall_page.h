/*
 * The hypercall page xenolithd writes into a guest when it writes the
 * hypercall MSR: one 32-byte stub per hypercall that traps to us through
 * a port-I/O exit (the host has no KVM Xen support to catch vmcall).
 */
#ifndef XENOLITH_HYPERCALL_PAGE_H
#define XENOLITH_HYPERCALL_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#define HYPERCALL_STUB_SIZE 32
#define HYPERCALL_PAGE_SIZE 4096

void hypercall_page_fill(uint8_t page[HYPERCALL_PAGE_SIZE]);

/* The MSR value names a page (high bits) and which of our hypercall pages
 * goes there (low 12 bits; we have one). Returns 0 and the page's guest
 * physical address, or -1 when the write must raise #GP. */
int hypercall_msr_decode(uint64_t value, bool (*page_in_ram)(void *ctx, uint64_t gpa),
                         void *ctx, uint64_t *gpa);

#endif
