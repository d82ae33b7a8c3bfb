# xenolithd, the thin hypervisor. The pure parts (bzImage/ELF/PVH loading, page
# walks, CPUID, the hypercall page, console limits) form a library the
# unit tests link as well.
noinst_LIBRARIES += hypervisor/libhvcore.a
hypervisor_libhvcore_a_SOURCES = \
	hypervisor/acpi_tables.c hypervisor/acpi_tables.h \
	hypervisor/balloon.c hypervisor/balloon.h \
	hypervisor/bzimage.c hypervisor/bzimage.h \
	hypervisor/cgroup_cpu.c hypervisor/cgroup_cpu.h \
	hypervisor/console_log.c hypervisor/console_log.h \
	hypervisor/cpuid.c hypervisor/cpuid.h \
	hypervisor/evtchn_table.c hypervisor/evtchn_table.h \
	hypervisor/fail_msg.h \
	hypervisor/guest_ram.c hypervisor/guest_ram.h \
	hypervisor/hvm_param.c hypervisor/hvm_param.h \
	hypervisor/hypercall_page.c hypervisor/hypercall_page.h \
	hypervisor/hypercall_patch.c hypervisor/hypercall_patch.h \
	hypervisor/insn_complete.c hypervisor/insn_complete.h \
	hypervisor/insn_decode.c hypervisor/insn_decode.h \
	hypervisor/insn_xsave.c hypervisor/insn_xsave.h \
	hypervisor/pagewalk.c hypervisor/pagewalk.h \
	hypervisor/pvclock.c hypervisor/pvclock.h \
	hypervisor/pvh_loader.c hypervisor/pvh_loader.h \
	hypervisor/text_file.c hypervisor/text_file.h

dist_man_MANS += man/xenolithd.8

sbin_PROGRAMS += hypervisor/xenolithd
hypervisor_xenolithd_SOURCES = \
	hypervisor/main.c \
	hypervisor/auto_eoi.c hypervisor/auto_eoi.h \
	hypervisor/domain.c hypervisor/domain.h \
	hypervisor/domain_lifecycle.c hypervisor/domain_lifecycle.h \
	hypervisor/domain_load.c hypervisor/domain_load.h \
	hypervisor/evtchn.c hypervisor/evtchn.h \
	hypervisor/gnttab.c hypervisor/gnttab.h \
	hypervisor/hc_evtchn.c hypervisor/hc_gnttab.c \
	hypervisor/hc_console.c hypervisor/hc_hvm.c hypervisor/hc_memory.c hypervisor/hc_memory.h \
	hypervisor/hc_sched.c hypervisor/hc_vcpu.c hypervisor/hc_version.c \
	hypervisor/host_mem.c hypervisor/host_mem.h \
	hypervisor/hv.c hypervisor/hv.h \
	hypervisor/hypercall.c hypervisor/hypercall.h \
	hypervisor/log.c hypervisor/log.h \
	hypervisor/physmap_slot.c hypervisor/physmap_slot.h \
	hypervisor/privcmd_domain_wait.c hypervisor/privcmd_domctl.c \
	hypervisor/privcmd_evtchn.c hypervisor/privcmd_memory.c hypervisor/privcmd_sysctl.c \
	hypervisor/privcmd_grant_holds.c hypervisor/privcmd_grant_holds.h \
	hypervisor/privcmd_ops.h \
	hypervisor/privcmd_server.c hypervisor/privcmd_server.h \
	hypervisor/privcmd_transport.c hypervisor/privcmd_transport.h \
	hypervisor/sched_cgroup.c hypervisor/sched_cgroup.h \
	hypervisor/timers.c hypervisor/timers.h \
	hypervisor/upcall.c hypervisor/upcall.h \
	hypervisor/vcpu.c hypervisor/vcpu.h \
	hypervisor/vcpu_insn.c hypervisor/vcpu_insn.h
hypervisor_xenolithd_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) -pthread
hypervisor_xenolithd_LDADD = hypervisor/libhvcore.a dom0/libxenctl.a $(UV_LIBS) \
	$(KERNEL_CODEC_LIBS) -lpthread
