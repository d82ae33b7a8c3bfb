/*
 * The daemon's state and the host it runs on: /dev/kvm opened and probed
 * (what KVM offers, how the hypercall MSR reaches us), the memory a new
 * domain may have, and what Domain-0 and the host look like to xl.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/auto_eoi.h"
#include "hypervisor/cpuid.h"
#include "hypervisor/domain.h"
#include "hypervisor/evtchn_table.h"
#include "hypervisor/fail_msg.h"
#include "hypervisor/host_mem.h"
#include "hypervisor/hv.h"
#include "hypervisor/vcpu.h"
#include "include/guest_abi.h"

struct hv hv;

/* Headroom kept for Dom0 itself when admitting a domain. */
#define DOM0_RESERVE_KIB (256ull * 1024)

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
int hv_enable_hypercall_msr_exit(int vm_fd, bool via_filter)
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
    if (vm < 0 || mem == MAP_FAILED || hv_enable_hypercall_msr_exit(vm, false) < 0)
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

/* What a new domain may have: no more than the host has free now, and
 * all domains together no more than the host's RAM less Dom0's share
 * (guest RAM is only touched lazily, so "free now" alone overcommits). */
uint64_t hv_guest_memory_available_kib(void)
{
    struct host_mem hm;
    if (host_mem_read(&hm) < 0)
        return UINT64_MAX;
    uint64_t committed = 0;
    for (struct domain *d = domain_next(0); d; d = domain_next(d->domid))
        committed += d->ram.size >> 10; /* up to maxmem: it may populate that much */
    uint64_t cap = hm.total_kib > DOM0_RESERVE_KIB + committed
        ? hm.total_kib - DOM0_RESERVE_KIB - committed : 0;
    return hm.available_kib < cap ? hm.available_kib : cap;
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
    uint64_t avail = hv_guest_memory_available_kib();
    out->free_memory_kib = avail == UINT64_MAX ? 0 : avail;
    out->xen_major = XENOLITH_XEN_MAJOR;
    out->xen_minor = XENOLITH_XEN_MINOR;
    snprintf(out->xen_extra, sizeof(out->xen_extra), "%s", XENOLITH_EXTRAVERSION);
    snprintf(out->xen_caps, sizeof(out->xen_caps), "%s", XENOLITH_CAPABILITIES);
    snprintf(out->xen_changeset, sizeof(out->xen_changeset), "%s", XENOLITH_CHANGESET);
    snprintf(out->hypervisor, sizeof(out->hypervisor), "xenolithd %s on KVM", PACKAGE_VERSION);
    out->uptime_ns = now_mono_ns() - hv.start_mono_ns;
}
