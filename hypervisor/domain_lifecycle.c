/*
 * A domain's life, on the daemon's event loop: creation (KVM VM, memory
 * file, vCPUs and their threads, parked), pause and unpause, renaming,
 * and destruction. Loading its kernel is domain_load.c's. Here alone the
 * table of domains (hv.domains) changes; domain.c reads it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dom0/rundir.h"
#include "hypervisor/auto_eoi.h"
#include "hypervisor/cpuid.h"
#include "hypervisor/domain_lifecycle.h"
#include "hypervisor/evtchn.h"
#include "hypervisor/fail_msg.h"
#include "hypervisor/gnttab.h"
#include "hypervisor/hc_memory.h"
#include "hypervisor/host_mem.h"
#include "hypervisor/hv.h"
#include "hypervisor/log.h"
#include "hypervisor/sched_cgroup.h"
#include "hypervisor/timers.h"
#include "hypervisor/upcall.h"
#include "hypervisor/vcpu.h"

/* Past the end of a 4 GiB guest's RAM hole, where KVM wants its own pages
 * on Intel hosts (a no-op on AMD). */
#define KVM_TSS_ADDR 0xfffbd000ull
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ull

static void set_table_entry(uint32_t id, struct domain *d)
{
    pthread_mutex_lock(&hv.evtchn_lock);
    pthread_mutex_lock(&hv.gnttab_lock);
    hv.domains[id] = d;
    pthread_mutex_unlock(&hv.gnttab_lock);
    pthread_mutex_unlock(&hv.evtchn_lock);
}

static int alloc_domid(uint32_t *out)
{
    for (uint32_t tries = 1; tries < DOMID_FIRST_RESERVED; tries++) {
        uint32_t id = hv.next_domid;
        hv.next_domid = id + 1 >= DOMID_FIRST_RESERVED ? 1 : id + 1;
        if (!domain_find(id)) {
            *out = id;
            return 0;
        }
    }
    return -ENOSPC;
}

/* Undoes whatever part of creation happened; vCPU threads must be gone. */
static void domain_free(struct domain *d)
{
    timers_stop(d);
    sched_domain_teardown(d);
    if (d->evtchn.ports)
        evtchn_domain_teardown(d);
    gnttab_domain_teardown(d);
    for (uint32_t i = 0; d->vcpus && i < d->nr_vcpus; i++) {
        struct vcpu *v = &d->vcpus[i];
        if (v->irqfd >= 0)
            close(v->irqfd);
        if (v->run)
            munmap(v->run, (size_t)hv.vcpu_mmap_size);
        if (v->fd >= 0)
            close(v->fd);
        if (v->wake_fd >= 0)
            close(v->wake_fd);
    }
    free(d->vcpus);
    balloon_free(&d->balloon);
    for (int i = 0; i < 2; i++)
        if (d->raw_fds[i] >= 0)
            close(d->raw_fds[i]);
    if (d->ram.hva)
        munmap(d->ram.hva, d->ram.size + XEN_AREA_PAGES * GUEST_PAGE_SIZE);
    if (d->kvm_view)
        munmap(d->kvm_view, d->ram.size + XEN_AREA_PAGES * GUEST_PAGE_SIZE);
    if (d->mem_fd >= 0)
        close(d->mem_fd);
    if (d->vm_fd >= 0)
        close(d->vm_fd);
    console_log_close(&d->console, now_mono_ns());
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->cond);
    free(d);
}

static int setup_vm(struct domain *d, char *err, size_t errlen)
{
    d->vm_fd = ioctl(hv.kvm_fd, KVM_CREATE_VM, 0);
    if (d->vm_fd < 0)
        return fail(err, errlen, -errno, "cannot create a KVM VM: %s", strerror(errno));
    if (ioctl(d->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0)
        return fail(err, errlen, -errno, "KVM_SET_TSS_ADDR: %s", strerror(errno));
    uint64_t idmap = KVM_IDENTITY_MAP_ADDR;
    if (ioctl(d->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
        return fail(err, errlen, -errno, "KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
    if (ioctl(d->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
        return fail(err, errlen, -errno, "cannot create the in-kernel irqchip: %s",
                    strerror(errno));

    /* KVM keeps a guest's TSC at host TSC + a fixed offset only when the
     * host's TSCs are synchronized; else it moves the offset at every
     * vCPU load, and the PV clock must follow what the guest reads. */
    struct kvm_clock_data clk;
    memset(&clk, 0, sizeof(clk));
    d->tsc_unstable = ioctl(d->vm_fd, KVM_GET_CLOCK, &clk) < 0 ||
                      !(clk.flags & KVM_CLOCK_TSC_STABLE);
    if (d->tsc_unstable)
        hv_log("domain %u: the host TSC is not stable; the PV clock follows each vCPU's "
               "own TSC and the host's monotonic clock", d->domid);

    if (hv_enable_hypercall_msr_exit(d->vm_fd, hv.msr_via_filter) < 0)
        return fail(err, errlen, -errno, "cannot route the hypercall MSR to xenolithd: %s",
                    strerror(errno));

    char mname[32];
    snprintf(mname, sizeof(mname), "xenolith-dom%u", d->domid);
    d->mem_fd = memfd_create(mname, MFD_CLOEXEC);
    uint64_t file_size = d->ram.size + XEN_AREA_PAGES * GUEST_PAGE_SIZE;
    if (d->mem_fd < 0 || ftruncate(d->mem_fd, (off_t)file_size) < 0)
        return fail(err, errlen, -errno, "cannot allocate guest memory: %s", strerror(errno));
    void *p = mmap(NULL, file_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                   d->mem_fd, 0);
    if (p == MAP_FAILED)
        return fail(err, errlen, -errno, "cannot map guest memory: %s", strerror(errno));
    d->ram.hva = p;
    p = mmap(NULL, file_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, d->mem_fd, 0);
    if (p == MAP_FAILED)
        return fail(err, errlen, -errno, "cannot map guest memory for KVM: %s", strerror(errno));
    d->kvm_view = p;
    d->xen_area = d->ram.hva + d->ram.size;
    d->ram.special = d->xen_area + XEN_AREA_SPECIAL_PAGE * GUEST_PAGE_SIZE;
    _Static_assert(XEN_AREA_PAGES - XEN_AREA_SPECIAL_PAGE == GUEST_SPECIAL_PAGES,
                   "the memory file has room for every special page");
    struct kvm_userspace_memory_region low = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = d->ram.low_size,
        .userspace_addr = (uint64_t)(uintptr_t)d->kvm_view,
    };
    if (ioctl(d->vm_fd, KVM_SET_USER_MEMORY_REGION, &low) < 0)
        return fail(err, errlen, -errno, "cannot register guest memory: %s", strerror(errno));
    struct kvm_userspace_memory_region special = {
        .slot = 2, .guest_phys_addr = GUEST_SPECIAL_GPA,
        .memory_size = GUEST_SPECIAL_PAGES * GUEST_PAGE_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)(d->kvm_view + (d->ram.special - d->ram.hva)),
    };
    if (ioctl(d->vm_fd, KVM_SET_USER_MEMORY_REGION, &special) < 0)
        return fail(err, errlen, -errno, "cannot register the special pages: %s", strerror(errno));
    if (d->ram.size > d->ram.low_size) {
        struct kvm_userspace_memory_region high = {
            .slot = 1, .guest_phys_addr = GUEST_RAM_HIGH_BASE,
            .memory_size = d->ram.size - d->ram.low_size,
            .userspace_addr = (uint64_t)(uintptr_t)(d->kvm_view + d->ram.low_size),
        };
        if (ioctl(d->vm_fd, KVM_SET_USER_MEMORY_REGION, &high) < 0)
            return fail(err, errlen, -errno, "cannot register guest memory above 4 GiB: %s",
                        strerror(errno));
    }
    return 0;
}

/* Guest TSC minus host TSC, which the PV clock's tsc_timestamp needs.
 * KVM says it exactly where it can; else one reading of the TSC MSR. */
static int64_t guest_tsc_offset(int vcpu_fd)
{
    uint64_t off = 0;
    struct kvm_device_attr a = {
        .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET, .addr = (uint64_t)(uintptr_t)&off,
    };
    if (ioctl(vcpu_fd, KVM_GET_DEVICE_ATTR, &a) == 0)
        return (int64_t)off;
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e;
    } m = {.hdr = {.nmsrs = 1}, .e = {.index = 0x10 /* IA32_TIME_STAMP_COUNTER */}};
    uint64_t before = __builtin_ia32_rdtsc();
    if (ioctl(vcpu_fd, KVM_GET_MSRS, &m) != 1)
        return 0;
    return (int64_t)(m.e.data - before);
}

static int setup_vcpu(struct domain *d, struct vcpu *v, char *err, size_t errlen)
{
    v->fd = ioctl(d->vm_fd, KVM_CREATE_VCPU, v->id);
    if (v->fd < 0)
        return fail(err, errlen, -errno, "cannot create vCPU %u: %s", v->id, strerror(errno));
    v->run = mmap(NULL, (size_t)hv.vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED) {
        v->run = NULL;
        return fail(err, errlen, -errno, "cannot map vCPU %u: %s", v->id, strerror(errno));
    }
    struct kvm_cpuid2 *c = cpuid_build(hv.supported_cpuid, v->id, d->domid);
    if (!c)
        return fail(err, errlen, -ENOMEM, "out of memory");
    int r = ioctl(v->fd, KVM_SET_CPUID2, c);
    free(c);
    if (r < 0)
        return fail(err, errlen, -errno, "cannot set CPUID of vCPU %u: %s", v->id, strerror(errno));
    if (hv.auto_eoi && (r = auto_eoi_enable(v->fd)) < 0)
        return fail(err, errlen, r, "cannot enable the SynIC of vCPU %u: %s", v->id,
                    strerror(-r));
    v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    v->tsc_offset = guest_tsc_offset(v->fd);
    v->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (v->wake_fd < 0)
        return fail(err, errlen, -errno, "eventfd: %s", strerror(errno));
    return 0;
}

/* Ports, upcall routes, timers and the clock: what issue 3's hypercalls
 * stand on. The private shared_info carries the wallclock of system
 * time 0 until the guest maps its own. */
static int start_event_machinery(struct domain *d, char *err, size_t errlen)
{
    struct shared_info *si = (struct shared_info *)d->xen_area;
    uint64_t real = now_real_ns() - (now_mono_ns() - d->base_mono_ns);
    si->wc_sec = (uint32_t)(real / 1000000000ull);
    si->wc_sec_hi = (uint32_t)((real / 1000000000ull) >> 32);
    si->wc_nsec = (uint32_t)(real % 1000000000ull);
    si->wc_version = 2;
    int rc = evtchn_domain_init(d);
    if (rc == 0)
        rc = upcall_init(d);
    if (rc == 0) {
        pthread_mutex_lock(&hv.evtchn_lock);
        rc = upcall_update_routes(d);
        pthread_mutex_unlock(&hv.evtchn_lock);
    }
    if (rc == 0)
        rc = timers_start(d);
    if (rc)
        return fail(err, errlen, rc, "cannot set up event delivery: %s", strerror(-rc));
    for (uint32_t i = 0; i < d->nr_vcpus; i++)
        vcpu_update_time(&d->vcpus[i]);
    return 0;
}

static bool name_taken(const char *name)
{
    return strcmp(name, "Domain-0") == 0 || domain_find_name(name);
}

int domain_create(const struct privcmd_create_req *req, uint32_t *domid, char *err,
                     size_t errlen)
{
    char name[PRIVCMD_NAME_LEN];
    if (memchr(req->name, '\0', sizeof(req->name)) == NULL)
        return fail(err, errlen, -EINVAL, "domain name longer than %d bytes",
                    PRIVCMD_NAME_LEN - 1);
    snprintf(name, sizeof(name), "%s", req->name);
    if (!name[0])
        return fail(err, errlen, -EINVAL, "a domain needs a name");
    if (name_taken(name))
        return fail(err, errlen, -EEXIST, "a domain named \"%s\" already exists", name);
    if (req->type == PRIVCMD_TYPE_HVM)
        return fail(err, errlen, -EOPNOTSUPP, "HVM domains are not supported yet; use type=\"pvh\"");
    if (req->type != PRIVCMD_TYPE_PVH)
        return fail(err, errlen, -EINVAL, "unknown domain type %u", req->type);
    if (req->vcpus < 1 || req->vcpus > HV_MAX_VCPUS)
        return fail(err, errlen, -EINVAL, "a domain has 1 to %d vCPUs, not %u", HV_MAX_VCPUS,
                    req->vcpus);
    uint32_t max_vcpus = req->max_vcpus ? req->max_vcpus : req->vcpus;
    if (max_vcpus < req->vcpus || max_vcpus > HV_MAX_VCPUS)
        return fail(err, errlen, -EINVAL, "maxvcpus %u must lie between vcpus %u and %d",
                    max_vcpus, req->vcpus, HV_MAX_VCPUS);
    uint64_t mem_kib = (req->memory_kib + 3) & ~3ull;
    if (mem_kib < 1024)
        return fail(err, errlen, -EINVAL, "not enough memory: a domain needs at least 1 MiB, "
                    "not %llu KiB", (unsigned long long)req->memory_kib);
    uint64_t max_kib = req->max_memory_kib ? req->max_memory_kib : mem_kib;
    if (max_kib < mem_kib)
        return fail(err, errlen, -EINVAL, "maxmem (%llu KiB) is below memory (%llu KiB)",
                    (unsigned long long)max_kib, (unsigned long long)mem_kib);
    struct host_mem hm;
    if (max_kib > mem_kib && host_mem_read(&hm) == 0 && max_kib > hm.total_kib)
        return fail(err, errlen, -EINVAL,
                    "maxmem (%llu MiB) of domain \"%s\" is more than the host's %llu MiB",
                    (unsigned long long)(max_kib >> 10), name,
                    (unsigned long long)(hm.total_kib >> 10));
    /* The guest may populate up to maxmem without asking anyone, so that
     * is what it is admitted for. */
    uint64_t avail = hv_guest_memory_available_kib();
    if (max_kib > avail)
        return fail(err, errlen, -ENOMEM,
                    "not enough memory: domain \"%s\" needs %llu MiB%s but the host has "
                    "%llu MiB available for guests",
                    name, (unsigned long long)(max_kib >> 10),
                    max_kib > mem_kib ? " (its maxmem)" : "", (unsigned long long)(avail >> 10));

    uint32_t id;
    if (alloc_domid(&id) < 0)
        return fail(err, errlen, -ENOSPC, "no free domain id");

    struct domain *d = calloc(1, sizeof(*d));
    if (!d)
        return fail(err, errlen, -ENOMEM, "out of memory");
    d->domid = id;
    d->vm_fd = d->mem_fd = -1;
    d->console.fd = -1;
    d->timer_epfd = d->timer_stop_fd = -1;
    d->raw_fds[0] = d->raw_fds[1] = -1;
    d->base_tsc = __builtin_ia32_rdtsc();
    d->base_mono_ns = now_mono_ns();
    d->scale = pvclock_scale_for(hv.tsc_khz);
    memcpy(d->name, name, sizeof(d->name));
    memcpy(d->uuid, req->uuid, sizeof(d->uuid));
    d->type = req->type;
    d->max_memory_kib = max_kib;
    d->pause_count = 1; /* domains are born paused, as in Xen */
    d->create_realtime_ns = now_real_ns();
    static uint32_t created;
    do
        d->generation = __atomic_add_fetch(&created, 1, __ATOMIC_RELAXED);
    while (d->generation == 0);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    /* RAM up to maxmem is mapped (and costs nothing until touched); the
     * memory map shows memory=, and the rest starts ballooned out. */
    guest_ram_layout(&d->ram, ((max_kib + 3) & ~3ull) << 10);
    guest_ram_layout(&d->boot_ram, mem_kib << 10);

    d->nr_vcpus = max_vcpus;
    d->vcpus = calloc(max_vcpus, sizeof(*d->vcpus));
    if (!d->vcpus || balloon_init(&d->balloon, d->ram.size / GUEST_PAGE_SIZE) < 0) {
        domain_free(d);
        return fail(err, errlen, -ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < max_vcpus; i++) {
        d->vcpus[i] = (struct vcpu){
            .d = d, .id = i, .fd = -1, .wake_fd = -1, .irqfd = -1, .timer_fd = {-1, -1},
        };
    }

    int rc = setup_vm(d, err, errlen);
    if (rc == 0) {
        d->boot_ram.hva = d->ram.hva;
        d->boot_ram.special = d->ram.special;
        d->memmap_entries = guest_ram_memmap(&d->boot_ram, d->memmap);
        uint64_t boot_pages = d->boot_ram.size / GUEST_PAGE_SIZE;
        balloon_start_out(&d->balloon, boot_pages);
        d->ram.absent = d->balloon.map;
        rc = memory_guard(d, boot_pages, d->balloon.nr_pages - boot_pages, false);
        if (rc)
            rc = fail(err, errlen, rc, "cannot keep the guest from RAM above memory=: %s",
                      strerror(-rc));
    }
    for (uint32_t i = 0; rc == 0 && i < max_vcpus; i++)
        rc = setup_vcpu(d, &d->vcpus[i], err, errlen);
    if (rc == 0)
        rc = start_event_machinery(d, err, errlen);
    if (rc == 0) {
        char path[512];
        rundir_console_log_path(hv.rundir, id, path, sizeof(path));
        unlink(path); /* a domid reused after a restart starts a fresh log */
        int e = console_log_open(&d->console, path, &hv.console_limits, now_mono_ns());
        if (e < 0)
            rc = fail(err, errlen, e, "cannot open console log %s: %s", path, strerror(-e));
    }
    if (rc) {
        domain_free(d);
        return rc;
    }
    int sc = sched_domain_init(d);
    if (sc)
        hv_log("domain %u runs without a cgroup of its own: %s", id, strerror(-sc));
    /* vCPU 0 comes up with the domain; the rest wait for VCPUOP_up or
     * for an INIT-SIPI from the guest's LAPIC. */
    d->vcpus[0].online = true;
    for (uint32_t i = 1; i < max_vcpus; i++)
        d->vcpus[i].sipi_wait = true;
    for (uint32_t i = 0; i < max_vcpus; i++) {
        struct vcpu *v = &d->vcpus[i];
        if (pthread_create(&v->thread, NULL, vcpu_thread, v) != 0) {
            set_table_entry(id, d);
            domain_destroy(id, NULL, 0);
            return fail(err, errlen, -EAGAIN, "cannot start a thread for vCPU %u", i);
        }
        v->started = true;
    }
    set_table_entry(id, d);
    *domid = id;
    hv_log("created domain %u (%s): %llu MiB, %u vCPUs", id, d->name,
           (unsigned long long)(mem_kib >> 10), max_vcpus);
    return 0;
}

int domain_rename(uint32_t domid, const char *name, char *err, size_t errlen)
{
    struct domain *d = domain_find(domid);
    if (!d || d->dying)
        return fail(err, errlen, -ESRCH, "no domain %u", domid);
    if (!name[0] || strlen(name) >= PRIVCMD_NAME_LEN)
        return fail(err, errlen, -EINVAL, "a domain name has 1 to %d bytes",
                    PRIVCMD_NAME_LEN - 1);
    if (strcmp(d->name, name) == 0)
        return 0;
    if (name_taken(name))
        return fail(err, errlen, -EEXIST, "a domain named \"%s\" already exists", name);
    snprintf(d->name, sizeof(d->name), "%s", name);
    return 0;
}

int domain_pause(uint32_t domid, char *err, size_t errlen)
{
    struct domain *d = domain_find(domid);
    if (!d)
        return fail(err, errlen, -ESRCH, "no domain %u", domid);
    pthread_mutex_lock(&d->lock);
    if (d->stopped || d->dying) {
        pthread_mutex_unlock(&d->lock);
        return fail(err, errlen, -EINVAL, "domain %u is not running", domid);
    }
    d->pause_count++;
    domain_kick_locked(d);
    /* Return only once no vCPU runs guest code. */
    for (;;) {
        bool all = true;
        for (uint32_t i = 0; i < d->nr_vcpus; i++)
            if (d->vcpus[i].started && !d->vcpus[i].parked)
                all = false;
        if (all)
            break;
        pthread_cond_wait(&d->cond, &d->lock);
    }
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int domain_unpause(uint32_t domid, char *err, size_t errlen)
{
    struct domain *d = domain_find(domid);
    if (!d)
        return fail(err, errlen, -ESRCH, "no domain %u", domid);
    pthread_mutex_lock(&d->lock);
    int rc = 0;
    if (!d->loaded)
        rc = fail(err, errlen, -EINVAL, "domain %u has no kernel loaded", domid);
    else if (d->stopped || d->dying)
        rc = fail(err, errlen, -EINVAL, "domain %u has shut down", domid);
    else if (d->pause_count == 0)
        rc = fail(err, errlen, -EINVAL, "domain %u is not paused", domid);
    else if (--d->pause_count == 0)
        pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int domain_destroy(uint32_t domid, char *err, size_t errlen)
{
    struct domain *d = domain_find(domid);
    if (!d)
        return fail(err, errlen, -ESRCH, "no domain %u", domid);
    pthread_mutex_lock(&d->lock);
    d->dying = true;
    domain_kick_locked(d);
    pthread_mutex_unlock(&d->lock);
    for (uint32_t i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i].started)
            pthread_join(d->vcpus[i].thread, NULL);
    /* No vCPU of it runs now; stop its timers before other domains lose
     * sight of it, then free. Dom0's grant mappings of its pages hold the
     * memory file, so they stay valid until Dom0 unmaps them. */
    timers_stop(d);
    set_table_entry(domid, NULL);
    hv_log("destroyed domain %u (%s)", domid, d->name);
    domain_free(d);
    evtchn_raise_dom0_virq(VIRQ_DOM_EXC);
    if (hv.state_changed)
        hv.state_changed();
    return 0;
}

void domain_destroy_all(void)
{
    for (struct domain *d = domain_next(0); d; d = domain_next(0))
        domain_destroy(d->domid, NULL, 0);
}

_Static_assert(HV_MAX_VCPUS <= EVTCHN_CTL_MAX_VCPUS, "evtchn_ctl has room for every vCPU");
