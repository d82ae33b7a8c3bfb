#include "config.h"

#include <string.h>

#include "hypervisor/hypercall_page.h"
#include "include/guest_abi.h"

void hypercall_page_fill(uint8_t page[HYPERCALL_PAGE_SIZE])
{
    /* int3 between stubs: a guest that jumps into the middle traps. */
    memset(page, 0xcc, HYPERCALL_PAGE_SIZE);
    for (unsigned nr = 0; nr < HYPERCALL_PAGE_SIZE / HYPERCALL_STUB_SIZE; nr++) {
        uint8_t *p = page + nr * HYPERCALL_STUB_SIZE;
        p[0] = 0xb8; /* mov $nr, %eax */
        memcpy(p + 1, &(uint32_t){nr}, 4);
        p[5] = 0xe7; /* out %eax, $imm8 */
        p[6] = XENOLITH_HYPERCALL_PORT;
        p[7] = 0xc3; /* ret */
    }
}

int hypercall_msr_decode(uint64_t value, bool (*page_in_ram)(void *ctx, uint64_t gpa),
                         void *ctx, uint64_t *gpa)
{
    uint64_t page_nr = value & (HYPERCALL_PAGE_SIZE - 1);
    uint64_t addr = value & ~(uint64_t)(HYPERCALL_PAGE_SIZE - 1);
    if (page_nr != 0 || !page_in_ram(ctx, addr))
        return -1;
    *gpa = addr;
    return 0;
}
