/*
 * The one GDT. The boot code loads it before long mode exists, so the
 * code and data descriptors are static; only the TSS descriptor, whose
 * base is an address the compiler cannot split at build time, is filled
 * in at run time.
 */
#include <stdint.h>

#include "arch/gdt.h"
#include "arch/segments.h"
#include "include/guest_abi.h"

/* The hardware's 64-bit TSS layout (Intel SDM vol. 3, 8.7). */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

/* access/flags: P, DPL, S, type; G and L (or D/B) in the high nibble. */
uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16))) = {
	[GDT_KERNEL_CS / 8] = 0x00af9a000000ffffull,
	[GDT_KERNEL_DS / 8] = 0x00cf92000000ffffull,
	[GDT_USER_CS / 8] = 0x00affa000000ffffull,
	[GDT_USER_DS / 8] = 0x00cff2000000ffffull,
};

/* The TSS with an I/O permission bitmap for ports 0-255 after it, and
 * the all-ones byte the CPU may read one past the bitmap's end. A port
 * above 255 lies past the TSS limit, which denies it.
 *
 * Ring 3 reaches the hypercall port, all four bytes of the stub's
 * 32-bit `out`, through the bitmap and through nothing else: it runs
 * with IOPL 0. (IOPL 3 is not an option everywhere: a KVM that runs the
 * guest's ring 3 on the host's ring 3 with IOPL forced to 0, such as
 * PVM, shows ring 3 IOPL 0 whatever iretq popped, and its emulator of
 * the faulting `out` checks this bitmap.) The whole TSS is data built by
 * the compiler: on hosts that emulate guest kernel code a fill loop
 * here costs an emulation per step. */
#define IOMAP_PORTS 256
#define IOMAP_OPEN(i, port) ((port) / 8 == (i) ? 1u << ((port) % 8) : 0u)
#define IOMAP_BYTE(i)                                                  \
	(uint8_t)(0xffu &                                              \
		  ~(IOMAP_OPEN(i, XENOLITH_HYPERCALL_PORT) |           \
		    IOMAP_OPEN(i, XENOLITH_HYPERCALL_PORT + 1) |       \
		    IOMAP_OPEN(i, XENOLITH_HYPERCALL_PORT + 2) |       \
		    IOMAP_OPEN(i, XENOLITH_HYPERCALL_PORT + 3)))
#define IOMAP_8(i)                                                     \
	IOMAP_BYTE(i), IOMAP_BYTE(i + 1), IOMAP_BYTE(i + 2),           \
		IOMAP_BYTE(i + 3), IOMAP_BYTE(i + 4), IOMAP_BYTE(i + 5), \
		IOMAP_BYTE(i + 6), IOMAP_BYTE(i + 7)

/* Not in the BSS: a stack is written before it is read, and clearing
 * the BSS costs about 0.6 µs per 8 bytes where the boot code is
 * emulated (doc/pvm.md). */
static uint8_t trap_stack[TRAP_STACK_SIZE]
	__attribute__((section(".noinit"), aligned(16)));

static struct {
	struct tss64 hw;
	uint8_t iomap[IOMAP_PORTS / 8 + 1];
} __attribute__((packed)) tss __attribute__((aligned(16))) = {
	.hw = {
		.rsp = { (uint64_t)(trap_stack + sizeof(trap_stack)) },
		.iomap_base = sizeof(struct tss64),
	},
	.iomap = { IOMAP_8(0), IOMAP_8(8), IOMAP_8(16), IOMAP_8(24), 0xff },
};
_Static_assert(sizeof(tss.iomap) == 33, "one initializer per bitmap byte");

void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
			   (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS / 8 + 1] = base >> 32;

	asm volatile("ltr %w0" : : "r"(GDT_TSS) : "memory");
}
