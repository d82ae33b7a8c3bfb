#include "config.h"

#include <errno.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "hypervisor/auto_eoi.h"

/* From the Hyper-V Top Level Functional Specification (no uapi header
 * carries them): the first synthetic interrupt source's MSR and its
 * bits. */
#define HV_MSR_SINT0 0x40000090u
#define HV_SINT_MASKED (1ull << 16)
#define HV_SINT_AUTO_EOI (1ull << 17)

bool auto_eoi_supported(int kvm_fd)
{
    return ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_SYNIC) > 0;
}

int auto_eoi_enable(int vcpu_fd)
{
    struct kvm_enable_cap cap = {.cap = KVM_CAP_HYPERV_SYNIC};
    if (ioctl(vcpu_fd, KVM_ENABLE_CAP, &cap) < 0)
        return -errno;
    return auto_eoi_set(vcpu_fd, 0);
}

int auto_eoi_set(int vcpu_fd, uint8_t vector)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e;
    } m = {
        .hdr = {.nmsrs = 1},
        .e = {.index = HV_MSR_SINT0,
              .data = vector ? (vector | HV_SINT_AUTO_EOI) : HV_SINT_MASKED},
    };
    int r = ioctl(vcpu_fd, KVM_SET_MSRS, &m);
    if (r < 0)
        return -errno;
    return r == 1 ? 0 : -EINVAL;
}
