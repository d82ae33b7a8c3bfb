#include "config.h"

#include <errno.h>

#include "hypervisor/evtchn.h"
#include "hypervisor/hypercall.h"

/* Reads the argument struct, runs op, writes the struct back on success. */
#define WITH_ARG(type, body)                                                      \
    do {                                                                          \
        type arg;                                                                 \
        if (copy_from_guest(v, &arg, a[1], sizeof(arg)))                          \
            return -EFAULT;                                                       \
        int rc_ = (body);                                                         \
        if (rc_ == 0 && copy_to_guest(v, a[1], &arg, sizeof(arg)))                \
            return -EFAULT;                                                       \
        return rc_;                                                               \
    } while (0)

int64_t hc_event_channel_op(struct vcpu *v, const uint64_t a[5])
{
    struct domain *d = v->d;
    switch (a[0]) {
    case EVTCHNOP_alloc_unbound:
        WITH_ARG(evtchn_alloc_unbound_t,
                 !is_self(v, arg.dom) ? -EPERM
                                      : evtchn_alloc_unbound(d, arg.remote_dom, &arg.port));
    case EVTCHNOP_bind_interdomain:
        WITH_ARG(evtchn_bind_interdomain_t,
                 evtchn_bind_interdomain(d, arg.remote_dom, arg.remote_port, &arg.local_port));
    case EVTCHNOP_bind_virq:
        WITH_ARG(evtchn_bind_virq_t, evtchn_bind_virq(d, arg.virq, arg.vcpu, &arg.port));
    case EVTCHNOP_bind_ipi:
        WITH_ARG(evtchn_bind_ipi_t, evtchn_bind_ipi(d, arg.vcpu, &arg.port));
    case EVTCHNOP_close:
        WITH_ARG(evtchn_close_t, evtchn_close(d, arg.port));
    case EVTCHNOP_send:
        WITH_ARG(evtchn_send_t, evtchn_send(d, arg.port));
    case EVTCHNOP_status:
        WITH_ARG(evtchn_status_t, !is_self(v, arg.dom) ? -EPERM : evtchn_status(d, &arg));
    case EVTCHNOP_bind_vcpu:
        WITH_ARG(evtchn_bind_vcpu_t, evtchn_bind_vcpu(d, arg.port, arg.vcpu));
    case EVTCHNOP_unmask:
        WITH_ARG(evtchn_unmask_t, evtchn_unmask(d, arg.port));
    case EVTCHNOP_reset:
        WITH_ARG(evtchn_reset_t, !is_self(v, arg.dom) ? -EPERM : evtchn_reset(d));
    default:
        return -ENOSYS;
    }
}
