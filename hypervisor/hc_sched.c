#include "config.h"

#include <errno.h>
#include <sched.h>

#include "hypervisor/evtchn.h"
#include "hypervisor/hypercall.h"
#include "hypervisor/vcpu.h"

#define POLL_MAX_PORTS 128

/* Sleeps until one of the ports is pending or the timeout passes. Events
 * that xenolithd raises wake the vCPU at once; those a Dom0 program raises
 * itself (irqfd) are seen at the next check, within a millisecond. */
static int64_t poll_ports(struct vcpu *v, uint64_t arg)
{
    struct sched_poll p;
    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    evtchn_port_t ports[POLL_MAX_PORTS];
    if (copy_from_guest(v, ports, (uint64_t)(uintptr_t)p.ports.p, p.nr_ports * sizeof(ports[0])))
        return -EFAULT;
    for (unsigned i = 0; i < p.nr_ports; i++)
        if (ports[i] == 0 || ports[i] >= EVTCHN_2L_PORTS)
            return -EINVAL;
    return vcpu_poll(v, ports, p.nr_ports, p.timeout);
}

int64_t hc_sched_op(struct vcpu *v, const uint64_t a[5])
{
    struct sched_shutdown s;
    switch (a[0]) {
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        /* The hypercall page blocks in the kernel (sti; hlt); a caller
         * that trapped here instead gets a yield, a spurious wakeup. */
        sched_yield();
        return 0;
    case SCHEDOP_poll:
        return poll_ports(v, a[1]);
    case SCHEDOP_shutdown:
    case SCHEDOP_shutdown_code:
        if (copy_from_guest(v, &s, a[1], sizeof(s)))
            return -EFAULT;
        if (s.reason > SHUTDOWN_MAX)
            return -EINVAL;
        if (a[0] == SCHEDOP_shutdown_code) {
            pthread_mutex_lock(&v->d->lock);
            v->d->shutdown_code = s.reason;
            pthread_mutex_unlock(&v->d->lock);
        } else {
            domain_shutdown(v->d, s.reason);
        }
        return 0;
    default:
        return -ENOSYS;
    }
}
