#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/evtchn.h"
#include "hypervisor/hypercall.h"
#include "hypervisor/hypercall_page.h"
#include "hypervisor/hv.h"
#include "hypervisor/log.h"
#include "hypervisor/sched_cgroup.h"
#include "hypervisor/upcall.h"
#include "hypervisor/vcpu.h"
#include "hypervisor/vcpu_insn.h"
#include "include/guest_abi.h"

static void on_kick(int sig)
{
    (void)sig;
}

void vcpu_install_kick_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_kick; /* no SA_RESTART: KVM_RUN must return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
}

int vcpu_set_pvh_entry(struct vcpu *v, uint64_t entry, uint64_t start_info)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    struct kvm_segment code = {
        .base = 0, .limit = 0xffffffff, .selector = 0x8, .type = 0xb, /* exec/read, accessed */
        .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
    };
    struct kvm_segment data = code;
    data.selector = 0x10;
    data.type = 0x3; /* read/write, accessed */
    s.cs = code;
    s.ds = s.es = s.fs = s.gs = s.ss = data;
    s.tr = (struct kvm_segment){
        .base = 0, .limit = 0x67, .selector = 0x18, .type = 0xb, .present = 1, .s = 0,
    };
    s.cr0 = 0x11; /* PE and ET; paging off */
    s.cr3 = 0;
    s.cr4 = 0;
    s.efer = 0;
    if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
        return -errno;
    struct kvm_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = entry;
    r.rbx = start_info;
    r.rflags = 0x2;
    if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
        return -errno;
    return 0;
}

static bool ram_page(void *ctx, uint64_t gpa)
{
    return guest_ram_contains(ctx, gpa, HYPERCALL_PAGE_SIZE);
}

static void handle_wrmsr(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    uint64_t gpa;
    run->msr.error = 1; /* #GP unless we serve it */
    if (run->msr.index != XENOLITH_HYPERCALL_MSR)
        return;
    if (hypercall_msr_decode(run->msr.data, ram_page, &v->d->ram, &gpa) < 0)
        return;
    hypercall_page_fill(guest_ram_ptr(&v->d->ram, gpa, HYPERCALL_PAGE_SIZE));
    pthread_mutex_lock(&hv.evtchn_lock);
    evtchn_hypercall_page_placed_locked(v->d, gpa);
    pthread_mutex_unlock(&hv.evtchn_lock);
    run->msr.error = 0;
}

/* Port and MMIO accesses nobody serves: reads see all-ones, as on a bus
 * with nothing on it; noted a few times, never fatal. */
static void note_unserved(struct vcpu *v, const char *what, uint64_t addr)
{
    static __thread unsigned noted;
    if (noted < 8) {
        noted++;
        hv_log("domain %u vCPU %u: unserved %s at 0x%llx", v->d->domid, v->id, what,
               (unsigned long long)addr);
    }
}

/* The FADT's sleep registers: S5 with SLP_EN powers the domain off (the
 * ACPI soft-off Linux's poweroff ends in); the status register reads 0
 * (no wake event), writes to it and other sleep types change nothing. */
static void acpi_sleep_register(struct vcpu *v, bool out, uint8_t *data, unsigned size)
{
    if (!out) {
        memset(data, 0, size);
        return;
    }
    if (v->run->io.port != XENOLITH_SLEEP_CONTROL_PORT)
        return;
    uint8_t val = data[0];
    unsigned type = (val & XENOLITH_SLEEP_TYPE_MASK) >> XENOLITH_SLEEP_TYPE_SHIFT;
    if ((val & XENOLITH_SLEEP_ENABLE) && type == XENOLITH_SLEEP_TYPE_S5)
        domain_shutdown(v->d, SHUTDOWN_poweroff);
    else
        note_unserved(v, "ACPI sleep type", type);
}

/* The FADT's reset register: CPU reset restarts the domain the way Xen
 * does, as a shutdown with reason reboot that the toolstack acts on. */
static void reset_register(struct vcpu *v, bool out, uint8_t *data, unsigned size)
{
    if (!out) {
        memset(data, 0, size);
        return;
    }
    if (data[0] & XENOLITH_RESET_CPU)
        domain_shutdown(v->d, SHUTDOWN_reboot);
}

static void handle_io(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == XENOLITH_HYPERCALL_PORT &&
        run->io.size == 4 && run->io.count == 1) {
        uint32_t nr;
        memcpy(&nr, data, 4);
        hypercall_dispatch(v, nr);
        if (v->d->tsc_unstable)
            vcpu_update_time(v); /* the only safe moment (domain.c) */
        return;
    }
    if (run->io.port == XENOLITH_NULL_PORT)
        return;
    if (run->io.port == XENOLITH_SLEEP_CONTROL_PORT || run->io.port == XENOLITH_SLEEP_STATUS_PORT) {
        acpi_sleep_register(v, run->io.direction == KVM_EXIT_IO_OUT, data, run->io.size);
        return;
    }
    if (run->io.port == XENOLITH_RESET_PORT && run->io.size == 1) {
        reset_register(v, run->io.direction == KVM_EXIT_IO_OUT, data, run->io.size);
        return;
    }
    if (run->io.port == XENOLITH_DOORBELL_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
        run->io.size == 4) {
        /* The fast path's port was not an in-kernel doorbell (the bitmap
         * was stale): send it the ordinary way. */
        uint32_t port;
        memcpy(&port, data, 4);
        evtchn_send(v->d, port);
        return;
    }
    if (run->io.direction == KVM_EXIT_IO_IN)
        memset(data, 0xff, (size_t)run->io.size * run->io.count);
    note_unserved(v, run->io.direction == KVM_EXIT_IO_IN ? "port read" : "port write",
                  run->io.port);
}

static void handle_exit(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    struct domain *d = v->d;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        handle_io(v);
        break;
    case KVM_EXIT_X86_WRMSR:
        handle_wrmsr(v);
        break;
    case KVM_EXIT_X86_RDMSR:
        run->msr.error = 1;
        break;
    case KVM_EXIT_MMIO:
        if (!run->mmio.is_write)
            memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
        note_unserved(v, run->mmio.is_write ? "MMIO write" : "MMIO read", run->mmio.phys_addr);
        break;
    case KVM_EXIT_INTR:
        break;
    case KVM_EXIT_SHUTDOWN:
        domain_crash(d, "vCPU %u triple fault at rip 0x%llx", v->id,
                     (unsigned long long)run->s.regs.regs.rip);
        break;
    case KVM_EXIT_FAIL_ENTRY:
        domain_crash(d, "vCPU %u could not enter the guest (hardware reason 0x%llx)", v->id,
                     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        /* Only PVM hosts' emulator gives up on instructions kernels use. */
        if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION) {
            vcpu_insn_emulation_failure(v);
            break;
        }
        domain_crash(d, "vCPU %u: KVM internal error %u at rip 0x%llx", v->id,
                     run->internal.suberror, (unsigned long long)run->s.regs.regs.rip);
        break;
    default:
        domain_crash(d, "vCPU %u: unexpected KVM exit %u", v->id, run->exit_reason);
        break;
    }
}

static bool must_park(struct vcpu *v)
{
    struct domain *d = v->d;
    return d->pause_count || d->stopped || (!v->online && !v->sipi_wait);
}

/* After KVM_RUN returned for a vCPU that waits for its SIPI: KVM's LAPIC
 * says whether one came (the vCPU then runs from the SIPI's vector, in
 * real mode, and is up as VCPUOP_up would have made it). */
static void note_sipi(struct vcpu *v)
{
    struct domain *d = v->d;
    struct kvm_mp_state mp;
    if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) < 0 || mp.mp_state != KVM_MP_STATE_RUNNABLE)
        return;
    pthread_mutex_lock(&d->lock);
    bool started = v->sipi_wait && !v->online;
    if (started) {
        v->sipi_wait = false;
        v->initialised = true;
        v->online = true;
        pthread_cond_broadcast(&d->cond);
    }
    pthread_mutex_unlock(&d->lock);
    if (started) {
        vcpu_update_time(v);
        hv_log("domain %u: vCPU %u started by the guest's INIT-SIPI", d->domid, v->id);
    }
}

int64_t vcpu_poll(struct vcpu *v, const evtchn_port_t *ports, unsigned nr, uint64_t timeout)
{
    struct domain *d = v->d;
    pthread_mutex_lock(&d->lock);
    v->blocked = true;
    pthread_mutex_unlock(&d->lock);
    for (;;) {
        bool done = false;
        for (unsigned i = 0; i < nr && !done; i++)
            done = evtchn_is_pending(d, ports[i]);
        uint64_t now = domain_system_time(d);
        if (timeout && now >= timeout)
            done = true;
        pthread_mutex_lock(&d->lock);
        if (d->dying || must_park(v))
            done = true;
        pthread_mutex_unlock(&d->lock);
        if (done)
            break;
        int ms = 1;
        if (timeout && timeout - now < 1000000ull)
            ms = 0;
        struct pollfd p = {.fd = v->wake_fd, .events = POLLIN};
        if (poll(&p, 1, ms) > 0) {
            uint64_t n;
            (void)!read(v->wake_fd, &n, sizeof(n));
        }
    }
    pthread_mutex_lock(&d->lock);
    v->blocked = false;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static struct kvm_segment segment_of(uint32_t base, uint32_t limit, uint16_t ar, uint16_t sel)
{
    /* Xen's packed attribute word: type, S, DPL, P, AVL, L, D/B, G. */
    return (struct kvm_segment){
        .base = base, .limit = limit, .selector = sel, .type = ar & 0xf, .s = (ar >> 4) & 1,
        .dpl = (ar >> 5) & 3, .present = (ar >> 7) & 1, .avl = (ar >> 8) & 1,
        .l = (ar >> 9) & 1, .db = (ar >> 10) & 1, .g = (ar >> 11) & 1,
    };
}

int vcpu_load_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *c)
{
    struct kvm_sregs s;
    struct kvm_regs r;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -EIO;
    memset(&r, 0, sizeof(r));
    if (c->mode == VCPU_HVM_MODE_32B) {
        const struct vcpu_hvm_x86_32 *x = &c->cpu_regs.x86_32;
        r = (struct kvm_regs){
            .rax = x->eax, .rcx = x->ecx, .rdx = x->edx, .rbx = x->ebx, .rsp = x->esp,
            .rbp = x->ebp, .rsi = x->esi, .rdi = x->edi, .rip = x->eip, .rflags = x->eflags | 2,
        };
        s.cs = segment_of(x->cs_base, x->cs_limit, x->cs_ar, 0x8);
        s.ds = segment_of(x->ds_base, x->ds_limit, x->ds_ar, 0x10);
        s.ss = segment_of(x->ss_base, x->ss_limit, x->ss_ar, 0x10);
        s.es = segment_of(x->es_base, x->es_limit, x->es_ar, 0x10);
        s.fs = s.gs = s.ds;
        s.tr = segment_of(x->tr_base, x->tr_limit, x->tr_ar, 0x18);
        s.cr0 = x->cr0;
        s.cr3 = x->cr3;
        s.cr4 = x->cr4;
        s.efer = x->efer;
    } else {
        const struct vcpu_hvm_x86_64 *x = &c->cpu_regs.x86_64;
        r = (struct kvm_regs){
            .rax = x->rax, .rcx = x->rcx, .rdx = x->rdx, .rbx = x->rbx, .rsp = x->rsp,
            .rbp = x->rbp, .rsi = x->rsi, .rdi = x->rdi, .rip = x->rip, .rflags = x->rflags | 2,
        };
        /* Long mode with flat segments, as the header promises. */
        s.cs = segment_of(0, 0xffffffff, 0xa9b, 0x8);   /* code, P, L, G */
        s.ds = segment_of(0, 0xffffffff, 0xc93, 0x10);  /* data, P, D/B, G */
        s.ss = s.es = s.fs = s.gs = s.ds;
        s.tr = segment_of(0, 0x67, 0x8b, 0x18);          /* busy 64-bit TSS */
        s.cr0 = x->cr0;
        s.cr3 = x->cr3;
        s.cr4 = x->cr4;
        s.efer = x->efer;
    }
    if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0 || ioctl(v->fd, KVM_SET_REGS, &r) < 0)
        return -EINVAL;
    return 0;
}

void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    struct domain *d = v->d;

    /* Only the kick reaches a vCPU thread; the loop thread takes the rest. */
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, VCPU_KICK_SIGNAL);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    __atomic_store_n(&v->tid, gettid(), __ATOMIC_SEQ_CST);
    sched_join(d);

    for (;;) {
        pthread_mutex_lock(&d->lock);
        while (!d->dying && must_park(v)) {
            v->parked = true;
            pthread_cond_broadcast(&d->cond);
            pthread_cond_wait(&d->cond, &d->lock);
        }
        v->parked = false;
        if (d->dying) {
            pthread_mutex_unlock(&d->lock);
            break;
        }
        v->run->immediate_exit = 0;
        bool sipi_wait = v->sipi_wait && !v->online;
        pthread_mutex_unlock(&d->lock);
        /* After immediate_exit is cleared, so a later request kicks. */
        if (__atomic_load_n(&v->auto_eoi_stale, __ATOMIC_ACQUIRE))
            upcall_apply_auto_eoi(v);

        int ran = ioctl(v->fd, KVM_RUN, 0);
        if (sipi_wait)
            note_sipi(v);
        if (ran < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            if (errno == EFAULT)
                /* KVM found no page behind a guest frame: one its view
                 * of the memory file denies (memory_guard). Xen crashes
                 * a PVH guest that touches a frame it has no page at. */
                domain_crash(d, "vCPU %u touched memory it does not have (ballooned out or "
                             "above memory=), rip %#llx", v->id,
                             (unsigned long long)v->run->s.regs.regs.rip);
            else
                domain_crash(d, "vCPU %u: KVM_RUN failed: %s", v->id, strerror(errno));
            continue;
        }
        handle_exit(v);
    }

    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    pthread_mutex_lock(&d->lock);
    v->final_cpu_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    v->exited = true;
    v->parked = true;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return NULL;
}
