#include "config.h"

#include <errno.h>
#include <sched.h>

#include "hypervisor/hypercall.h"
#include "hypervisor/vcpu.h"

int64_t hc_sched_op(struct vcpu *v, const uint64_t a[5])
{
    struct sched_shutdown s;
    switch (a[0]) {
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        return vcpu_block(v);
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
