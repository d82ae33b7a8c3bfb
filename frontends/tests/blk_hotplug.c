/*
 * blk-hotplug: a disk attached and detached while the guest runs. The
 * guest waits (a watch on device/vbd) for the toolstack's block-attach,
 * connects, writes blk_seed's pattern over the first 64 sectors and reads
 * it back, prints "blk-hotplug: attached", and waits for the backend to
 * close (block-detach), closes its side and prints "blk-hotplug:
 * detached".
 */
#include <xen/errno.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "lib/blkpattern.h"
#include "lib/format.h"
#include "tests/blk_util.h"
#include "tests/registry.h"

#define WAIT_NS (120ull * 1000000000ull)
#define NSECT 64

static struct blkfront bf;
static uint8_t buf[NSECT * 512] __attribute__((aligned(4096)));

static bool closing(enum xenbus_state s)
{
	return s >= XenbusStateClosing || s == XenbusStateUnknown;
}

void test_blk_hotplug(struct test *t)
{
	if (!blk_prepare(t))
		return;
	uint64_t seed = 5;
	cmdline_u64("blk_seed", &seed);
	long rc = xenbus_watch("device/vbd", "blk-hotplug");
	if (!check(t, rc >= 0, "watch device/vbd: %ld", rc))
		return;
	kprintf("blk-hotplug: waiting\n");
	/* A device can show up and go again (an attach whose hotplug script
	 * failed): one whose backend closes instead of waiting is passed
	 * over, and the watch waited on again. */
	uint32_t ids[4];
	long n = 0, rc2 = -1;
	uint64_t deadline = time_now() + WAIT_NS;
	while (time_now() < deadline) {
		n = xenbus_dev_list("vbd", ids, 4);
		if (n > 0) {
			struct blkfront_opts o = {.ring_order = -1};
			rc2 = blkfront_connect(&bf, ids[0], &o, WAIT_NS);
			if (rc2 == 0)
				break;
			test_info("blk-hotplug: vbd %u did not connect (%ld); waiting for another",
				  ids[0], rc2);
		}
		struct xenbus_event ev;
		xenbus_wait_event(&ev, NS_PER_SEC);
	}
	xenbus_unwatch("device/vbd", "blk-hotplug");
	if (!check(t, rc2 == 0, "no disk was attached and connected"))
		return;
	for (unsigned i = 0; i < NSECT; i++)
		blkpattern_fill(seed, i, buf + i * 512);
	struct blk_req w = {.op = BLKIF_OP_WRITE, .sector = 0, .nsectors = NSECT, .buf = buf};
	rc = blkfront_io(&bf, &w, WAIT_NS);
	if (!check(t, rc == BLKIF_RSP_OKAY, "write: %ld", rc))
		return;
	for (unsigned i = 0; i < NSECT * 512; i++)
		buf[i] = 0;
	struct blk_req r = {.op = BLKIF_OP_READ, .sector = 0, .nsectors = NSECT, .buf = buf};
	rc = blkfront_io(&bf, &r, WAIT_NS);
	if (!check(t, rc == BLKIF_RSP_OKAY, "read: %ld", rc))
		return;
	for (unsigned i = 0; i < NSECT; i++)
		if (!check(t, blkpattern_check(seed, i, buf + i * 512), "sector %u reads back wrong", i))
			return;
	kprintf("blk-hotplug: attached vbd %u\n", ids[0]);
	rc = xenbus_dev_wait_other(&bf.dev, closing, WAIT_NS);
	if (!check(t, rc >= XenbusStateClosing || rc == XenbusStateUnknown,
		   "the backend never closed (%ld)", rc))
		return;
	xenbus_dev_switch_state(&bf.dev, XenbusStateClosing);
	xenbus_dev_switch_state(&bf.dev, XenbusStateClosed);
	kprintf("blk-hotplug: detached\n");
}
