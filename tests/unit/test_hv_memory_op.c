/*
 * XENMEM_decrease_reservation of a long list, through the real
 * dispatcher and handler (hypervisor/hypercall.c, hc_memory.c,
 * gnttab.c) on a vCPU made here: long mode, 2 MiB pages identity-mapping
 * the first 8 MiB (the stub, the reservation and the list), RAM a sparse
 * memfd as xenolithd's is.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hypervisor/evtchn.h"
#include "hypervisor/hv.h"
#include "hypervisor/hypercall.h"
#include "hypervisor/log.h"
#include "hypervisor/physmap_slot.h"
#include "include/guest_abi.h"

/* The rest of xenolithd, which these files call or name. */
struct hv hv;
void hv_log(const char *fmt, ...)
{
    (void)fmt;
}
struct domain *domain_find(uint32_t domid)
{
    (void)domid;
    return NULL;
}
int physmap_slot_set(struct domain *d, unsigned slot, uint64_t gpa, void *hva)
{
    (void)d, (void)slot, (void)gpa, (void)hva;
    return 0;
}
void evtchn_publish_locations_locked(struct domain *d)
{
    (void)d;
}
struct shared_info *shared_info_of(struct domain *d)
{
    return (struct shared_info *)d->xen_area;
}
void vcpu_update_time(struct vcpu *v)
{
    (void)v;
}
#define NOT_HERE(fn)                                                 \
    int64_t fn(struct vcpu *v, const uint64_t a[5])                  \
    {                                                                \
        (void)v;                                                     \
        (void)a;                                                     \
        return -ENOSYS;                                              \
    }
NOT_HERE(hc_xen_version)
NOT_HERE(hc_console_io)
NOT_HERE(hc_sched_op)
NOT_HERE(hc_hvm_op)
NOT_HERE(hc_vcpu_op)
NOT_HERE(hc_event_channel_op)
NOT_HERE(hc_grant_table_op)
NOT_HERE(hc_set_timer_op)

#define RAM (512ull << 20)
#define STUB 0x4000u  /* memory_op's stub; its `out` is at STUB + 5 */
#define RESV 0x6000u  /* the struct xen_memory_reservation */
#define LIST 0x200000u
#define FIRST_GFN 4096u /* 16 MiB up: nothing the test uses */
#define EXTENTS 100000u

static struct domain dom;
static struct vcpu vcpu;

static void put64(uint64_t gpa, uint64_t v)
{
    memcpy(dom.ram.hva + gpa, &v, 8);
}

static void setup(void)
{
    pthread_mutex_init(&hv.evtchn_lock, NULL);
    pthread_mutex_init(&hv.gnttab_lock, NULL);
    pthread_mutex_init(&dom.lock, NULL);
    dom.domid = 1;
    dom.mem_fd = memfd_create("test_hv_memory_op", MFD_CLOEXEC);
    ck_assert_int_ge(dom.mem_fd, 0);
    ck_assert_int_eq(ftruncate(dom.mem_fd, RAM + 4096), 0);
    void *p = mmap(NULL, RAM + 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                   dom.mem_fd, 0);
    ck_assert(p != MAP_FAILED);
    dom.ram.hva = p;
    dom.xen_area = dom.ram.hva + RAM;
    guest_ram_layout(&dom.ram, RAM);
    ck_assert_int_eq(balloon_init(&dom.balloon, RAM / GUEST_PAGE_SIZE), 0);
    dom.ram.absent = dom.balloon.map;
    dom.max_memory_kib = RAM >> 10;
    put64(0x1000, 0x2000 | 3); /* PML4[0] -> PDPT */
    put64(0x2000, 0x3000 | 3); /* PDPT[0] -> PD */
    for (uint64_t i = 0; i < 4; i++)
        put64(0x3000 + 8 * i, (i << 21) | 0x83); /* present, writable, 2 MiB */
    const uint8_t stub[8] = {0xb8, __HYPERVISOR_memory_op, 0, 0, 0, 0xe7,
                             XENOLITH_HYPERCALL_PORT, 0xc3};
    memcpy(dom.ram.hva + STUB, stub, sizeof(stub));
    for (uint64_t i = 0; i < EXTENTS; i++)
        put64(LIST + 8 * i, FIRST_GFN + i);
    struct xen_memory_reservation r = {.nr_extents = EXTENTS, .domid = DOMID_SELF};
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)(uintptr_t)LIST);
    memcpy(dom.ram.hva + RESV, &r, sizeof(r));
    vcpu.d = &dom;
    vcpu.run = calloc(1, sizeof(*vcpu.run));
    ck_assert_ptr_nonnull(vcpu.run);
    struct kvm_sregs *s = &vcpu.run->s.regs.sregs;
    s->cr0 = 0x80000011; /* PG, ET, PE */
    s->cr3 = 0x1000;
    s->cr4 = 1 << 5; /* PAE */
    s->efer = (1 << 8) | (1 << 10); /* LME, LMA */
    s->cs.l = 1;
}

static void teardown(void)
{
    free(vcpu.run);
    balloon_free(&dom.balloon);
    munmap(dom.ram.hva, RAM + 4096);
    close(dom.mem_fd);
}

static struct kvm_regs *regs(void)
{
    return &vcpu.run->s.regs.regs;
}

/* 100000 pages: the first trap takes 65536 and has the guest call again
 * from extent 65536 (cmd | 65536 << 6); the second ends the list and
 * returns the count of the whole list. */
START_TEST(long_list_is_continued)
{
    *regs() = (struct kvm_regs){.rip = STUB + 5, .rdi = XENMEM_decrease_reservation, .rsi = RESV};
    hypercall_dispatch(&vcpu, __HYPERVISOR_memory_op);
    ck_assert_msg(regs()->rip == STUB, "the first trap took all %u extents at once (rax %lld)",
                  EXTENTS, (long long)regs()->rax);
    ck_assert_uint_eq(regs()->rdi, XENMEM_decrease_reservation | 65536ull << 6);
    ck_assert_uint_eq(regs()->rsi, RESV);
    ck_assert_uint_eq(balloon_current(&dom.balloon), RAM / 4096 - 65536);
    regs()->rip = STUB + 5; /* the guest runs the mov, traps again */
    hypercall_dispatch(&vcpu, __HYPERVISOR_memory_op);
    ck_assert_uint_eq(regs()->rip, STUB + 5);
    ck_assert_uint_eq(regs()->rax, EXTENTS);
    ck_assert_uint_eq(balloon_current(&dom.balloon), RAM / 4096 - EXTENTS);
    /* Pages given back give no pointer any more. */
    ck_assert_ptr_null(guest_ram_ptr(&dom.ram, (uint64_t)FIRST_GFN * 4096, 8));
}
END_TEST

/* A trap of the guest's own (no stub's mov before it) is told how many
 * were done and goes on itself. */
START_TEST(trap_outside_a_stub_returns_the_count_done)
{
    memcpy(dom.ram.hva + STUB, "\x90\x90\x90\x90\x90", 5);
    *regs() = (struct kvm_regs){.rip = STUB + 5, .rdi = XENMEM_decrease_reservation, .rsi = RESV};
    hypercall_dispatch(&vcpu, __HYPERVISOR_memory_op);
    ck_assert_uint_eq(regs()->rip, STUB + 5);
    ck_assert_uint_eq(regs()->rax, 65536);
    /* Going on from there, as the command's start extent. */
    regs()->rdi = XENMEM_decrease_reservation | 65536ull << 6;
    hypercall_dispatch(&vcpu, __HYPERVISOR_memory_op);
    ck_assert_uint_eq(regs()->rax, EXTENTS);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hv_memory_op");
    TCase *t = tcase_create("continuation");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, long_list_is_continued);
    tcase_add_test(t, trap_outside_a_stub_returns_the_count_done);
    suite_add_tcase(s, t);
    return s;
}

#include "tests/unit/check_main.h"
