# Helper programs the integration tests (tests/integration/) and the
# benchmarks (bench/) drive, all in tests/tools/: none is installed.

# Waits until a domain has shut down or crashed and prints its final
# state (tests/integration/lib.sh, bench/blk-lib.sh).
noinst_PROGRAMS += tests/tools/xenolith-domwait
tests_tools_xenolith_domwait_SOURCES = tests/tools/domwait.c
tests_tools_xenolith_domwait_LDADD = dom0/libxenctl.a

# Instruction completion on a real vCPU, the emulation-failure exit staged.
noinst_PROGRAMS += tests/tools/xenolith-insn-kvm
tests_tools_xenolith_insn_kvm_SOURCES = tests/tools/insn_kvm.c hypervisor/vcpu_insn.c
tests_tools_xenolith_insn_kvm_LDADD = hypervisor/libhvcore.a

noinst_PROGRAMS += tests/tools/xenolith-privcmd-abuse
tests_tools_xenolith_privcmd_abuse_SOURCES = tests/tools/privcmd_abuse.c
tests_tools_xenolith_privcmd_abuse_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += tests/tools/xenolith-evtchn-peer
tests_tools_xenolith_evtchn_peer_SOURCES = tests/tools/evtchn_peer.c
tests_tools_xenolith_evtchn_peer_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += tests/tools/xenolith-grant-after-destroy
tests_tools_xenolith_grant_after_destroy_SOURCES = tests/tools/grant_after_destroy.c
tests_tools_xenolith_grant_after_destroy_LDADD = dom0/libxenctl.a

# The block tests' data pattern, host side (frontends/lib/blkpattern.h).
noinst_PROGRAMS += tests/tools/xenolith-blkpattern
tests_tools_xenolith_blkpattern_SOURCES = tests/tools/blkpattern.c

# The Dom0 end of the network tests and benchmark (ping, UDP echo, sink).
noinst_PROGRAMS += tests/tools/xenolith-netprobe
tests_tools_xenolith_netprobe_SOURCES = tests/tools/netprobe.c

# What xenstore-utils lacks (CONTROL, domain verbs) and raw-protocol abuse,
# for the integration tests (tests/integration/test_xenstore_*.sh).
noinst_PROGRAMS += tests/tools/xenolith-xs-tool
tests_tools_xenolith_xs_tool_SOURCES = tests/tools/xs_tool.c
tests_tools_xenolith_xs_tool_LDADD = -lxenstore

# Shows or scribbles on a domain's store ring page from Dom0, for the
# ring integration test (tests/integration/test_xenstore_rings.sh).
noinst_PROGRAMS += tests/tools/xenolith-xs-ring
tests_tools_xenolith_xs_ring_SOURCES = tests/tools/xs_ring_tool.c
tests_tools_xenolith_xs_ring_LDADD = dom0/libxenctl.a

# The XenStore benchmarks' driver (bench/xenstore-ops, xenstore-introduce):
# Debian's libxenstore as the client.
noinst_PROGRAMS += tests/tools/xenolith-xs-bench
tests_tools_xenolith_xs_bench_SOURCES = tests/tools/xs_bench.c
tests_tools_xenolith_xs_bench_LDADD = -lxenstore -lpthread

# bench/evtchn-pingpong and bench/grant-copy, grant-map.
noinst_PROGRAMS += tests/tools/xenolith-bench-evtchn
tests_tools_xenolith_bench_evtchn_SOURCES = tests/tools/evtchn_pingpong.c
tests_tools_xenolith_bench_evtchn_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += tests/tools/xenolith-bench-grant
tests_tools_xenolith_bench_grant_SOURCES = tests/tools/grant_bench.c
tests_tools_xenolith_bench_grant_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += tests/tools/xenolith-bench-create-line
tests_tools_xenolith_bench_create_line_SOURCES = tests/tools/create_line.c

# Preloaded into Debian's C xenstored and oxenstored by bench/xenstore-ops:
# the Xen they see runs domain 0 alone. A shared object, so position-
# independent, and without sanitizers (its hosts have none).
noinst_PROGRAMS += tests/tools/xenolith-bench-xen-standin.so
tests_tools_xenolith_bench_xen_standin_so_SOURCES = tests/tools/xen_dom0_standin.c
tests_tools_xenolith_bench_xen_standin_so_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -fPIC
tests_tools_xenolith_bench_xen_standin_so_LDFLAGS = -shared
tests_tools_xenolith_bench_xen_standin_so_LDADD = -ldl

# The floor under bench/create-first-line: a bare KVM VM to its first exit.
noinst_PROGRAMS += tests/tools/xenolith-bench-kvm-first-exit
tests_tools_xenolith_bench_kvm_first_exit_SOURCES = tests/tools/kvm_first_exit.c

# The baseline of bench/balloon: the same pages punched from a memory file.
noinst_PROGRAMS += tests/tools/xenolith-bench-punch
tests_tools_xenolith_bench_punch_SOURCES = tests/tools/punch_pages.c
