#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hypervisor/evtchn.h"
#include "hypervisor/hv.h"
#include "hypervisor/hypercall.h"
#include "hypervisor/timers.h"
#include "hypervisor/vcpu.h"

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
    pthread_mutex_lock(&hv.evtchn_lock);
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
    if (rc == 0)
        evtchn_publish_locations_locked(d);
    pthread_mutex_unlock(&hv.evtchn_lock);
    if (rc == 0)
        vcpu_update_time(target);
    return rc;
}

/* Xen keeps the area current at every context switch; we write it once,
 * when it is registered: the vCPU has been running since it was created
 * and was never runnable-but-waiting, so the guest sees no steal time. */
static int64_t register_runstate(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_runstate_memory_area r;
    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (r.addr.p == 0)
        return 0; /* 0 unregisters */
    uint64_t now = domain_system_time(v->d);
    struct vcpu_runstate_info info = {
        .state = RUNSTATE_running,
        .state_entry_time = 0,
    };
    info.time[RUNSTATE_running] = now;
    return copy_to_guest(v, r.addr.p, &info, sizeof(info)) ? -EFAULT : 0;
}

static int64_t initialise(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
    struct vcpu_hvm_context ctx;
    if (copy_from_guest(v, &ctx, arg, sizeof(ctx)))
        return -EFAULT;
    if (ctx.mode != VCPU_HVM_MODE_32B && ctx.mode != VCPU_HVM_MODE_64B)
        return -EINVAL;
    struct domain *d = v->d;
    pthread_mutex_lock(&d->lock);
    /* One that waits in KVM_RUN for a SIPI is started this way instead. */
    if (target->sipi_wait && !target->online) {
        target->sipi_wait = false;
        vcpu_kick_locked(target);
    }
    /* A vCPU that was just taken down may still be on its way out of the
     * guest; its registers are ours only once it is parked. */
    while (!target->online && !target->parked)
        pthread_cond_wait(&d->cond, &d->lock);
    int64_t rc = target->online ? -EEXIST : vcpu_load_hvm_context(target, &ctx);
    if (rc == 0)
        target->initialised = true;
    pthread_mutex_unlock(&d->lock);
    return rc;
}

static int64_t up(struct vcpu *target)
{
    struct domain *d = target->d;
    pthread_mutex_lock(&d->lock);
    int64_t rc = 0;
    if (!target->initialised) {
        rc = -EINVAL;
    } else if (!target->online) {
        while (!target->parked)
            pthread_cond_wait(&d->cond, &d->lock);
        struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};
        if (ioctl(target->fd, KVM_SET_MP_STATE, &mp) < 0) {
            rc = -EIO;
        } else {
            target->online = true;
            pthread_cond_broadcast(&d->cond);
        }
    }
    pthread_mutex_unlock(&d->lock);
    if (rc == 0)
        vcpu_update_time(target);
    return rc;
}

static int64_t down(struct vcpu *target)
{
    struct domain *d = target->d;
    pthread_mutex_lock(&d->lock);
    if (target->online) {
        target->online = false;
        domain_kick_locked(d);
    }
    pthread_mutex_unlock(&d->lock);
    return 0;
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
        int64_t is_up = target->online;
        pthread_mutex_unlock(&d->lock);
        return is_up;
    }
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, target, a[2]);
    case VCPUOP_register_runstate_memory_area:
        return register_runstate(v, a[2]);
    case VCPUOP_initialise:
        return initialise(v, target, a[2]);
    case VCPUOP_up:
        return up(target);
    case VCPUOP_down:
        return down(target);
    case VCPUOP_set_singleshot_timer: {
        vcpu_set_singleshot_timer_t t;
        if (target != v)
            return -EINVAL;
        if (copy_from_guest(v, &t, a[2], sizeof(t)))
            return -EFAULT;
        return timer_set_singleshot(v, t.timeout_abs_ns, t.flags & VCPU_SSHOTTMR_future);
    }
    case VCPUOP_stop_singleshot_timer:
        if (target != v)
            return -EINVAL;
        timer_stop_singleshot(v);
        return 0;
    case VCPUOP_set_periodic_timer: {
        vcpu_set_periodic_timer_t t;
        if (copy_from_guest(v, &t, a[2], sizeof(t)))
            return -EFAULT;
        return timer_set_periodic(target, t.period_ns);
    }
    case VCPUOP_stop_periodic_timer:
        timer_stop_periodic(target);
        return 0;
    default:
        return -ENOSYS;
    }
}

int64_t hc_set_timer_op(struct vcpu *v, const uint64_t a[5])
{
    if (a[0] == 0)
        timer_stop_singleshot(v);
    else
        timer_set_singleshot(v, a[0], false);
    return 0;
}
