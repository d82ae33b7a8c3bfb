#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/domain.h"
#include "hypervisor/hv.h"
#include "hypervisor/log.h"
#include "hypervisor/vcpu.h"

struct vcpu_info *vcpu_info_of(struct vcpu *v)
{
    struct domain *d = v->d;
    if (v->vcpu_info_gpa)
        return guest_ram_ptr(&d->ram, v->vcpu_info_gpa, sizeof(struct vcpu_info));
    if (d->shared_info_gpa && v->id < XEN_LEGACY_MAX_VCPUS) {
        struct shared_info *si = guest_ram_ptr(&d->ram, d->shared_info_gpa, sizeof(*si));
        return si ? &si->vcpu_info[v->id] : NULL;
    }
    return NULL;
}

void domain_kick_locked(struct domain *d)
{
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = &d->vcpus[i];
        if (!v->started || v->exited)
            continue;
        /* immediate_exit covers the window before KVM_RUN is entered, the
         * signal the time inside it, the eventfd a SCHEDOP_block. */
        v->run->immediate_exit = 1;
        pthread_kill(v->thread, VCPU_KICK_SIGNAL);
        uint64_t one = 1;
        ssize_t n = write(v->wake_fd, &one, sizeof(one));
        (void)n;
    }
    pthread_cond_broadcast(&d->cond);
}

/* Returns true when this call stopped the domain. */
static bool stop(struct domain *d, uint32_t state, uint32_t reason, const char *why)
{
    pthread_mutex_lock(&d->lock);
    bool first = !d->stopped && !d->dying;
    if (first) {
        d->stopped = true;
        d->stop_state = state;
        d->shutdown_reason = reason;
        snprintf(d->crash_reason, sizeof(d->crash_reason), "%s", why ? why : "");
        domain_kick_locked(d);
    }
    pthread_mutex_unlock(&d->lock);
    if (first && hv.state_changed)
        hv.state_changed();
    return first;
}

void domain_shutdown(struct domain *d, uint32_t reason)
{
    /* A guest that shuts down with reason crash is a crashed domain, as
     * xl shows it. */
    bool crash = reason == SHUTDOWN_crash;
    if (stop(d, crash ? PRIVCMD_STATE_CRASHED : PRIVCMD_STATE_SHUTDOWN, reason,
             crash ? "the guest reported a crash" : NULL))
        hv_log("domain %u (%s) shut down: reason %u", d->domid, d->name, reason);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    char why[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (stop(d, PRIVCMD_STATE_CRASHED, SHUTDOWN_crash, why))
        hv_log("domain %u (%s) crashed: %s", d->domid, d->name, why);
}

static uint64_t thread_cpu_ns(struct vcpu *v)
{
    clockid_t cid;
    struct timespec ts;
    if (!v->started)
        return 0;
    if (v->exited || pthread_getcpuclockid(v->thread, &cid) || clock_gettime(cid, &ts))
        return v->final_cpu_ns;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void domain_info(struct domain *d, struct privcmd_dominfo *out)
{
    memset(out, 0, sizeof(*out));
    out->domid = d->domid;
    out->type = d->type;
    out->vcpus = d->nr_vcpus;
    out->memory_kib = d->ram.size >> 10;
    out->max_memory_kib = d->max_memory_kib;
    out->create_time_ns = d->create_realtime_ns;
    memcpy(out->uuid, d->uuid, sizeof(out->uuid));
    memcpy(out->name, d->name, sizeof(out->name));

    pthread_mutex_lock(&d->lock);
    bool all_blocked = true;
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = &d->vcpus[i];
        out->cpu_time_ns += thread_cpu_ns(v);
        if (v->online) {
            out->vcpus_online++;
            if (!v->blocked)
                all_blocked = false;
        }
    }
    if (d->dying)
        out->state = PRIVCMD_STATE_DYING;
    else if (d->stopped)
        out->state = d->stop_state;
    else if (d->pause_count)
        out->state = PRIVCMD_STATE_PAUSED;
    else if (all_blocked && out->vcpus_online)
        out->state = PRIVCMD_STATE_BLOCKED;
    else
        out->state = PRIVCMD_STATE_RUNNING;
    out->shutdown_reason = d->stopped ? d->shutdown_reason : 0;
    out->shutdown_code = d->shutdown_code;
    snprintf(out->crash_reason, sizeof(out->crash_reason), "%s", d->crash_reason);
    pthread_mutex_unlock(&d->lock);
}
