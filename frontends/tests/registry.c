#include "lib/kstring.h"
#include "tests/registry.h"

static const struct test_case tests[] = {
	{ "hypercalls", test_hypercalls },
	{ "cpuid", test_cpuid },
	{ "memmap", test_memmap },
	{ "triple-fault", test_triple_fault },
	{ "hostile", test_hostile },
	{ "bench-hcall", test_bench_hcall },
	{ "evtchn", test_evtchn },
	{ "timers", test_timers },
	{ "pvclock", test_pvclock },
	{ "smp", test_smp },
	{ "grants", test_grants },
	{ "grant-probe", test_grant_probe },
	{ "dom0-peer", test_dom0_peer },
	{ "evtchn-echo", test_evtchn_echo },
	{ "raw-echo", test_raw_echo },
	{ "grant-pool", test_grant_pool },
	{ "wait-shutdown", test_wait_shutdown },
	{ "xenbus", test_xenbus },
	{ "xenbus-hostile", test_xenbus_hostile },
	{ "blk", test_blk },
	{ "hostile-blk", test_hostile_blk },
	{ "blk-reconnect", test_blk_reconnect },
	{ "blk-bench", test_blk_bench },
	{ "blk-hotplug", test_blk_hotplug },
	{ "net", test_net },
	{ "net-blast", test_net_blast },
	{ "hostile-net", test_hostile_net },
	{ "console", test_console },
	{ "console-flood", test_console_flood },
	{ "console-hostile", test_console_hostile },
	{ "balloon", test_balloon },
	{ "balloon-touch", test_balloon_touch },
	{ "maxmem-touch", test_maxmem_touch },
	{ "memory-storm", test_memory_storm },
	{ "evtchn-latency", test_evtchn_latency },
	{ "service", test_service },
};

const struct test_case *test_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (strlen(tests[i].name) == len &&
		    !strncmp(tests[i].name, name, len))
			return &tests[i];
	return NULL;
}
