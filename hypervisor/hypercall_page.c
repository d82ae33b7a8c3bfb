#include "config.h"

#include <string.h>

#include "hypervisor/hypercall_page.h"
#include "include/guest_abi.h"
#include "include/xen_public.h"

/* Appends bytes at *at. */
static void emit(uint8_t *page, unsigned *at, const uint8_t *bytes, unsigned n)
{
    memcpy(page + *at, bytes, n);
    *at += n;
}

/* mov $nr,%eax; out %eax,$XENOLITH_HYPERCALL_PORT; ret */
static void emit_trap(uint8_t *page, unsigned *at, uint32_t nr)
{
    uint8_t b[8] = {0xb8, 0, 0, 0, 0, 0xe7, XENOLITH_HYPERCALL_PORT, 0xc3};
    memcpy(b + 1, &nr, 4);
    emit(page, at, b, sizeof(b));
}

static void emit_sched_op(uint8_t *page)
{
    unsigned at = __HYPERVISOR_sched_op * HYPERCALL_STUB_SIZE;
    const uint8_t block[] = {
        0x83, 0xff, SCHEDOP_block, /* cmp $SCHEDOP_block,%edi */
        0x75, 0x05,                /* jne trap */
        0xfb,                      /* sti */
        0xf4,                      /* hlt: until an upcall or timer */
        0x31, 0xc0,                /* xor %eax,%eax */
        0xc3,                      /* ret */
    };
    emit(page, &at, block, sizeof(block));
    emit_trap(page, &at, __HYPERVISOR_sched_op);
}

static void emit_event_channel_op(uint8_t *page)
{
    unsigned at = __HYPERVISOR_event_channel_op * HYPERCALL_STUB_SIZE;
    unsigned trap = at + 5;
    uint8_t head[] = {
        0x83, 0xff, EVTCHNOP_send, /* cmp $EVTCHNOP_send,%edi */
        0x74, 0,                   /* je fast */
    };
    head[4] = (uint8_t)(HYPERCALL_SEND_FAST_OFF - trap);
    emit(page, &at, head, sizeof(head));
    emit_trap(page, &at, __HYPERVISOR_event_channel_op);

    /* The port is read in the guest; only ports in the bitmap (bound to
     * Dom0, so an ioeventfd matches them) take the doorbell. */
    at = HYPERCALL_SEND_FAST_OFF;
    uint8_t fast[] = {
        0x8b, 0x06,                   /* mov (%rsi),%eax */
        0x3d, HYPERCALL_DOORBELL_PORTS, 0x00, 0x00, 0x00, /* cmp $ports,%eax */
        0x73, 0,                      /* jae trap */
        0x0f, 0xa3, 0x05, 0, 0, 0, 0, /* bt %eax,bitmap(%rip) */
        0x73, 0,                      /* jnc trap */
        0xe7, XENOLITH_DOORBELL_PORT, /* out %eax,$doorbell */
        0x31, 0xc0,                   /* xor %eax,%eax */
        0xc3,                         /* ret */
    };
    _Static_assert(sizeof(fast) <= HYPERCALL_STUB_SIZE - HYPERCALL_TRAP_SIZE,
                   "the fast path fits in the tail of stub 33");
    _Static_assert(HYPERCALL_DOORBELL_PORTS < 256, "the port bound is one byte of the cmp");
    fast[8] = (uint8_t)((int)trap - (int)(at + 9));
    int32_t disp = (int32_t)HYPERCALL_DOORBELL_BITMAP_OFF - (int32_t)(at + 16);
    memcpy(fast + 12, &disp, 4);
    fast[17] = (uint8_t)((int)trap - (int)(at + 18));
    emit(page, &at, fast, sizeof(fast));
}

void hypercall_page_fill(uint8_t page[HYPERCALL_PAGE_SIZE])
{
    /* int3 between stubs: a guest that jumps into the middle traps. */
    memset(page, 0xcc, HYPERCALL_PAGE_SIZE);
    for (unsigned nr = 0; nr < HYPERCALL_STUBS; nr++) {
        unsigned at = nr * HYPERCALL_STUB_SIZE;
        emit_trap(page, &at, nr);
    }
    emit_sched_op(page);
    memset(page + __HYPERVISOR_event_channel_op * HYPERCALL_STUB_SIZE, 0xcc, HYPERCALL_STUB_SIZE);
    emit_event_channel_op(page);
    memset(page + HYPERCALL_DOORBELL_BITMAP_OFF, 0, HYPERCALL_DOORBELL_BITMAP_SIZE);
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
