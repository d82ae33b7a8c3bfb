#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dom0/rundir.h"
#include "hypervisor/acpi_tables.h"
#include "hypervisor/auto_eoi.h"
#include "hypervisor/bzimage.h"
#include "hypervisor/cpuid.h"
#include "hypervisor/evtchn.h"
#include "hypervisor/fail_msg.h"
#include "hypervisor/gnttab.h"
#include "hypervisor/host_mem.h"
#include "hypervisor/hypercall_patch.h"
#include "hypervisor/hv.h"
#include "hypervisor/log.h"
#include "hypervisor/pvh_loader.h"
#include "hypervisor/sched_cgroup.h"
#include "hypervisor/timers.h"
#include "hypervisor/upcall.h"
#include "hypervisor/vcpu.h"
#include "include/guest_abi.h"

struct hv hv;

/* Past the end of a 4 GiB guest's RAM hole, where KVM wants its own pages
 * on Intel hosts (a no-op on AMD). */
#define KVM_TSS_ADDR 0xfffbd000ull
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ull
/* Headroom kept for Dom0 itself when admitting a domain. */
#define DOM0_RESERVE_KIB (256ull * 1024)
#define KERNEL_MAX_BYTES (512ull << 20)

uint64_t now_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t now_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct kvm_cpuid2 *get_supported_cpuid(int kvm)
{
    for (unsigned n = 128; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
        if (!c)
            return NULL;
        c->nent = n;
        if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
            return c;
        free(c);
        if (errno != E2BIG)
            return NULL;
    }
    return NULL;
}

static uint32_t probe_tsc_khz(int kvm)
{
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        return 0;
    int khz = ioctl(vm, KVM_GET_TSC_KHZ, 0);
    if (khz <= 0) {
        int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
        if (vcpu >= 0) {
            khz = ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
            close(vcpu);
        }
    }
    close(vm);
    return khz > 0 ? (uint32_t)khz : 0;
}

/*
 * The hypercall MSR must exit to us. KVM refuses writes to it (it is
 * Hyper-V's, and Hyper-V is off), so asking for userspace exits on refused
 * MSRs is enough; an MSR filter does it too but costs a grace period
 * (17 ms measured) per VM, so it is kept for hosts where the probe below
 * finds refused MSRs handled in the kernel.
 */
static int enable_hypercall_msr_exit(int vm_fd, bool via_filter)
{
    struct kvm_enable_cap cap = {
        .cap = KVM_CAP_X86_USER_SPACE_MSR,
        .args = {via_filter ? KVM_MSR_EXIT_REASON_FILTER
                            : KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN},
    };
    if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0)
        return -1;
    if (!via_filter)
        return 0;
    static uint8_t deny = 0;
    struct kvm_msr_filter filter = {.flags = KVM_MSR_FILTER_DEFAULT_ALLOW};
    filter.ranges[0] = (struct kvm_msr_filter_range){
        .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
        .nmsrs = 1, .base = XENOLITH_HYPERCALL_MSR, .bitmap = &deny,
    };
    return ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, &filter);
}

/* Runs `wrmsr` of the hypercall MSR in a throwaway VM and reports whether
 * it reached userspace without a filter. */
static bool refused_msr_reaches_us(int kvm, int mmap_size)
{
    static const uint8_t code[] = {
        0xb9, 0x00, 0x00, 0x00, 0x40, /* mov $XENOLITH_HYPERCALL_MSR, %ecx */
        0x31, 0xc0,                   /* xor %eax, %eax */
        0x31, 0xd2,                   /* xor %edx, %edx */
        0x0f, 0x30,                   /* wrmsr */
        0xf4,                         /* hlt */
    };
    _Static_assert(XENOLITH_HYPERCALL_MSR == 0x40000000u, "probe code names the MSR");
    bool reached = false;
    int vm = ioctl(kvm, KVM_CREATE_VM, 0), vcpu = -1;
    void *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct kvm_run *run = MAP_FAILED;
    if (vm < 0 || mem == MAP_FAILED || enable_hypercall_msr_exit(vm, false) < 0)
        goto out;
    memcpy(mem, code, sizeof(code));
    struct kvm_userspace_memory_region slot = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = 4096,
        .userspace_addr = (uint64_t)(uintptr_t)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
        goto out;
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        goto out;
    run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        goto out;
    struct vcpu probe = {.fd = vcpu};
    if (vcpu_set_pvh_entry(&probe, 0, 0) < 0)
        goto out;
    for (int i = 0; i < 4; i++) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0 && errno != EINTR)
            break;
        if (run->exit_reason == KVM_EXIT_X86_WRMSR) {
            reached = run->msr.index == XENOLITH_HYPERCALL_MSR;
            break;
        }
        if (run->exit_reason != KVM_EXIT_INTR)
            break;
    }
out:
    if (run != MAP_FAILED)
        munmap(run, (size_t)mmap_size);
    if (vcpu >= 0)
        close(vcpu);
    if (mem != MAP_FAILED)
        munmap(mem, 4096);
    if (vm >= 0)
        close(vm);
    return reached;
}

int hv_init(const char *rundir, char *err, size_t errlen)
{
    memset(&hv, 0, sizeof(hv));
    snprintf(hv.rundir, sizeof(hv.rundir), "%s", rundir);
    hv.console_limits = console_default_limits;
    hv.next_domid = 1;
    hv.start_mono_ns = now_mono_ns();
    pthread_mutex_init(&hv.evtchn_lock, NULL);
    pthread_mutex_init(&hv.gnttab_lock, NULL);
    hv.dom0_port_efd = malloc(DOM0_EVTCHN_PORTS * sizeof(int));
    hv.dom0_port_owner = calloc(DOM0_EVTCHN_PORTS, sizeof(void *));
    if (!hv.dom0_port_efd || !hv.dom0_port_owner ||
        evtchn_table_init(&hv.dom0_evtchn, DOM0_EVTCHN_PORTS) < 0)
        return fail(err, errlen, -1, "out of memory");
    for (unsigned i = 0; i < DOM0_EVTCHN_PORTS; i++)
        hv.dom0_port_efd[i] = -1;

    hv.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (hv.kvm_fd < 0)
        return fail(err, errlen, -1, "cannot open /dev/kvm: %s (is KVM enabled, and are you root?)",
                    strerror(errno));
    if (ioctl(hv.kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        return fail(err, errlen, -1, "/dev/kvm speaks an unknown API version");
    static const struct {
        int cap;
        int need; /* bits that must be present */
        const char *what;
    } caps[] = {
        {KVM_CAP_IRQCHIP, 1, "an in-kernel irqchip"},
        {KVM_CAP_X86_USER_SPACE_MSR, 1, "userspace MSR exits (for the hypercall MSR)"},
        {KVM_CAP_X86_MSR_FILTER, 1, "MSR filters (for the hypercall MSR)"},
        {KVM_CAP_SYNC_REGS, KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS,
         "synced registers (hypercall arguments without ioctls)"},
        {KVM_CAP_IMMEDIATE_EXIT, 1, "immediate_exit (pausing vCPUs)"},
        {KVM_CAP_USER_MEMORY, 1, "user memory slots"},
    };
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        int r = ioctl(hv.kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap);
        if (r <= 0 || (r & caps[i].need) != caps[i].need)
            return fail(err, errlen, -1, "this host's KVM lacks %s", caps[i].what);
    }
    hv.vcpu_mmap_size = ioctl(hv.kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (hv.vcpu_mmap_size < (int)sizeof(struct kvm_run))
        return fail(err, errlen, -1, "KVM_GET_VCPU_MMAP_SIZE failed");
    hv.supported_cpuid = get_supported_cpuid(hv.kvm_fd);
    if (!hv.supported_cpuid)
        return fail(err, errlen, -1, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
    hv.tsc_khz = probe_tsc_khz(hv.kvm_fd);
    hv.msr_via_filter = !refused_msr_reaches_us(hv.kvm_fd, hv.vcpu_mmap_size);
    hv.auto_eoi = auto_eoi_supported(hv.kvm_fd);
    const struct kvm_cpuid_entry2 *sizes = cpuid_find(hv.supported_cpuid, 0x80000008u, 0);
    hv.guest_phys_bits = sizes ? sizes->eax & 0xff : 36; /* 36: what CPUs without the leaf have */
    vcpu_install_kick_handler();
    return 0;
}

struct domain *hv_domain_find(uint32_t domid)
{
    return domid > 0 && domid < DOMID_FIRST_RESERVED ? hv.domains[domid] : NULL;
}

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
        if (!hv.domains[id]) {
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

    if (enable_hypercall_msr_exit(d->vm_fd, hv.msr_via_filter) < 0)
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
    d->xen_area = d->ram.hva + d->ram.size;
    d->ram.special = d->xen_area + XEN_AREA_SPECIAL_PAGE * GUEST_PAGE_SIZE;
    _Static_assert(XEN_AREA_PAGES - XEN_AREA_SPECIAL_PAGE == GUEST_SPECIAL_PAGES,
                   "the memory file has room for every special page");
    struct kvm_userspace_memory_region low = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = d->ram.low_size,
        .userspace_addr = (uint64_t)(uintptr_t)d->ram.hva,
    };
    if (ioctl(d->vm_fd, KVM_SET_USER_MEMORY_REGION, &low) < 0)
        return fail(err, errlen, -errno, "cannot register guest memory: %s", strerror(errno));
    struct kvm_userspace_memory_region special = {
        .slot = 2, .guest_phys_addr = GUEST_SPECIAL_GPA,
        .memory_size = GUEST_SPECIAL_PAGES * GUEST_PAGE_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)d->ram.special,
    };
    if (ioctl(d->vm_fd, KVM_SET_USER_MEMORY_REGION, &special) < 0)
        return fail(err, errlen, -errno, "cannot register the special pages: %s", strerror(errno));
    if (d->ram.size > d->ram.low_size) {
        struct kvm_userspace_memory_region high = {
            .slot = 1, .guest_phys_addr = GUEST_RAM_HIGH_BASE,
            .memory_size = d->ram.size - d->ram.low_size,
            .userspace_addr = (uint64_t)(uintptr_t)(d->ram.hva + d->ram.low_size),
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

struct domain *hv_domain_find_name(const char *name)
{
    for (uint32_t i = 1; i < DOMID_FIRST_RESERVED; i++)
        if (hv.domains[i] && !hv.domains[i]->dying && strcmp(hv.domains[i]->name, name) == 0)
            return hv.domains[i];
    return NULL;
}

static bool name_taken(const char *name)
{
    return strcmp(name, "Domain-0") == 0 || hv_domain_find_name(name);
}

/* What a new domain may have: no more than the host has free now, and
 * all domains together no more than the host's RAM less Dom0's share
 * (guest RAM is only touched lazily, so "free now" alone overcommits). */
static uint64_t guest_memory_available_kib(void)
{
    struct host_mem hm;
    if (host_mem_read(&hm) < 0)
        return UINT64_MAX;
    uint64_t committed = 0;
    for (uint32_t i = 1; i < DOMID_FIRST_RESERVED; i++)
        if (hv.domains[i])
            committed += hv.domains[i]->boot_ram.size >> 10;
    uint64_t cap = hm.total_kib > DOM0_RESERVE_KIB + committed
        ? hm.total_kib - DOM0_RESERVE_KIB - committed : 0;
    return hm.available_kib < cap ? hm.available_kib : cap;
}

int hv_domain_create(const struct privcmd_create_req *req, uint32_t *domid, char *err,
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
    uint64_t avail = guest_memory_available_kib();
    if (mem_kib > avail)
        return fail(err, errlen, -ENOMEM,
                    "not enough memory: domain \"%s\" needs %llu MiB but the host has "
                    "%llu MiB available for guests",
                    name, (unsigned long long)(mem_kib >> 10), (unsigned long long)(avail >> 10));

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
        balloon_start_out(&d->balloon, d->boot_ram.size / GUEST_PAGE_SIZE);
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
            hv_domain_destroy(id, NULL, 0);
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

static int read_whole(int fd, const char *what, uint64_t limit, uint8_t **out, size_t *len,
                      char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return fail(err, errlen, -errno, "cannot stat the %s: %s", what, strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return fail(err, errlen, -EINVAL, "the %s is not a regular file", what);
    uint64_t size = (uint64_t)st.st_size;
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        size = end > 0 ? (uint64_t)end : 0;
    }
    if (size > limit)
        return fail(err, errlen, -EFBIG, "the %s is too large (%llu MiB, the limit is %llu MiB)",
                    what, (unsigned long long)(size >> 20), (unsigned long long)(limit >> 20));
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return fail(err, errlen, -ENOMEM, "out of memory reading the %s", what);
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return fail(err, errlen, -EIO, "cannot read the %s: %s", what,
                        n < 0 ? strerror(errno) : "file shrank while reading");
        }
        got += (size_t)n;
    }
    *out = buf;
    *len = size;
    return 0;
}

/* The tables go in the reserved BIOS area; start info points at them. */
static int place_acpi_tables(struct domain *d, uint64_t start_info)
{
    uint8_t *buf = guest_ram_ptr(&d->boot_ram, ACPI_TABLES_GPA, ACPI_TABLES_MAX);
    struct hvm_start_info *si = guest_ram_ptr(&d->boot_ram, start_info, sizeof(*si));
    if (!buf || !si)
        return -ENOMEM;
    uint64_t rsdp = acpi_tables_build(buf, ACPI_TABLES_MAX, ACPI_TABLES_GPA, d->nr_vcpus);
    if (!rsdp)
        return -E2BIG;
    si->rsdp_paddr = rsdp;
    return 0;
}

/* Says in the log which way the loaded kernel reaches us: its own
 * vmcall/vmmcall rewritten to our port exit, or the hypercall page. */
static void patch_hypercalls(struct domain *d, const struct pvh_image *img)
{
    struct hcpatch_result res;
    uint64_t len = img->load_hi - img->load_lo;
    uint8_t *image = guest_ram_ptr(&d->boot_ram, img->load_lo, len);
    int n = image ? hcpatch_apply(image, len, &res) : 0;
    if (n < 0)
        hv_log("domain %u: more vmcall/vmmcall pairs than a Linux kernel has; none "
               "rewritten, so the kernel's own hypercalls would go to KVM", d->domid);
    else if (n == 0)
        hv_log("domain %u: hypercalls through the hypercall page (the kernel has no "
               "vmcall/vmmcall hypercall functions)", d->domid);
    else
        hv_log("domain %u: hypercalls through the kernel's own functions: %d vmcall/vmmcall "
               "instructions rewritten to port exits, the first at 0x%llx", d->domid, n,
               (unsigned long long)(img->load_lo + res.sites[0]));
}

int hv_domain_load_pvh(uint32_t domid, int kernel_fd, int ramdisk_fd, const char *cmdline,
                       char *err, size_t errlen)
{
    struct domain *d = hv_domain_find(domid);
    if (!d)
        return fail(err, errlen, -ESRCH, "no domain %u", domid);
    if (d->loaded || d->stopped || d->dying)
        return fail(err, errlen, -EBUSY, "domain %u already has a kernel loaded", domid);
    uint8_t *kernel = NULL, *ramdisk = NULL;
    size_t klen = 0, rlen = 0;
    int rc = read_whole(kernel_fd, "kernel", KERNEL_MAX_BYTES, &kernel, &klen, err, errlen);
    if (rc == 0 && ramdisk_fd >= 0)
        rc = read_whole(ramdisk_fd, "ramdisk", d->boot_ram.size, &ramdisk, &rlen, err, errlen);
    if (rc == 0 && bzimage_detect(kernel, klen)) {
        /* A distribution's vmlinuz: the ELF inside is what we load. */
        struct bzimage_payload bz;
        rc = bzimage_extract(kernel, klen, KERNEL_MAX_BYTES, &bz, err, errlen);
        if (rc == 0) {
            hv_log("domain %u: the kernel is a bzImage (boot protocol %u.%02u), its %s "
                   "payload a %zu-byte ELF image", domid, bz.protocol >> 8,
                   bz.protocol & 0xff, bz.codec, bz.size);
            free(kernel);
            kernel = bz.elf;
            klen = bz.size;
        }
    }
    struct pvh_image img;
    struct pvh_boot boot;
    if (rc == 0)
        rc = pvh_parse(kernel, klen, &img, err, errlen);
    if (rc == 0)
        rc = pvh_load(kernel, klen, &img, &d->boot_ram, cmdline, ramdisk, rlen, &boot, err,
                      errlen);
    free(kernel);
    free(ramdisk);
    if (rc)
        return rc;
    patch_hypercalls(d, &img);
    rc = place_acpi_tables(d, boot.start_info);
    if (rc)
        return fail(err, errlen, rc, "domain %u: no room for the ACPI tables", domid);
    /* vCPU 0 is parked (the domain is paused), so its registers are ours. */
    rc = vcpu_set_pvh_entry(&d->vcpus[0], boot.entry, boot.start_info);
    if (rc)
        return fail(err, errlen, rc, "cannot set up the boot vCPU: %s", strerror(-rc));
    pthread_mutex_lock(&d->lock);
    d->loaded = true;
    d->vcpus[0].initialised = true;
    pthread_mutex_unlock(&d->lock);
    hv_log("domain %u: PVH kernel loaded, entry 0x%llx, start info 0x%llx", domid,
           (unsigned long long)boot.entry, (unsigned long long)boot.start_info);
    return 0;
}

int hv_domain_rename(uint32_t domid, const char *name, char *err, size_t errlen)
{
    struct domain *d = hv_domain_find(domid);
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

int hv_domain_pause(uint32_t domid, char *err, size_t errlen)
{
    struct domain *d = hv_domain_find(domid);
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

int hv_domain_unpause(uint32_t domid, char *err, size_t errlen)
{
    struct domain *d = hv_domain_find(domid);
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

int hv_domain_destroy(uint32_t domid, char *err, size_t errlen)
{
    struct domain *d = hv_domain_find(domid);
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

void hv_destroy_all(void)
{
    for (uint32_t i = 1; i < DOMID_FIRST_RESERVED; i++)
        if (hv.domains[i])
            hv_domain_destroy(i, NULL, 0);
}

void hv_dom0_info(struct privcmd_dominfo *out)
{
    memset(out, 0, sizeof(*out));
    struct host_mem hm = {0};
    host_mem_read(&hm);
    out->domid = 0;
    out->flags = PRIVCMD_DOMINFO_DOM0;
    out->state = PRIVCMD_STATE_RUNNING;
    out->type = PRIVCMD_TYPE_PVH;
    out->vcpus = out->vcpus_online = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
    out->memory_kib = out->max_memory_kib = hm.total_kib;
    out->cpu_time_ns = host_cpu_time_ns();
    out->shutdown_code = ~0u;
    snprintf(out->name, sizeof(out->name), "Domain-0");
}

void hv_host_info(struct privcmd_hostinfo *out)
{
    memset(out, 0, sizeof(*out));
    struct host_mem hm = {0};
    host_mem_read(&hm);
    out->nr_cpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
    out->cpu_khz = hv.tsc_khz;
    out->total_memory_kib = hm.total_kib;
    uint64_t avail = guest_memory_available_kib();
    out->free_memory_kib = avail == UINT64_MAX ? 0 : avail;
    out->xen_major = XENOLITH_XEN_MAJOR;
    out->xen_minor = XENOLITH_XEN_MINOR;
    snprintf(out->xen_extra, sizeof(out->xen_extra), "%s", XENOLITH_EXTRAVERSION);
    snprintf(out->xen_caps, sizeof(out->xen_caps), "%s", XENOLITH_CAPABILITIES);
    snprintf(out->xen_changeset, sizeof(out->xen_changeset), "%s", XENOLITH_CHANGESET);
    snprintf(out->hypervisor, sizeof(out->hypervisor), "xenolithd %s on KVM", PACKAGE_VERSION);
    out->uptime_ns = now_mono_ns() - hv.start_mono_ns;
}
_Static_assert(HV_MAX_VCPUS <= EVTCHN_CTL_MAX_VCPUS, "evtchn_ctl has room for every vCPU");
