/*
 * The XenStore client against xenolith-stored over the domain's ring.
 *
 * `xenbus` walks the requests a frontend makes (read, write, directory,
 * rm, a transaction, a refused write, a watch) and then waits for Dom0:
 * it prints exactly
 *   xenbus: waiting for data/poke
 * and passes once Dom0 writes "poked" to data/poke within
 * XENBUS_POKE_TIMEOUT_SEC.
 *
 * `xenbus-hostile` breaks the ring's indices on purpose, prints
 *   xenbus-hostile: corrupted
 * and passes if the daemon answers nothing more on this ring: it must
 * drop a connection whose indices make no sense rather than trust them.
 */
#include <xen/errno.h>

#include "arch/atomic.h"
#include "arch/cpu.h"
#include "kernel/console.h"
#include "kernel/hypercall.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "tests/evt_util.h"
#include "tests/registry.h"

#define XENBUS_POKE_TIMEOUT_SEC 30
#define XENBUS_SILENCE_SEC 2
/* Commits lost to other writers before the transaction gives up. */
#define TX_TRIES 5

static bool store_ready(struct test *t)
{
	if (!events_ready(t))
		return false;
	long rc = xenbus_init();
	if (rc == -XEN_ENOENT)
		return check(t, false,
			     "no XenStore: HVM_PARAM_STORE_PFN is 0 (the "
			     "toolstack did not give this domain a store "
			     "ring)");
	CHECK_EQ(t, rc, 0, "xenbus_init (STORE_PFN %#lx, STORE_EVTCHN %u)",
		 (unsigned long)xenbus_store_gfn(), xenbus_store_port());
	return !rc;
}

static uint32_t cpuid_domid(void)
{
	return cpuid(xen_cpuid_base() + 4, 0).ecx;
}

/* Event paths come back as the watch was registered, relative here;
 * an absolute form of the same node is accepted too. */
static bool path_is(const char *got, const char *rel)
{
	char abs[96];

	ksnprintf(abs, sizeof(abs), "/local/domain/%u/%s", cpuid_domid(),
		  rel);
	return !strcmp(got, rel) || !strcmp(got, abs);
}

static void identity(struct test *t)
{
	char buf[128];
	long rc = xenbus_read(0, "name", buf, sizeof(buf));

	CHECK_EQ(t, rc >= 0 ? 0 : rc, 0, "read name");
	if (rc >= 0)
		test_info("xenbus: name \"%s\"", buf);

	rc = xenbus_read(0, "domid", buf, sizeof(buf));
	CHECK_EQ(t, rc >= 0 ? 0 : rc, 0, "read domid");
	if (rc < 0)
		return;
	uint32_t v = 0;
	bool digits = buf[0] != '\0';
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9')
			digits = false;
		else
			v = v * 10 + (uint32_t)(*p - '0');
	}
	if (check(t, digits, "domid \"%s\" is not a number", buf))
		CHECK_EQ(t, v, cpuid_domid(),
			 "domid in XenStore vs CPUID %#x ecx",
			 xen_cpuid_base() + 4);
}

static void read_write_rm(struct test *t)
{
	char buf[128];

	CHECK_EQ(t, xenbus_write(0, "data/test", "hello"), 0,
		 "write data/test");
	long rc = xenbus_read(0, "data/test", buf, sizeof(buf));
	CHECK_EQ(t, rc, 5, "read data/test (length)");
	if (rc >= 0)
		check(t, !strcmp(buf, "hello"),
		      "data/test reads \"%s\", wrote \"hello\"", buf);

	long n = xenbus_directory(0, "data", buf, sizeof(buf));
	if (check(t, n >= 0, "directory data: %ld", n))
		check(t, xenbus_dir_has(buf, n, "test"),
		      "directory data (%ld entries) lacks test", n);

	CHECK_EQ(t, xenbus_rm(0, "data/test"), 0, "rm data/test");
	CHECK_EQ(t, xenbus_read(0, "data/test", buf, sizeof(buf)),
		 -XEN_ENOENT, "read data/test after rm");
}

/* Longer than the ring, so the request and the reply each wrap it and
 * wait for the other side to make room; within the default entry-size
 * quota (2048). */
#define BIG_LEN 1500
static char big[BIG_LEN + 1], big_back[BIG_LEN + 1];

static void big_value(struct test *t)
{
	for (unsigned i = 0; i < BIG_LEN; i++)
		big[i] = (char)('a' + i % 26);
	big[BIG_LEN] = '\0';
	CHECK_EQ(t, xenbus_write(0, "data/big", big), 0,
		 "write %u bytes to data/big", BIG_LEN);
	long rc = xenbus_read(0, "data/big", big_back, sizeof(big_back));
	CHECK_EQ(t, rc, BIG_LEN, "read data/big (length)");
	if (rc == BIG_LEN)
		check(t, !memcmp(big, big_back, BIG_LEN),
		      "data/big reads back different bytes");
	CHECK_EQ(t, xenbus_rm(0, "data/big"), 0, "rm data/big");
}

static long tx_body(uint32_t tx, void *arg)
{
	char buf[32];
	long rc = xenbus_read(tx, "data/tx", buf, sizeof(buf));
	unsigned *runs = arg;

	(*runs)++;
	/* Absent is the expected first state; present is fine too. */
	if (rc < 0 && rc != -XEN_ENOENT)
		return rc;
	return xenbus_write(tx, "data/tx", "1");
}

static void transaction(struct test *t)
{
	unsigned runs = 0;
	char buf[32];

	CHECK_EQ(t, xenbus_transact(tx_body, &runs, TX_TRIES), 0,
		 "transaction on data/tx (%u runs)", runs);
	long rc = xenbus_read(0, "data/tx", buf, sizeof(buf));
	CHECK_EQ(t, rc, 1, "read data/tx after the commit (length)");
	if (rc >= 0)
		check(t, !strcmp(buf, "1"), "data/tx reads \"%s\" after the "
		      "commit, expected \"1\"", buf);
}

static void refused(struct test *t)
{
	CHECK_EQ(t, xenbus_write(0, "/local/domain/0/x", "no"), -XEN_EACCES,
		 "write /local/domain/0/x (Dom0's)");
}

static void watch(struct test *t)
{
	struct xenbus_event ev;
	char buf[32];
	long rc = xenbus_watch("data/poke", "poke");

	CHECK_EQ(t, rc, 0, "watch data/poke");
	if (rc)
		return;
	rc = xenbus_wait_event(&ev, XENBUS_TIMEOUT_NS);
	CHECK_EQ(t, rc, 0, "the watch's registration event");
	if (!rc)
		check(t, path_is(ev.path, "data/poke") &&
			      !strcmp(ev.token, "poke"),
		      "first event: path \"%s\" token \"%s\", expected "
		      "data/poke, poke",
		      ev.path, ev.token);

	kprintf("xenbus: waiting for data/poke\n");
	uint64_t deadline = time_now() + XENBUS_POKE_TIMEOUT_SEC * NS_PER_SEC;
	unsigned seen = 0;
	bool poked = false;
	while (!poked) {
		uint64_t now = time_now();

		if (now >= deadline)
			break;
		if (xenbus_wait_event(&ev, deadline - now))
			break;
		seen++;
		if (!path_is(ev.path, "data/poke") || strcmp(ev.token, "poke"))
			continue;
		rc = xenbus_read(0, "data/poke", buf, sizeof(buf));
		poked = rc >= 0 && !strcmp(buf, "poked");
	}
	check(t, poked,
	      "no event on data/poke with the value \"poked\" in %u s (%u "
	      "events, %u dropped)",
	      XENBUS_POKE_TIMEOUT_SEC, seen, xenbus_events_dropped());
	CHECK_EQ(t, xenbus_unwatch("data/poke", "poke"), 0,
		 "unwatch data/poke");
}

void test_xenbus(struct test *t)
{
	if (!store_ready(t))
		return;
	identity(t);
	read_write_rm(t);
	big_value(t);
	transaction(t);
	refused(t);
	watch(t);
}

struct silence {
	struct xenstore_domain_interface *intf;
	XENSTORE_RING_IDX rsp_prod;
};

static bool answered(void *arg)
{
	struct silence *s = arg;

	return READ_ONCE(s->intf->rsp_prod) != s->rsp_prod;
}

/* A read of "domid" written straight into req[] at req_prod, past
 * whatever the indices say: the client refuses to use a ring in this
 * state, and the point is to see whether the daemon still does. */
static void raw_request(struct xenstore_domain_interface *intf)
{
	static const char path[] = "domid";
	struct xsd_sockmsg hdr = {
		.type = XS_READ,
		.req_id = 0x484f5354,
		.len = sizeof(path),
	};
	char msg[sizeof(hdr) + sizeof(path)];
	XENSTORE_RING_IDX prod = READ_ONCE(intf->req_prod);

	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), path, sizeof(path));
	for (unsigned i = 0; i < sizeof(msg); i++)
		intf->req[MASK_XENSTORE_IDX(prod + i)] = msg[i];
	barrier();
	WRITE_ONCE(intf->req_prod, prod + (XENSTORE_RING_IDX)sizeof(msg));
}

void test_xenbus_hostile(struct test *t)
{
	char buf[32];

	if (!store_ready(t))
		return;
	long rc = xenbus_read(0, "domid", buf, sizeof(buf));
	CHECK_EQ(t, rc >= 0 ? 0 : rc, 0, "read domid on the sane ring");
	if (rc < 0)
		return;

	/* Both directions: more requests than the ring holds, and more
	 * replies consumed than were produced. Either alone must be enough
	 * for the daemon to give up on the ring. */
	struct xenstore_domain_interface *intf = xenbus_interface();
	XENSTORE_RING_IDX req_cons = READ_ONCE(intf->req_cons);
	XENSTORE_RING_IDX rsp_prod = READ_ONCE(intf->rsp_prod);
	WRITE_ONCE(intf->req_prod, req_cons + 3 * XENSTORE_RING_SIZE);
	WRITE_ONCE(intf->rsp_cons, rsp_prod + 2 * XENSTORE_RING_SIZE);
	CHECK_EQ(t, xenbus_notify(), 0, "notify after corrupting");
	kprintf("xenbus-hostile: corrupted\n");

	struct silence s = { intf, READ_ONCE(intf->rsp_prod) };
	raw_request(intf);
	CHECK_EQ(t, xenbus_notify(), 0, "notify the further request");
	check(t, !wait_for(answered, &s, XENBUS_SILENCE_SEC * NS_PER_SEC),
	      "the daemon answered on the corrupted ring (rsp_prod %u -> "
	      "%u)",
	      s.rsp_prod, READ_ONCE(intf->rsp_prod));
	test_info("xenbus-hostile: ring error field %u, connection %u, "
		  "server features %#x",
		  READ_ONCE(intf->error), READ_ONCE(intf->connection),
		  READ_ONCE(intf->server_features));

	/* The client's own check: it will not use the ring either. */
	CHECK_EQ(t, xenbus_read(0, "domid", buf, sizeof(buf)), -XEN_EIO,
		 "client read on the corrupted ring");
}
