#include "config.h"

#include <errno.h>

#include "hypervisor/hypercall.h"

/* Which parameters a guest may read, and which it may also set; the rest
 * belong to the toolstack. */
static bool guest_readable(uint32_t idx)
{
    switch (idx) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_CONSOLE_EVTCHN:
        return true;
    default:
        return false;
    }
}

static int64_t param_op(struct vcpu *v, uint64_t arg, bool set)
{
    struct domain *d = v->d;
    struct xen_hvm_param p;
    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (!is_self(v, p.domid))
        return -EPERM;
    if (p.index >= HVM_NR_PARAMS)
        return -EINVAL;
    if (!guest_readable(p.index))
        return -ENOSYS;
    if (set) {
        if (p.index != HVM_PARAM_CALLBACK_IRQ)
            return -EPERM;
        pthread_mutex_lock(&d->lock);
        d->hvm_params[p.index] = p.value;
        pthread_mutex_unlock(&d->lock);
        return 0;
    }
    pthread_mutex_lock(&d->lock);
    p.value = d->hvm_params[p.index];
    pthread_mutex_unlock(&d->lock);
    return copy_to_guest(v, arg, &p, sizeof(p));
}

int64_t hc_hvm_op(struct vcpu *v, const uint64_t a[5])
{
    switch (a[0]) {
    case HVMOP_set_param:
        return param_op(v, a[1], true);
    case HVMOP_get_param:
        return param_op(v, a[1], false);
    default:
        return -ENOSYS;
    }
}
