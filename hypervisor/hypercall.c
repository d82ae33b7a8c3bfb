#include "config.h"

#include <errno.h>
#include <string.h>

#include "hypervisor/hypercall.h"
#include "hypervisor/log.h"
#include "hypervisor/pagewalk.h"

#define EFER_LMA (1ull << 10)

static const hypercall_fn table[] = {
    [__HYPERVISOR_xen_version] = hc_xen_version,
    [__HYPERVISOR_console_io] = hc_console_io,
    [__HYPERVISOR_sched_op] = hc_sched_op,
    [__HYPERVISOR_memory_op] = hc_memory_op,
    [__HYPERVISOR_hvm_op] = hc_hvm_op,
    [__HYPERVISOR_vcpu_op] = hc_vcpu_op,
    [__HYPERVISOR_event_channel_op] = hc_event_channel_op,
    [__HYPERVISOR_grant_table_op] = hc_grant_table_op,
    [__HYPERVISOR_set_timer_op] = hc_set_timer_op,
};

void hypercall_dispatch(struct vcpu *v, uint32_t nr)
{
    struct kvm_regs *r = &v->run->s.regs.regs;
    const struct kvm_sregs *s = &v->run->s.regs.sregs;
    int64_t ret;
    if (s->ss.dpl != 0) {
        ret = -EPERM; /* hypercalls are for the guest kernel */
    } else if (!(s->efer & EFER_LMA) || !s->cs.l) {
        /* 32-bit callers pass arguments in other registers and use the
         * compat layouts; none of our guests do yet. */
        static __thread unsigned noted;
        if (!noted++)
            hv_log("domain %u vCPU %u: hypercall %u from 32-bit mode is not supported",
                   v->d->domid, v->id, nr);
        ret = -ENOSYS;
    } else if (nr < sizeof(table) / sizeof(table[0]) && table[nr]) {
        const uint64_t a[5] = {r->rdi, r->rsi, r->rdx, r->r10, r->r8};
        ret = table[nr](v, a);
    } else {
        ret = -ENOSYS;
    }
    r->rax = (uint64_t)ret;
    v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

bool hypercall_continue(struct vcpu *v, uint32_t nr, const uint64_t a[5])
{
    struct kvm_regs *r = &v->run->s.regs.regs;
    uint8_t mov[5], want[5] = {0xb8}; /* mov $nr,%eax, as hypercall_page.c writes it */
    memcpy(want + 1, &nr, 4);
    if (r->rip < sizeof(mov) || copy_from_guest(v, mov, r->rip - sizeof(mov), sizeof(mov)) ||
        memcmp(mov, want, sizeof(mov)) != 0)
        return false;
    r->rip -= sizeof(mov);
    r->rdi = a[0];
    r->rsi = a[1];
    r->rdx = a[2];
    r->r10 = a[3];
    r->r8 = a[4];
    v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
    return true;
}

static int read_phys(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
    const void *p = guest_ram_ptr(ctx, gpa, len);
    if (!p)
        return -EFAULT;
    memcpy(buf, p, len);
    return 0;
}

/* Walks page by page: consecutive virtual pages need not be consecutive
 * in guest physical memory. */
static int guest_copy(struct vcpu *v, uint64_t gva, void *host, size_t len, bool write)
{
    const struct kvm_sregs *s = &v->run->s.regs.sregs;
    struct paging_mode m = {.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer};
    struct guest_ram *ram = &v->d->ram;
    uint8_t *h = host;
    while (len) {
        uint64_t gpa;
        size_t chunk = GUEST_PAGE_SIZE - (gva & (GUEST_PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        if (pagewalk(&m, gva, write, read_phys, ram, &gpa))
            return -EFAULT;
        uint8_t *g = guest_ram_ptr(ram, gpa, chunk);
        if (!g)
            return -EFAULT;
        if (write)
            memcpy(g, h, chunk);
        else
            memcpy(h, g, chunk);
        gva += chunk;
        h += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return guest_copy(v, gva, dst, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return guest_copy(v, gva, (void *)src, len, true);
}
