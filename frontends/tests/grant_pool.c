/*
 * grant-pool (benchmark helper): grants 256 contiguous pages of RAM to
 * Dom0 as consecutive refs, announces them, and waits to be destroyed.
 * bench/grant-map and bench/grant-copy map and copy them. The pages sit
 * above the kernel, at 16 MiB, so the image's BSS stays small.
 */
#include "kernel/console.h"
#include "kernel/gnttab.h"
#include "kernel/start_info.h"
#include "kernel/time.h"
#include "tests/registry.h"

#define POOL_PAGES 256
#define POOL_BASE (16ull << 20)
#define POOL_TAG 0x6e610000u
#define WAIT_NS (600ull * NS_PER_SEC)

void test_grant_pool(struct test *t)
{
	if (gnttab_init() != 0) {
		test_fail(t, "grant table set-up failed");
		return;
	}
	if (start_info_ram_end() < POOL_BASE + POOL_PAGES * 4096ull) {
		test_fail(t, "needs RAM up to 17 MiB");
		return;
	}
	long first = -1;
	for (unsigned i = 0; i < POOL_PAGES; i++) {
		volatile uint32_t *page = (volatile uint32_t *)(POOL_BASE + i * 4096ull);
		page[0] = POOL_TAG + i;
		long ref = gnttab_grant_access(0, (POOL_BASE >> 12) + i, false);
		if (ref < 0 || (first >= 0 && ref != first + i)) {
			test_fail(t, "refs are not consecutive (page %u got %ld)", i, ref);
			return;
		}
		if (first < 0)
			first = ref;
	}
	kprintf("grant-pool: first=%ld count=%u gfn=%llx\n", first, POOL_PAGES,
		(unsigned long long)(POOL_BASE >> 12));
	sleep_ns(WAIT_NS);
}
