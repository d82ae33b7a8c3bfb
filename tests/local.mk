# Unit (Check) and integration tests.

# Unit tests of the hypervisor's pure parts, linked against the same
# library xenolithd is built from.
EXTRA_DIST += tests/unit/check_main.h
check_PROGRAMS += tests/unit/test_hv_pagewalk tests/unit/test_hv_cpuid \
	tests/unit/test_hv_hypercall_page tests/unit/test_hv_guest_ram \
	tests/unit/test_hv_pvh_loader tests/unit/test_hv_console_log \
	tests/unit/test_hv_bzimage tests/unit/test_hv_linux_platform
TESTS += tests/unit/test_hv_pagewalk tests/unit/test_hv_cpuid \
	tests/unit/test_hv_hypercall_page tests/unit/test_hv_guest_ram \
	tests/unit/test_hv_pvh_loader tests/unit/test_hv_console_log \
	tests/unit/test_hv_bzimage tests/unit/test_hv_linux_platform
tests_unit_test_hv_pagewalk_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_pagewalk_SOURCES = tests/unit/test_hv_pagewalk.c
tests_unit_test_hv_pagewalk_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS)
tests_unit_test_hv_cpuid_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_cpuid_SOURCES = tests/unit/test_hv_cpuid.c
tests_unit_test_hv_cpuid_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS)
tests_unit_test_hv_hypercall_page_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_hypercall_page_SOURCES = tests/unit/test_hv_hypercall_page.c
tests_unit_test_hv_hypercall_page_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS)
tests_unit_test_hv_guest_ram_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_guest_ram_SOURCES = tests/unit/test_hv_guest_ram.c
tests_unit_test_hv_guest_ram_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS)
tests_unit_test_hv_pvh_loader_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_pvh_loader_SOURCES = tests/unit/test_hv_pvh_loader.c \
	tests/unit/elf_builder.c tests/unit/elf_builder.h
tests_unit_test_hv_pvh_loader_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS)
tests_unit_test_hv_bzimage_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_bzimage_SOURCES = tests/unit/test_hv_bzimage.c \
	tests/unit/elf_builder.c tests/unit/elf_builder.h
tests_unit_test_hv_bzimage_LDADD = hypervisor/libhvcore.a $(KERNEL_CODEC_LIBS) $(CHECK_LIBS)
tests_unit_test_hv_linux_platform_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_linux_platform_SOURCES = tests/unit/test_hv_linux_platform.c
tests_unit_test_hv_linux_platform_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS)
tests_unit_test_hv_console_log_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_console_log_SOURCES = tests/unit/test_hv_console_log.c
tests_unit_test_hv_console_log_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS) -lpthread

# CONSOLEIO_write's continuation, through the real dispatcher and handler.
check_PROGRAMS += tests/unit/test_hv_console_write
TESTS += tests/unit/test_hv_console_write
tests_unit_test_hv_console_write_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_console_write_SOURCES = tests/unit/test_hv_console_write.c \
	hypervisor/hypercall.c hypervisor/hc_console.c
tests_unit_test_hv_console_write_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS) -lpthread

# XENMEM_decrease_reservation's continuation, through the real dispatcher
# and handler.
check_PROGRAMS += tests/unit/test_hv_memory_op
TESTS += tests/unit/test_hv_memory_op
tests_unit_test_hv_memory_op_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
tests_unit_test_hv_memory_op_SOURCES = tests/unit/test_hv_memory_op.c \
	hypervisor/hypercall.c hypervisor/hc_memory.c hypervisor/gnttab.c
tests_unit_test_hv_memory_op_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS) -lpthread

# The guest's string routines, compiled for the host under other names.
check_PROGRAMS += tests/unit/test_guest_kstring
TESTS += tests/unit/test_guest_kstring
tests_unit_test_guest_kstring_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontends
tests_unit_test_guest_kstring_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_guest_kstring_SOURCES = tests/unit/test_guest_kstring.c
tests_unit_test_guest_kstring_LDADD = $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_hv_cgroup_cpu
TESTS += tests/unit/test_hv_cgroup_cpu
tests_unit_test_hv_cgroup_cpu_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_cgroup_cpu_SOURCES = tests/unit/test_hv_cgroup_cpu.c
tests_unit_test_hv_cgroup_cpu_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_hv_insn_complete
TESTS += tests/unit/test_hv_insn_complete
tests_unit_test_hv_insn_complete_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
tests_unit_test_hv_insn_complete_SOURCES = tests/unit/test_hv_insn_complete.c
tests_unit_test_hv_insn_complete_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS) -lpthread

check_PROGRAMS += tests/unit/test_hv_balloon
TESTS += tests/unit/test_hv_balloon
tests_unit_test_hv_balloon_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_balloon_SOURCES = tests/unit/test_hv_balloon.c
tests_unit_test_hv_balloon_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_hv_evtchn
TESTS += tests/unit/test_hv_evtchn
tests_unit_test_hv_evtchn_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_evtchn_SOURCES = tests/unit/test_hv_evtchn.c
tests_unit_test_hv_evtchn_LDADD = hypervisor/libhvcore.a dom0/libxenctl.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_hv_gnttab
TESTS += tests/unit/test_hv_gnttab
tests_unit_test_hv_gnttab_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
tests_unit_test_hv_gnttab_SOURCES = tests/unit/test_hv_gnttab.c hypervisor/gnttab.c
tests_unit_test_hv_gnttab_LDADD = hypervisor/libhvcore.a dom0/libxenctl.a $(CHECK_LIBS) -lpthread

check_PROGRAMS += tests/unit/test_hv_hvm_param
TESTS += tests/unit/test_hv_hvm_param
tests_unit_test_hv_hvm_param_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hv_hvm_param_SOURCES = tests/unit/test_hv_hvm_param.c
tests_unit_test_hv_hvm_param_LDADD = hypervisor/libhvcore.a $(CHECK_LIBS)
