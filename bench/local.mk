# Dom0-side programs the benchmarks drive (bench/*).
noinst_PROGRAMS += bench/xenolith-bench-evtchn
bench_xenolith_bench_evtchn_SOURCES = bench/src/evtchn_pingpong.c
bench_xenolith_bench_evtchn_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += bench/xenolith-bench-grant
bench_xenolith_bench_grant_SOURCES = bench/src/grant_bench.c
bench_xenolith_bench_grant_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += bench/xenolith-bench-create-line
bench_xenolith_bench_create_line_SOURCES = bench/src/create_line.c
