# The PVH guest kernel (frontends/): a freestanding x86-64 ELF that
# xenolithd boots. Every flag is per-target so that the host's AM_CFLAGS
# (sanitizers), AM_CPPFLAGS (-D__XEN_TOOLS__) and AM_LDFLAGS never reach it.
noinst_PROGRAMS += frontends/xenolith-guest

frontends_xenolith_guest_SOURCES = \
	frontends/arch/pvh_note.S \
	frontends/arch/boot.S \
	frontends/arch/trap_stubs.S \
	frontends/arch/usermode.S \
	frontends/arch/ap_boot.S \
	frontends/arch/cpu.h \
	frontends/arch/atomic.h \
	frontends/arch/spinlock.h \
	frontends/arch/apic.c frontends/arch/apic.h \
	frontends/arch/segments.h \
	frontends/arch/gdt.c frontends/arch/gdt.h \
	frontends/arch/idt.c frontends/arch/idt.h \
	frontends/arch/traps.c frontends/arch/traps.h \
	frontends/arch/fault.c frontends/arch/fault.h \
	frontends/arch/usermode.h \
	frontends/lib/kstring.c frontends/lib/kstring.h \
	frontends/lib/format.c frontends/lib/format.h \
	frontends/kernel/console.c frontends/kernel/console.h \
	frontends/kernel/console_ring.c frontends/kernel/console_ring.h \
	frontends/kernel/hypercall.c frontends/kernel/hypercall.h \
	frontends/kernel/start_info.c frontends/kernel/start_info.h \
	frontends/kernel/shared_info.c frontends/kernel/shared_info.h \
	frontends/kernel/shutdown.c frontends/kernel/shutdown.h \
	frontends/kernel/demo.c frontends/kernel/demo.h \
	frontends/kernel/cmdline.c frontends/kernel/cmdline.h \
	frontends/kernel/percpu.c frontends/kernel/percpu.h \
	frontends/kernel/evtchn.c frontends/kernel/evtchn.h \
	frontends/kernel/time.c frontends/kernel/time.h \
	frontends/kernel/smp.c frontends/kernel/smp.h \
	frontends/kernel/gnttab.c frontends/kernel/gnttab.h \
	frontends/kernel/xenbus.c frontends/kernel/xenbus.h \
	frontends/kernel/xenbus_dev.c frontends/kernel/xenbus_dev.h frontends/kernel/parse.h \
	frontends/kernel/blkfront.c frontends/kernel/blkfront.h frontends/lib/blkpattern.h \
	frontends/kernel/netfront.c frontends/kernel/netfront.h frontends/kernel/xen_ring.h \
	frontends/kernel/ipstack.c frontends/kernel/ipstack.h \
	frontends/kernel/page_alloc.c frontends/kernel/page_alloc.h \
	frontends/kernel/balloon.c frontends/kernel/balloon.h \
	frontends/kernel/guest_abi_ext.h \
	frontends/kernel/main.c \
	frontends/tests/runner.c frontends/tests/runner.h \
	frontends/tests/registry.c frontends/tests/registry.h \
	frontends/tests/hypercalls.c frontends/tests/hc.h \
	frontends/tests/hc_xen_version.c \
	frontends/tests/hc_console_io.c \
	frontends/tests/hc_sched_op.c \
	frontends/tests/hc_memory_op.c \
	frontends/tests/hc_hvm_op.c \
	frontends/tests/hc_vcpu_op.c \
	frontends/tests/hc_platform.c \
	frontends/tests/cpuid.c \
	frontends/tests/memmap.c \
	frontends/tests/triple_fault.c \
	frontends/tests/hostile.c \
	frontends/tests/bench_hcall.c \
	frontends/tests/evt_util.c frontends/tests/evt_util.h \
	frontends/tests/evtchn.c \
	frontends/tests/timers.c \
	frontends/tests/pvclock.c \
	frontends/tests/smp.c \
	frontends/tests/grants.c \
	frontends/tests/grant_probe.c \
	frontends/tests/dom0_peer.c frontends/tests/dom0_peer.h \
	frontends/tests/net.c frontends/tests/net_hostile.c frontends/tests/net_util.h \
	frontends/tests/echo.c frontends/tests/grant_pool.c frontends/tests/wait_shutdown.c \
	frontends/tests/xenbus.c frontends/tests/console.c \
	frontends/tests/blk.c frontends/tests/blk_util.h frontends/tests/blk_hostile.c frontends/tests/blk_reconnect.c frontends/tests/blk_bench.c frontends/tests/blk_hotplug.c \
	frontends/tests/balloon.c frontends/tests/memory_abuse.c frontends/tests/service.c

# The interface version pins which layouts the Xen headers hand a guest;
# a guest must never see the toolstack-only definitions.
frontends_xenolith_guest_CPPFLAGS = \
	-I$(top_srcdir) -I$(top_srcdir)/frontends \
	-D__XEN_INTERFACE_VERSION__=0x00040e00

# No SSE (no FPU state is saved on traps), no red zone (traps push onto
# the interrupted stack), no PIC (the image runs where it is linked), and
# no loop-to-memset rewriting, which would make memset call itself.
# No frame pointers: nothing walks the stack, and on hosts that emulate
# guest kernel code each function's push/mov/pop of rbp is three more
# emulations per call (measured: 84 -> 81 per event-channel round trip).
GUEST_KFLAGS = \
	-ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fcf-protection=none -fomit-frame-pointer \
	-fno-tree-loop-distribute-patterns

frontends_xenolith_guest_CFLAGS = -std=gnu11 $(WARN_CFLAGS) \
	$(GUEST_KFLAGS)
frontends_xenolith_guest_CCASFLAGS = $(GUEST_KFLAGS)
frontends_xenolith_guest_LDFLAGS = \
	-nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack \
	-Wl,-T,$(top_srcdir)/frontends/guest.lds
frontends_xenolith_guest_DEPENDENCIES = $(top_srcdir)/frontends/guest.lds

EXTRA_DIST += frontends/guest.lds
