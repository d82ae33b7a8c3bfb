/*
 * A domain's accessors: the table's lookups (by id, by name, in order),
 * its shared_info and vcpu_info, its clock, stopping it, and what xl
 * sees of it. Its life (creation to destruction) is domain_lifecycle.c's.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/domain.h"
#include "hypervisor/evtchn.h"
#include "hypervisor/hv.h"
#include "hypervisor/log.h"
#include "hypervisor/text_file.h"
#include "hypervisor/vcpu.h"

struct domain *domain_find(uint32_t domid)
{
    return domid > 0 && domid < DOMID_FIRST_RESERVED ? hv.domains[domid] : NULL;
}

struct domain *domain_find_name(const char *name)
{
    for (uint32_t i = 1; i < DOMID_FIRST_RESERVED; i++)
        if (hv.domains[i] && !hv.domains[i]->dying && strcmp(hv.domains[i]->name, name) == 0)
            return hv.domains[i];
    return NULL;
}

struct domain *domain_next(uint32_t after)
{
    for (uint32_t i = after + 1; i < DOMID_FIRST_RESERVED; i++)
        if (hv.domains[i])
            return hv.domains[i];
    return NULL;
}

struct shared_info *shared_info_of(struct domain *d)
{
    if (d->shared_info_gpa)
        return guest_ram_ptr(&d->ram, d->shared_info_gpa, GUEST_PAGE_SIZE);
    return (struct shared_info *)d->xen_area;
}

struct vcpu_info *vcpu_info_of(struct vcpu *v)
{
    struct domain *d = v->d;
    if (v->vcpu_info_gpa)
        return guest_ram_ptr(&d->ram, v->vcpu_info_gpa, sizeof(struct vcpu_info));
    if (v->id < XEN_LEGACY_MAX_VCPUS)
        return &shared_info_of(d)->vcpu_info[v->id];
    return NULL;
}

uint64_t domain_system_time(struct domain *d)
{
    if (d->tsc_unstable)
        return now_mono_ns() - d->base_mono_ns;
    return pvclock_cycles_to_ns(__builtin_ia32_rdtsc() - d->base_tsc, d->scale);
}

/* The TSC the guest resumes with, as KVM gives it; only the vCPU's own
 * thread may ask (KVM holds the vCPU while it runs). */
static bool own_guest_tsc(struct vcpu *v, uint64_t *tsc)
{
    if (!pthread_equal(pthread_self(), v->thread))
        return false;
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e;
    } m = {.hdr = {.nmsrs = 1}, .e = {.index = 0x10 /* IA32_TIME_STAMP_COUNTER */}};
    if (ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
        return false;
    *tsc = m.e.data;
    return true;
}

void vcpu_update_time(struct vcpu *v)
{
    struct domain *d = v->d;
    struct vcpu_info *vi = vcpu_info_of(v);
    if (!vi)
        return;
    struct vcpu_time_info *t = &vi->time;
    uint64_t host_tsc = __builtin_ia32_rdtsc();
    uint64_t guest_tsc = host_tsc + (uint64_t)v->tsc_offset;
    uint64_t system_time = pvclock_cycles_to_ns(host_tsc - d->base_tsc, d->scale);
    if (d->tsc_unstable) {
        /* host TSC + offset may be ahead of what the guest reads, and a
         * guest that sees its TSC behind tsc_timestamp jumps by 2^64
         * cycles. Other threads leave the update to the vCPU's next exit;
         * the guest extrapolates meanwhile. */
        if (!own_guest_tsc(v, &guest_tsc))
            return;
        system_time = domain_system_time(d);
    }
    /* Odd version while the fields change, as the guest's reader expects. */
    uint32_t ver = (__atomic_load_n(&t->version, __ATOMIC_RELAXED) + 1) & ~1u;
    __atomic_store_n(&t->version, ver + 1, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->tsc_timestamp = guest_tsc;
    t->system_time = system_time;
    t->tsc_to_system_mul = d->scale.mul;
    t->tsc_shift = d->scale.shift;
    /* Each vCPU's clock then follows its own TSC from its own samples of
     * the host clock, a few microseconds apart across vCPUs: not the one
     * timeline the bit promises, so the guest keeps its own order (as
     * Linux does with its last-value clamp). */
    t->flags = d->tsc_unstable ? 0 : XEN_PVCLOCK_TSC_STABLE_BIT;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&t->version, ver + 2, __ATOMIC_RELEASE);
}

void vcpu_kick_locked(struct vcpu *v)
{
    if (!v->started || v->exited)
        return;
    /* immediate_exit covers the window before KVM_RUN is entered, the
     * signal the time inside it, the eventfd a SCHEDOP_block. */
    v->run->immediate_exit = 1;
    pthread_kill(v->thread, VCPU_KICK_SIGNAL);
    uint64_t one = 1;
    ssize_t n = write(v->wake_fd, &one, sizeof(one));
    (void)n;
}

void domain_kick_locked(struct domain *d)
{
    for (uint32_t i = 0; i < d->nr_vcpus; i++)
        vcpu_kick_locked(&d->vcpus[i]);
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
    if (first) {
        evtchn_raise_dom0_virq(VIRQ_DOM_EXC);
        if (hv.state_changed)
            hv.state_changed();
    }
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

/* A vCPU halted in KVM (SCHEDOP_block's `sti; hlt`) sleeps in the
 * kernel, and its thread says so; one in KVM_RUN otherwise is running. */
static bool thread_sleeping(struct vcpu *v)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)v->tid);
    if (!text_file_read(path, buf, sizeof(buf)))
        return false;
    const char *end = strrchr(buf, ')');
    return end && end[1] == ' ' && (end[2] == 'S' || end[2] == 'D');
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
    out->max_memory_kib = d->max_memory_kib;
    out->create_time_ns = d->create_realtime_ns;
    out->generation = d->generation;
    memcpy(out->uuid, d->uuid, sizeof(out->uuid));
    memcpy(out->name, d->name, sizeof(out->name));

    pthread_mutex_lock(&d->lock);
    out->memory_kib = balloon_current(&d->balloon) * (GUEST_PAGE_SIZE >> 10);
    bool all_blocked = true;
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = &d->vcpus[i];
        out->cpu_time_ns += thread_cpu_ns(v);
        if (v->online) {
            out->vcpus_online++;
            if (!v->blocked && !(v->started && !v->parked && v->tid && thread_sleeping(v)))
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

/* The host CPU the thread last ran on: field 39 of its stat. */
static int thread_last_cpu(pid_t tid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
    if (!text_file_read(path, buf, sizeof(buf)))
        return -1;
    char *p = strrchr(buf, ')');
    /* After the name come fields 3 onwards. */
    for (int field = 2; p && field < 39; field++)
        p = strchr(p + 1, ' ');
    return p ? atoi(p + 1) : -1;
}

void domain_vcpu_info(struct domain *d, uint32_t i, struct privcmd_vcpuinfo *out)
{
    struct vcpu *v = &d->vcpus[i];
    memset(out, 0, sizeof(*out));
    out->vcpu = i;
    pthread_mutex_lock(&d->lock);
    out->online = v->online;
    out->blocked = v->blocked || (v->started && !v->parked && v->tid && thread_sleeping(v));
    out->cpu_time_ns = thread_cpu_ns(v);
    out->cpu = v->started && !v->exited && v->tid ? thread_last_cpu(v->tid) : -1;
    pthread_mutex_unlock(&d->lock);
}
