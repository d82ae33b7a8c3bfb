# Dom0-side programs the benchmarks drive (bench/*).
noinst_PROGRAMS += bench/xenolith-bench-evtchn
bench_xenolith_bench_evtchn_SOURCES = bench/src/evtchn_pingpong.c
bench_xenolith_bench_evtchn_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += bench/xenolith-bench-grant
bench_xenolith_bench_grant_SOURCES = bench/src/grant_bench.c
bench_xenolith_bench_grant_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += bench/xenolith-bench-create-line
bench_xenolith_bench_create_line_SOURCES = bench/src/create_line.c

# Preloaded into Debian's C xenstored and oxenstored by bench/xenstore-ops:
# the Xen they see runs domain 0 alone. A shared object, so position-
# independent, and without sanitizers (its hosts have none).
noinst_PROGRAMS += bench/xenolith-bench-xen-standin.so
bench_xenolith_bench_xen_standin_so_SOURCES = bench/src/xen_dom0_standin.c
bench_xenolith_bench_xen_standin_so_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -fPIC
bench_xenolith_bench_xen_standin_so_LDFLAGS = -shared
bench_xenolith_bench_xen_standin_so_LDADD = -ldl

# The floor under bench/create-first-line: a bare KVM VM to its first exit.
noinst_PROGRAMS += bench/xenolith-bench-kvm-first-exit
bench_xenolith_bench_kvm_first_exit_SOURCES = bench/src/kvm_first_exit.c

# The baseline of bench/balloon: the same pages punched from a memory file.
noinst_PROGRAMS += bench/xenolith-bench-punch
bench_xenolith_bench_punch_SOURCES = bench/src/punch_pages.c
