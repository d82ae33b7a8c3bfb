/*
 * Garbage at every hypercall number: pseudo-random arguments, pointers
 * into unmapped and non-canonical space, huge counts. Any return value
 * is fine; the domain must live and the hypervisor must still answer.
 *
 * Skipped, because they legitimately stop or disturb this vCPU rather
 * than test the hypervisor's guard: sched_op block, shutdown, poll,
 * remote_shutdown, shutdown_code and watchdog (cmds 1-6; block halts in
 * its stub until an interrupt), and vcpu_op initialise, up, down and
 * send_nmi. EVTCHNOP_send always gets a pointer into scratch: its stub
 * reads the port in the guest, so a bad pointer faults here by design
 * (doc/hypercalls.md) instead of returning -EFAULT. Guest memory the
 * kernel lives in is never offered as a pointer, so a call that succeeds
 * cannot overwrite it.
 */
#include <xen/errno.h>

#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/smp.h"
#include "kernel/start_info.h"
#include "lib/kstring.h"
#include "tests/registry.h"

#define CALLS 4000
#define PROGRESS_EVERY 5000
#define UNMAPPED_BASE 0x0000700000000000ull
#define LOW_MEMORY_END 0x100000ull

static uint8_t scratch[65536] __attribute__((aligned(4096)));
static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t protect_start, protect_end;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void refill_scratch(void)
{
	for (size_t i = 0; i < sizeof(scratch); i += 8) {
		uint64_t v = xorshift();

		memcpy(scratch + i, &v, 8);
	}
}

static uint64_t unmapped(void)
{
	return UNMAPPED_BASE + (xorshift() & 0xfffffffffull);
}

static uint64_t scratch_ptr(void)
{
	/* Leave room for the largest fixed-size output (1 KiB). */
	return (uint64_t)scratch + xorshift() % (sizeof(scratch) - 4096);
}

static uint64_t random_arg(void)
{
	static const uint64_t huge[] = {
		0xffffffffull, 0x7fffffffull, 0x80000000ull, ~0ull,
		0x7fffffffffffffffull, 0x10000ull, 0x100001ull,
	};

	switch (xorshift() % 9) {
	case 0:
		return 0;
	case 1:
		return xorshift() % 16;
	case 2:
	case 3:
		return xorshift();
	case 4:
		return unmapped();
	case 5:
		return 0x8000000000000000ull | xorshift();
	case 6:
		return huge[xorshift() % (sizeof(huge) / sizeof(*huge))];
	case 7:
		return scratch_ptr();
	default:
		/* Straddling the end of the 4 GiB the kernel maps. */
		return 0x100000000ull - (xorshift() % 64);
	}
}

static bool protected_addr(uint64_t v)
{
	uint64_t s = (uint64_t)scratch;

	if (v >= s && v < s + sizeof(scratch))
		return false;
	return v >= protect_start && v < protect_end;
}

static bool dangerous(unsigned nr, const uint64_t *a)
{
	uint32_t cmd = (uint32_t)a[0];

	switch (nr) {
	case __HYPERVISOR_sched_op:
		return cmd >= SCHEDOP_block && cmd <= SCHEDOP_watchdog;
	case __HYPERVISOR_vcpu_op:
		return cmd <= VCPUOP_down || cmd == VCPUOP_send_nmi;
	default:
		return false;
	}
}

/* Calls whose only pointer names a structure that may itself name guest
 * frames: keep that structure random, never low memory we do not fill. */
static void steer(unsigned nr, uint64_t *a)
{
	uint32_t cmd = (uint32_t)a[0];

	if (nr == __HYPERVISOR_console_io && cmd == CONSOLEIO_write)
		a[2] = unmapped();	/* keep the console log readable */
	if (nr == __HYPERVISOR_memory_op &&
	    ((cmd & 0x3f) == XENMEM_add_to_physmap ||
	     (cmd & 0x3f) == XENMEM_add_to_physmap_batch) &&
	    a[1] < LOW_MEMORY_END)
		a[1] = scratch_ptr();
	if (nr == __HYPERVISOR_multicall && a[0] < LOW_MEMORY_END)
		a[0] = scratch_ptr();
	if (nr == __HYPERVISOR_event_channel_op && cmd == EVTCHNOP_send)
		a[1] = scratch_ptr();
}

static void set_protected_range(void)
{
	const struct hvm_start_info *si = start_info();
	uint64_t end = (uint64_t)__image_end;

	if (boot_start_info_paddr + sizeof(*si) > end)
		end = boot_start_info_paddr + sizeof(*si);
	if (si->cmdline_paddr + 4096 > end)
		end = si->cmdline_paddr + 4096;
	if (si->memmap_paddr + 4096 > end)
		end = si->memmap_paddr + 4096;
	protect_start = LOW_MEMORY_END;
	protect_end = (end + 0xffff) & ~0xffffull;
}

void test_hostile(struct test *t)
{
	unsigned zero = 0, enosys = 0, efault = 0, other_err = 0, positive = 0;
	unsigned odd = 0, skipped = 0;

	set_protected_range();
	refill_scratch();
	test_info("hostile: %u calls, protecting %#lx-%#lx", CALLS,
		  protect_start, protect_end);

	for (unsigned i = 1; i <= CALLS; i++) {
		unsigned nr = xorshift() % HYPERCALL_PAGE_STUBS;
		uint64_t a[5];

		for (unsigned j = 0; j < 5; j++) {
			a[j] = random_arg();
			if (protected_addr(a[j]))
				a[j] = unmapped();
		}
		if (dangerous(nr, a)) {
			skipped++;
			continue;
		}
		steer(nr, a);

		long rc = hypercall_raw(nr, a[0], a[1], a[2], a[3], a[4]);
		if (rc == 0)
			zero++;
		else if (rc == -XEN_ENOSYS)
			enosys++;
		else if (rc == -XEN_EFAULT)
			efault++;
		else if (rc < 0 && rc >= -4095)
			other_err++;
		else if (rc > 0)
			positive++;
		else
			odd++;

		if (i % 256 == 0)
			refill_scratch();
		if (i % PROGRESS_EVERY == 0)
			test_info("hostile: %u calls made", i);
	}
	test_info("hostile: 0: %u, -ENOSYS: %u, -EFAULT: %u, other errors: %u,"
		  " positive: %u, below -4095: %u, skipped: %u",
		  zero, enosys, efault, other_err, positive, odd, skipped);

	/* Undo what garbage may have set up, then check the hypervisor
	 * still answers as the contract says. */
	struct xen_hvm_param p = { .domid = DOMID_SELF,
				   .index = HVM_PARAM_CALLBACK_IRQ };
	HYPERVISOR_hvm_op(HVMOP_set_param, &p);
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);
	HYPERVISOR_set_timer_op(0);
	/* Garbage may have closed, rebound or retargeted our ports. */
	if (evtchn_reset() == 0)
		CHECK_EQ(t, smp_restore_kernel_ports(), 0,
			 "rebinding the kernel's ports after reset");
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_version, NULL),
		 (long)xen_cpuid.version, "xen_version(XENVER_version) after");
	CHECK_EQ(t, HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096,
		 "xen_version(XENVER_pagesize) after");
	CHECK_EQ(t, _hypercall2(45, 0, 0), -XEN_ENOSYS, "hypercall 45 after");
}
