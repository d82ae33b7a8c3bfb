#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hypervisor/cpuid.h"
#include "include/guest_abi.h"
#include "include/xen_public.h"

#define HV_LEAF_FIRST 0x40000000u
#define HV_LEAF_LAST 0x4fffffffu
#define XEN_LEAVES (XEN_CPUID_MAX_NUM_LEAVES + 1)
#define CPUID1_ECX_HYPERVISOR (1u << 31)

static void set_leaf(struct kvm_cpuid_entry2 *e, uint32_t fn, uint32_t eax,
                     uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    memset(e, 0, sizeof(*e));
    e->function = fn;
    e->eax = eax;
    e->ebx = ebx;
    e->ecx = ecx;
    e->edx = edx;
}

struct kvm_cpuid2 *cpuid_build(const struct kvm_cpuid2 *supported, uint32_t vcpu_id,
                               uint32_t domid)
{
    uint32_t cap = supported->nent + XEN_LEAVES;
    struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + cap * sizeof(t->entries[0]));
    if (!t)
        return NULL;

    for (uint32_t i = 0; i < supported->nent; i++) {
        struct kvm_cpuid_entry2 e = supported->entries[i];
        /* Drop every hypervisor leaf KVM offers (its own signature and
         * kvmclock features): the guest must see Xen there. */
        if (e.function >= HV_LEAF_FIRST && e.function <= HV_LEAF_LAST)
            continue;
        switch (e.function) {
        case 1:
            e.ecx |= CPUID1_ECX_HYPERVISOR;
            e.ebx = (e.ebx & 0x00ffffffu) | (vcpu_id << 24); /* initial APIC id */
            break;
        case 0xb:
        case 0x1f:
            e.edx = vcpu_id; /* x2APIC id */
            break;
        }
        t->entries[t->nent++] = e;
    }

    struct kvm_cpuid_entry2 *x = &t->entries[t->nent];
    set_leaf(&x[0], XEN_CPUID_LEAF(0), XEN_CPUID_LEAF(XEN_CPUID_MAX_NUM_LEAVES),
             XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_ECX, XEN_CPUID_SIGNATURE_EDX);
    set_leaf(&x[1], XEN_CPUID_LEAF(1), (XENOLITH_XEN_MAJOR << 16) | XENOLITH_XEN_MINOR,
             0, 0, 0);
    set_leaf(&x[2], XEN_CPUID_LEAF(2), 1, XENOLITH_HYPERCALL_MSR, 0, 0);
    set_leaf(&x[3], XEN_CPUID_LEAF(3), 0, 0, 0, 0);
    x[3].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
    set_leaf(&x[4], XEN_CPUID_LEAF(4),
             XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
                 XEN_HVM_CPUID_UPCALL_VECTOR,
             vcpu_id, domid, 0);
    set_leaf(&x[5], XEN_CPUID_LEAF(5), 0, 0, 0, 0);
    t->nent += XEN_LEAVES;
    return t;
}

const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *t, uint32_t function,
                                          uint32_t index)
{
    for (uint32_t i = 0; i < t->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &t->entries[i];
        if (e->function != function)
            continue;
        if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != index)
            continue;
        return e;
    }
    return NULL;
}

void cpuid_insn_features(const struct kvm_cpuid2 *t, uint32_t mxcsr_mask, struct insn_features *ft)
{
    memset(ft, 0, sizeof(*ft));
    ft->mxcsr_mask = mxcsr_mask;
    const struct kvm_cpuid_entry2 *e = cpuid_find(t, 1, 0);
    if (e) {
        ft->fxsr = e->edx & (1u << 24);
        ft->sse = e->edx & (1u << 25);
        ft->cx16 = e->ecx & (1u << 13);
        ft->xsave = e->ecx & (1u << 26);
    }
    if (!ft->xsave)
        return;
    e = cpuid_find(t, 0xd, 1);
    if (e) {
        ft->xsaveopt = e->eax & (1u << 0);
        ft->xsavec = e->eax & (1u << 1);
    }
    for (uint32_t c = 2; c < 63; c++) {
        e = cpuid_find(t, 0xd, c);
        /* ECX bit 0: a supervisor (IA32_XSS) component, not XCR0's. */
        if (!e || !e->eax || (e->ecx & 1))
            continue;
        ft->comp_size[c] = e->eax;
        ft->comp_offset[c] = e->ebx;
        if (e->ecx & 2)
            ft->comp_align64 |= 1ull << c;
    }
}
