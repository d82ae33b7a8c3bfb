#include "config.h"

#include <errno.h>
#include <string.h>

#include "hypervisor/hypercall.h"

static int64_t register_vcpu_info(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
    struct domain *d = v->d;
    struct vcpu_register_vcpu_info r;
    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (r.offset > GUEST_PAGE_SIZE - sizeof(struct vcpu_info))
        return -EINVAL;
    if (r.mfn > (UINT64_MAX >> 12))
        return -EINVAL;
    uint64_t gpa = r.mfn * GUEST_PAGE_SIZE + r.offset;
    struct vcpu_info *dst = guest_ram_ptr(&d->ram, gpa, sizeof(*dst));
    if (!dst)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    int64_t rc = -EINVAL; /* only once per vCPU, as Xen allows */
    if (!target->vcpu_info_gpa) {
        struct vcpu_info *cur = vcpu_info_of(target);
        if (cur)
            memmove(dst, cur, sizeof(*dst));
        else
            memset(dst, 0, sizeof(*dst));
        target->vcpu_info_gpa = gpa;
        rc = 0;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int64_t hc_vcpu_op(struct vcpu *v, const uint64_t a[5])
{
    struct domain *d = v->d;
    if (a[1] >= d->nr_vcpus)
        return -ENOENT;
    struct vcpu *target = &d->vcpus[a[1]];
    switch (a[0]) {
    case VCPUOP_is_up: {
        pthread_mutex_lock(&d->lock);
        int64_t up = target->online;
        pthread_mutex_unlock(&d->lock);
        return up;
    }
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, target, a[2]);
    default:
        return -ENOSYS;
    }
}
