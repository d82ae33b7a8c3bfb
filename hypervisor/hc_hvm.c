#include "config.h"

#include <errno.h>

#include "hypervisor/hv.h"
#include "hypervisor/hvm_param.h"
#include "hypervisor/hypercall.h"
#include "hypervisor/upcall.h"

/* Only the vector form delivers anything to a PVH guest without emulated
 * devices; 0 turns it off. A GSI or PCI INTx value is kept, as Xen keeps
 * it, and delivers nothing: Linux 6.0 and later set GSI 1 after their
 * per-vCPU vectors only to say they are enlightened, and take a refusal
 * as a reason to fall back to the global vector (while vCPU 0's own
 * vector, already set, stays in force without the EOIs it needs). */
static int64_t set_callback_irq(struct domain *d, uint64_t value)
{
    uint64_t type = value >> 56;
    uint8_t vector = (uint8_t)value;
    if (type != HVM_PARAM_CALLBACK_TYPE_VECTOR && type != HVM_PARAM_CALLBACK_TYPE_GSI &&
        type != HVM_PARAM_CALLBACK_TYPE_PCI_INTX)
        return -ENOSYS;
    if (type == HVM_PARAM_CALLBACK_TYPE_VECTOR && value != 0 && vector < 0x10)
        return -EINVAL;
    pthread_mutex_lock(&hv.evtchn_lock);
    pthread_mutex_lock(&d->lock);
    d->hvm_params[HVM_PARAM_CALLBACK_IRQ] = value;
    pthread_mutex_unlock(&d->lock);
    d->callback_vector = type == HVM_PARAM_CALLBACK_TYPE_VECTOR ? vector : 0;
    int rc = upcall_update_routes(d);
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
}

static int64_t set_upcall_vector(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->d;
    struct xen_hvm_evtchn_upcall_vector u;
    if (copy_from_guest(v, &u, arg, sizeof(u)))
        return -EFAULT;
    if (u.vcpu >= d->nr_vcpus)
        return -ENOENT;
    if (u.vector < 0x10)
        return -EINVAL;
    pthread_mutex_lock(&hv.evtchn_lock);
    d->vcpus[u.vcpu].upcall_vector = u.vector;
    int rc = upcall_update_routes(d);
    pthread_mutex_unlock(&hv.evtchn_lock);
    return rc;
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
    if (!hvm_param_allowed(p.index, HVM_PARAM_BY_GUEST, false))
        return -ENOSYS;
    if (set) {
        if (!hvm_param_allowed(p.index, HVM_PARAM_BY_GUEST, true))
            return -EPERM;
        return set_callback_irq(d, p.value);
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
    case HVMOP_set_evtchn_upcall_vector:
        return set_upcall_vector(v, a[1]);
    default:
        return -ENOSYS;
    }
}
