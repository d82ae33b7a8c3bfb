#include "arch/cpu.h"
#include "kernel/console.h"
#include "kernel/hypercall.h"
#include "kernel/shutdown.h"

void guest_shutdown(unsigned reason)
{
	console_flush();
	if (hypercalls_ready()) {
		struct sched_shutdown s = { .reason = reason };
		long rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);

		kprintf("xenolith-guest: SCHEDOP_shutdown(%u) returned %ld\n",
			reason, rc);
		console_flush();
	}
	halt_forever();
}

void guest_shutdown_crash(void)
{
	guest_shutdown(SHUTDOWN_crash);
}
