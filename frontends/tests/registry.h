#ifndef FRONTENDS_TESTS_REGISTRY_H
#define FRONTENDS_TESTS_REGISTRY_H

#include <stddef.h>

#include "tests/runner.h"

struct test_case {
	const char *name;
	void (*run)(struct test *t);
};

/* The test called name[0..len), or NULL. */
const struct test_case *test_find(const char *name, size_t len);

void test_hypercalls(struct test *t);
void test_cpuid(struct test *t);
void test_memmap(struct test *t);
void test_triple_fault(struct test *t);
void test_hostile(struct test *t);
void test_bench_hcall(struct test *t);
void test_evtchn(struct test *t);
void test_timers(struct test *t);
void test_pvclock(struct test *t);
void test_smp(struct test *t);
void test_grants(struct test *t);
void test_grant_probe(struct test *t);
void test_dom0_peer(struct test *t);
void test_evtchn_echo(struct test *t);
void test_raw_echo(struct test *t);
void test_grant_pool(struct test *t);
void test_wait_shutdown(struct test *t);
void test_xenbus(struct test *t);
void test_xenbus_hostile(struct test *t);
void test_blk(struct test *t);
void test_hostile_blk(struct test *t);
void test_blk_reconnect(struct test *t);
void test_blk_bench(struct test *t);
void test_blk_hotplug(struct test *t);
void test_net(struct test *t);
void test_net_blast(struct test *t);
void test_hostile_net(struct test *t);
void test_console(struct test *t);
void test_console_flood(struct test *t);
void test_console_hostile(struct test *t);
void test_balloon(struct test *t);
void test_balloon_touch(struct test *t);
void test_maxmem_touch(struct test *t);
void test_memory_storm(struct test *t);
void test_evtchn_latency(struct test *t);
void test_service(struct test *t);

#endif
