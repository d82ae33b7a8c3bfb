#include "config.h"

#include <errno.h>
#include <sys/ioctl.h>

#include "hypervisor/physmap_slot.h"

int physmap_slot_set(struct domain *d, unsigned slot, uint64_t gpa, void *hva)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot, .guest_phys_addr = gpa,
        .memory_size = hva ? GUEST_PAGE_SIZE : 0,
        .userspace_addr = (uint64_t)(uintptr_t)hva,
    };
    return ioctl(d->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}
