/*
 * The network tests, driven from Dom0 (tests/integration/test_net*.sh):
 *
 *   net        connects every vif (every device/vif/N), prints
 *                net: vif N connected mac M ip I
 *              and serves ping and UDP echo (port echo_port=, default 7)
 *              until the toolstack asks for poweroff or reboot through
 *              control/shutdown. Vifs the toolstack attaches meanwhile
 *              are connected too; one it detaches is closed. With
 *              net_queues=2 vif 0 has two queues, both served. With
 *              net_ping=IP it pings that peer until it answers and prints
 *                net: ping IP: reply
 *   net-blast  the benchmark's sender: blast=IP:PORT, blast_secs= (5),
 *              blast_queues= (1: with more, each vCPU sends on its own
 *              queue of the vif),
 *              blast_size= (1400 bytes of UDP payload, at most a page
 *              less the headers); prints what it
 *              sent. Dom0 measures what arrived.
 *
 * The guest's address is the vif's ip= (the backend's ip key), else
 * ip= on the command line.
 */
#include <xen/errno.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/gnttab.h"
#include "kernel/ipstack.h"
#include "kernel/netfront.h"
#include "kernel/page_alloc.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "kernel/xenbus_dev.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "tests/evt_util.h"
#include "tests/net_util.h"
#include "tests/registry.h"

#define NET_VIFS 2
#define CONNECT_TIMEOUT_NS (60 * NS_PER_SEC)
#define SERVE_LIMIT_NS (600 * NS_PER_SEC)
#define PING_EVERY_NS (500 * NS_PER_MS)

/* vif 0 may have several queues (net_queues=); the others have one. */
#define NET_QUEUES 2
static struct netfront nfs[NET_VIFS][NET_QUEUES];
static unsigned nqs[NET_VIFS];
static struct ipstack stacks[NET_VIFS];
static uint32_t vif_ids[NET_VIFS];
static bool vif_up[NET_VIFS], vif_closed[NET_VIFS];
static unsigned nvifs;

static void format_ip(char *buf, size_t len, uint32_t ip)
{
	ksnprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		  ip & 0xff);
}

bool net_prepare(struct test *t)
{
	if (!events_ready(t))
		return false;
	if (xenbus_init() < 0) {
		test_fail(t, "no XenStore: the vifs cannot be found");
		return false;
	}
	if (gnttab_init() < 0 || !page_alloc_init()) {
		test_fail(t, "no grant table or page allocator");
		return false;
	}
	return true;
}

long net_open_vif(struct test *t, struct netfront *nf, struct ipstack *s, uint32_t devid)
{
	return net_open_vif_queues(t, nf, 1, s, devid);
}

long net_open_vif_queues(struct test *t, struct netfront *nf, unsigned nq, struct ipstack *s,
			 uint32_t devid)
{
	long rc = netfront_connect_queues(nf, nq, devid, CONNECT_TIMEOUT_NS);
	if (rc == -XEN_ENODEV) {
		kprintf("net: vif %u went away before it connected\n", devid);
		return rc;
	}
	if (rc < 0) {
		test_fail(t, "vif %u did not connect (%ld)", devid, rc);
		return rc;
	}
	char buf[64];
	uint32_t ip = 0;
	long n = xenbus_dev_read_other(&nf->dev, "ip", buf, sizeof(buf));
	if (n <= 0 || !ipstack_parse_ip(buf, &ip)) {
		const char *c = cmdline_value("ip");
		if (!c || !ipstack_parse_ip(c, &ip)) {
			test_fail(t, "vif %u has no ip= and the command line has none", devid);
			return -XEN_EINVAL;
		}
	}
	uint64_t port = 7;
	cmdline_u64("echo_port", &port);
	ipstack_init(s, nf, ip, (uint16_t)port);
	char ips[20];
	format_ip(ips, sizeof(ips), ip);
	kprintf("net: vif %u connected mac %02x:%02x:%02x:%02x:%02x:%02x ip %s%s\n", devid,
		nf->mac[0], nf->mac[1], nf->mac[2], nf->mac[3], nf->mac[4], nf->mac[5], ips,
		nq > 1 ? " (several queues)" : "");
	return 0;
}

static bool has_vif(uint32_t id)
{
	for (unsigned i = 0; i < nvifs; i++)
		if (vif_ids[i] == id)
			return true;
	return false;
}

static void watch_backend(unsigned i)
{
	char path[XENBUS_DEV_PATH_MAX + 8];
	ksnprintf(path, sizeof(path), "%s/state", nfs[i][0].dev.otherend);
	xenbus_watch(path, "vif-backend");
}

/* Connects vifs we do not have yet (up to NET_VIFS). */
static void find_vifs(struct test *t)
{
	uint32_t ids[XENBUS_DEV_MAX];
	long n = xenbus_dev_list("vif", ids, XENBUS_DEV_MAX);
	for (long k = 0; k < n && nvifs < NET_VIFS; k++) {
		if (has_vif(ids[k]))
			continue;
		unsigned i = nvifs++;
		vif_ids[i] = ids[k];
		uint64_t nq = 1;
		if (i == 0 && cmdline_u64("net_queues", &nq) && (nq < 1 || nq > NET_QUEUES)) {
			test_fail(t, "net_queues must be 1 to %d", NET_QUEUES);
			nq = 1;
		}
		nqs[i] = (unsigned)nq;
		long rc = net_open_vif_queues(t, nfs[i], nqs[i], &stacks[i], ids[k]);
		if (rc == 0) {
			vif_up[i] = true;
			watch_backend(i);
		} else if (rc == -XEN_ENODEV) {
			nvifs--; /* a device of that id that comes back is a new one */
		}
	}
}

/* A backend the toolstack closes (network-detach): close our end too. */
static void check_backends(void)
{
	for (unsigned i = 0; i < nvifs; i++) {
		if (!vif_up[i] || vif_closed[i])
			continue;
		enum xenbus_state s = xenbus_dev_other_state(&nfs[i][0].dev);
		if (s == XenbusStateClosing || s == XenbusStateClosed || s == XenbusStateUnknown) {
			xenbus_dev_switch_state(&nfs[i][0].dev, XenbusStateClosing);
			xenbus_dev_switch_state(&nfs[i][0].dev, XenbusStateClosed);
			vif_closed[i] = true;
			kprintf("net: vif %u closed (backend state %d)\n", vif_ids[i], (int)s);
		}
	}
}

static void print_stats(void)
{
	for (unsigned i = 0; i < nvifs; i++) {
		kprintf("net: vif %u: %lu ping replies, %lu udp echoes\n", vif_ids[i],
			(unsigned long)stacks[i].icmp_replies, (unsigned long)stacks[i].udp_echoes);
		for (unsigned q = 0; q < nqs[i]; q++)
			kprintf("net: vif %u queue %u: rx %lu tx %lu\n", vif_ids[i], q,
				(unsigned long)nfs[i][q].rx_packets,
				(unsigned long)nfs[i][q].tx_packets);
	}
}

/* True when the toolstack asked us to stop (and we acknowledged). */
static bool shutdown_requested(void)
{
	char value[32];
	long n = xenbus_read(0, "control/shutdown", value, sizeof(value));
	if (n <= 0)
		return false;
	value[n < (long)sizeof(value) ? n : (long)sizeof(value) - 1] = '\0';
	if (!strcmp(value, "poweroff"))
		runner_shutdown_reason = SHUTDOWN_poweroff;
	else if (!strcmp(value, "reboot"))
		runner_shutdown_reason = SHUTDOWN_reboot;
	else
		return false;
	xenbus_write(0, "control/shutdown", "");
	kprintf("net: %s requested\n", value);
	return true;
}

void test_net(struct test *t)
{
	if (!net_prepare(t))
		return;
	xenbus_write(0, "control/feature-poweroff", "1");
	xenbus_write(0, "control/feature-reboot", "1");
	xenbus_watch("control/shutdown", "shutdown");
	xenbus_watch("device/vif", "vifs");
	find_vifs(t);
	if (!nvifs || !vif_up[0]) {
		if (!t->failures)
			test_fail(t, "no vif to serve");
		return;
	}
	uint32_t peer = 0;
	const char *p = cmdline_value("net_ping");
	if (p && !ipstack_parse_ip(p, &peer)) {
		test_fail(t, "net_ping= is not an IPv4 address");
		return;
	}
	uint64_t start = time_now(), next_ping = start;
	uint16_t seq = 0;
	kprintf("net: serving\n");
	while (time_now() - start < SERVE_LIMIT_NS) {
		for (unsigned i = 0; i < nvifs; i++)
			if (vif_up[i] && !vif_closed[i])
				for (unsigned q = 0; q < nqs[i]; q++)
					netfront_poll(&nfs[i][q], ipstack_input, &stacks[i]);
		if (peer) {
			if (stacks[0].pong && stacks[0].pong_from == peer) {
				char ips[20];
				format_ip(ips, sizeof(ips), peer);
				kprintf("net: ping %s: reply seq %u\n", ips, stacks[0].pong_seq);
				peer = 0;
			} else if (time_now() >= next_ping) {
				ipstack_ping(&stacks[0], peer, ++seq);
				next_ping = time_now() + PING_EVERY_NS;
			}
		}
		struct xenbus_event ev;
		bool changed = false;
		while (xenbus_wait_event(&ev, 0) == 0) {
			if (!strcmp(ev.token, "shutdown") && shutdown_requested()) {
				print_stats();
				return;
			}
			changed = true;
		}
		if (changed) {
			find_vifs(t);
			check_backends();
		}
		netfront_wait(&nfs[0][0], peer ? 100 * NS_PER_MS : 500 * NS_PER_MS);
	}
	test_fail(t, "no shutdown request within %lu s",
		  (unsigned long)(SERVE_LIMIT_NS / NS_PER_SEC));
}

static bool parse_target(const char *s, uint32_t *ip, uint16_t *port)
{
	if (!s || !ipstack_parse_ip(s, ip))
		return false;
	const char *c = s;
	while (*c && *c != ':' && *c != ' ')
		c++;
	if (*c != ':')
		return false;
	uint32_t v = 0;
	for (c++; *c >= '0' && *c <= '9'; c++)
		v = v * 10 + (uint32_t)(*c - '0');
	if (!v || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* One queue's sender (on its own vCPU when there are several). */
struct blast {
	struct netfront *nf;
	size_t flen;
	uint64_t end, sent, waits;
};

static void blast_queue(void *arg)
{
	struct blast *b = arg;
	struct netfront *nf = b->nf;
	uint64_t sent = 0, waits = 0;
	for (;;) {
		if ((sent & 63) == 0 && time_now() >= b->end)
			break;
		uint16_t id;
		uint8_t *buf = netfront_tx_claim(nf, &id);
		if (!buf) {
			netfront_kick(nf);
			netfront_poll(nf, NULL, NULL);
			buf = netfront_tx_claim(nf, &id);
		}
		if (!buf) {
			waits++;
			if (time_now() >= b->end)
				break;
			netfront_wait(nf, 10 * NS_PER_MS);
			continue;
		}
		/* The sequence number, big-endian, in one store. */
		*(uint32_t *)(buf + IPSTACK_UDP_PAYLOAD) = __builtin_bswap32((uint32_t)sent);
		netfront_tx_queue(nf, id, b->flen, NETTXF_csum_blank | NETTXF_data_validated);
		if ((++sent & 63) == 0)
			netfront_kick(nf);
	}
	netfront_kick(nf);
	b->sent = sent;
	b->waits = waits;
}

#define BLAST_MAX_QUEUES 4
static struct netfront blast_qs[BLAST_MAX_QUEUES];

void test_net_blast(struct test *t)
{
	uint32_t dst;
	uint16_t port;
	if (!parse_target(cmdline_value("blast"), &dst, &port)) {
		test_fail(t, "blast=IP:PORT is missing or malformed");
		return;
	}
	uint64_t secs = 5, size = 1400, nq = 1;
	cmdline_u64("blast_secs", &secs);
	cmdline_u64("blast_size", &size);
	cmdline_u64("blast_queues", &nq);
	/* The frame stays within one tx page (the vif's MTU must allow it). */
	if (size < 16 || size > PAGE_SIZE - IPSTACK_UDP_PAYLOAD) {
		test_fail(t, "blast_size must be 16 to %lu", PAGE_SIZE - IPSTACK_UDP_PAYLOAD);
		return;
	}
	if (nq < 1 || nq > BLAST_MAX_QUEUES) {
		test_fail(t, "blast_queues must be 1 to %d", BLAST_MAX_QUEUES);
		return;
	}
	if (!net_prepare(t))
		return;
	/* A queue per vCPU: each sends on its own ring. */
	if (nq > 1) {
		char why[128];
		unsigned online = smp_start(why, sizeof(why));
		if (online < nq) {
			test_fail(t, "blast_queues=%lu needs as many vCPUs; %u online (%s)",
				  (unsigned long)nq, online, why);
			return;
		}
	}
	if (net_open_vif_queues(t, blast_qs, (unsigned)nq, &stacks[0], 0) < 0)
		return;
	for (unsigned i = 1; i < nq; i++)
		evtchn_bind_vcpu(blast_qs[i].port, i);
	static uint8_t payload[PAGE_SIZE];
	for (unsigned i = 0; i < size; i++)
		payload[i] = (uint8_t)i;
	/* Dom0's address first: the sink is there before we start. */
	struct netfront *nf = &blast_qs[0];
	uint64_t until = time_now() + 30 * NS_PER_SEC;
	uint8_t mac[6];
	while (!ipstack_resolve(&stacks[0], dst, mac) && time_now() < until) {
		for (unsigned i = 0; i < nq; i++)
			netfront_poll(&blast_qs[i], ipstack_input, &stacks[0]);
		netfront_wait(nf, 200 * NS_PER_MS);
	}
	/*
	 * Every tx buffer holds the frame once, its UDP checksum left to the
	 * backend (NETTXF_csum_blank); a datagram then costs a sequence
	 * number and a ring slot. The guest's instructions are what is
	 * scarce here (on PVM every one is slow), not the ring.
	 */
	static struct blast b[BLAST_MAX_QUEUES];
	for (unsigned q = 0; q < nq; q++) {
		b[q].nf = &blast_qs[q];
		for (unsigned i = 0; i < NETFRONT_TX_SLOTS; i++)
			b[q].flen = ipstack_build_udp(&stacks[0], blast_qs[q].tx_buf[i], mac, dst, port,
						      port, payload, size, true);
	}
	kprintf("net-blast: sending on %lu queue%s\n", (unsigned long)nq, nq > 1 ? "s" : "");
	uint64_t start = time_now();
	for (unsigned q = 0; q < nq; q++)
		b[q].end = start + secs * NS_PER_SEC;
	for (unsigned q = 1; q < nq; q++)
		if (!smp_call_post(q, blast_queue, &b[q]))
			test_fail(t, "cannot start the sender on vCPU %u", q);
	blast_queue(&b[0]);
	uint64_t sent = b[0].sent, waits = b[0].waits;
	for (unsigned q = 1; q < nq; q++) {
		if (!smp_call_wait(q, 30 * NS_PER_SEC))
			test_fail(t, "the sender on vCPU %u did not finish", q);
		sent += b[q].sent;
		waits += b[q].waits;
	}
	uint64_t ns = time_now() - start;
	kprintf("net-blast: sent %lu datagrams of %lu bytes in %lu ms (%lu waits for slots)\n",
		(unsigned long)sent, (unsigned long)size, (unsigned long)(ns / NS_PER_MS),
		(unsigned long)waits);
	check(t, sent > 0, "nothing was sent");
}
