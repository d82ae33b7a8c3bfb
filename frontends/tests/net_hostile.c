/*
 * hostile-net: a guest that breaks the netif protocol on purpose, one
 * class of bad request at a time, and checks the backend's answer: a
 * receive buffer with a grant never given gets an error response; a
 * good packet over three slots goes (feature-sg); each
 * bad transmit packet is answered NETIF_RSP_ERROR on every slot,
 * after which a good packet still goes (the vif survived); finally the
 * producer index jumps more than a ring ahead, which must disconnect
 * this vif (backend state Closing). Prints
 *   hostile-net: <case>: <what the backend answered>
 * Dom0 checks that netback lives on and another guest's traffic too.
 */
#include <xen/errno.h>

#include "kernel/console.h"
#include "kernel/evtchn.h"
#include "kernel/gnttab.h"
#include "kernel/ipstack.h"
#include "kernel/netfront.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "kernel/xenbus_dev.h"
#include "lib/kstring.h"
#include "tests/net_util.h"
#include "tests/registry.h"

#define ANSWER_TIMEOUT_NS (20 * NS_PER_SEC)
#define TOO_MANY_SLOTS (XEN_NETIF_NR_SLOTS_MIN + 2)

static struct netfront nf;
static struct ipstack st;

/* One raw request on the tx ring, with an id of the netfront's pool. */
static void put_req(grant_ref_t gref, uint16_t offset, uint16_t flags, uint16_t id,
		    uint16_t size)
{
	netif_tx_request_t *r = RING_GET_REQUEST(&nf.tx, nf.tx.req_prod_pvt);
	r->gref = gref;
	r->offset = offset;
	r->flags = flags;
	r->id = id;
	r->size = size;
	nf.tx.req_prod_pvt++;
}

/* Pushes, then collects n responses; their statuses, or false on timeout. */
static bool answers(unsigned n, int16_t *status)
{
	netfront_kick(&nf);
	uint64_t until = time_now() + ANSWER_TIMEOUT_NS;
	unsigned got = 0;
	while (got < n && time_now() < until) {
		RING_IDX prod = nf.tx.sring->rsp_prod;
		xen_rmb();
		for (; nf.tx.rsp_cons != prod && got < n; nf.tx.rsp_cons++)
			status[got++] = RING_GET_RESPONSE(&nf.tx, nf.tx.rsp_cons)->status;
		if (got < n) {
			nf.tx.sring->rsp_event = nf.tx.rsp_cons + 1;
			mb();
			if (nf.tx.sring->rsp_prod == nf.tx.rsp_cons)
				netfront_wait(&nf, 100 * NS_PER_MS);
		}
	}
	return got == n;
}

static void expect_errors(struct test *t, const char *what, unsigned n)
{
	int16_t status[TOO_MANY_SLOTS];
	if (!answers(n, status)) {
		test_fail(t, "%s: no answer to all %u slots", what, n);
		return;
	}
	unsigned errors = 0;
	for (unsigned i = 0; i < n; i++)
		errors += status[i] == NETIF_RSP_ERROR;
	kprintf("hostile-net: %s: %u of %u slots answered NETIF_RSP_ERROR\n", what, errors, n);
	CHECK_EQ(t, errors, n, "%s: error responses", what);
}

/* A good frame (an ARP request) right after: the vif still works. */
static void expect_alive(struct test *t, const char *after)
{
	uint8_t *buf = nf.tx_buf[0];
	memset(buf, 0, 60);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, nf.mac, 6);
	buf[12] = 0x08;
	buf[13] = 0x06;
	put_req(nf.tx_gref[0], 0, 0, 0, 60);
	int16_t status;
	if (!answers(1, &status))
		test_fail(t, "after %s: a good packet got no answer", after);
	else
		CHECK_EQ(t, status, NETIF_RSP_OKAY, "after %s: a good packet's status", after);
}

/*
 * A receive buffer whose grant was never given: an unconsumed rx
 * request is rewritten (the guest may do so: the backend must copy it
 * when it takes it), then ARP requests to Dom0 make replies that fill
 * the ring up to it. Its response must say NETIF_RSP_ERROR.
 */
static void bad_rx_grant(struct test *t)
{
	uint32_t dom0_ip = (st.ip & 0xffffff00u) | 1;
	netfront_poll(&nf, NULL, NULL);
	RING_IDX at = nf.rx.sring->rsp_prod + 4;
	netif_rx_request_t *req = RING_GET_REQUEST(&nf.rx, at);
	uint16_t id = req->id;
	req->gref = GNTTAB_NR_ENTRIES - 1;
	mb();
	uint64_t until = time_now() + ANSWER_TIMEOUT_NS;
	while ((int)(nf.rx.sring->rsp_prod - at) <= 0 && time_now() < until) {
		uint8_t mac[6];
		ipstack_resolve(&st, dom0_ip, mac);
		st.arp[0].ip = st.arp[1].ip = 0; /* keep asking */
		netfront_wait(&nf, 200 * NS_PER_MS);
	}
	if ((int)(nf.rx.sring->rsp_prod - at) <= 0) {
		test_fail(t, "bad rx grant: no packet reached the rewritten slot");
		return;
	}
	netif_rx_response_t r = *RING_GET_RESPONSE(&nf.rx, at);
	kprintf("hostile-net: bad rx grant: response status %d\n", r.status);
	CHECK_EQ(t, r.status, NETIF_RSP_ERROR, "bad rx grant: the response's status");
	CHECK_EQ(t, r.id, id, "bad rx grant: the response's id");
	/* Posting the slot again takes the buffer's own grant. */
	netfront_poll(&nf, NULL, NULL);
}

/* A good packet over three slots (feature-sg): an ARP request for Dom0
 * in pieces of 20 bytes at odd offsets; every slot answered OKAY and
 * Dom0's reply arrives. */
static void good_sg_packet(struct test *t)
{
	uint32_t dom0_ip = (st.ip & 0xffffff00u) | 1;
	uint8_t f[60] = {0};
	memset(f, 0xff, 6);
	memcpy(f + 6, nf.mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	uint8_t *a = f + 14;
	a[1] = 1;
	a[2] = 0x08;
	a[4] = 6;
	a[5] = 4;
	a[7] = 1;
	memcpy(a + 8, nf.mac, 6);
	a[14] = (uint8_t)(st.ip >> 24);
	a[15] = (uint8_t)(st.ip >> 16);
	a[16] = (uint8_t)(st.ip >> 8);
	a[17] = (uint8_t)st.ip;
	a[24] = (uint8_t)(dom0_ip >> 24);
	a[25] = (uint8_t)(dom0_ip >> 16);
	a[26] = (uint8_t)(dom0_ip >> 8);
	a[27] = (uint8_t)dom0_ip;
	for (unsigned i = 0; i < 3; i++)
		memcpy(nf.tx_buf[i] + 100 + i, f + 20 * i, 20);
	put_req(nf.tx_gref[0], 100, NETTXF_more_data, 0, 60);
	put_req(nf.tx_gref[1], 101, NETTXF_more_data, 1, 20);
	put_req(nf.tx_gref[2], 102, 0, 2, 20);
	int16_t status[3];
	if (!answers(3, status)) {
		test_fail(t, "three-slot packet: no answer");
		return;
	}
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(t, status[i], NETIF_RSP_OKAY, "three-slot packet: slot %u's status", i);
	for (unsigned i = 0; i < IPSTACK_ARP_ENTRIES; i++)
		st.arp[i].ip = 0;
	uint64_t until = time_now() + ANSWER_TIMEOUT_NS;
	bool got = false;
	while (!got && time_now() < until) {
		netfront_poll(&nf, ipstack_input, &st);
		for (unsigned i = 0; i < IPSTACK_ARP_ENTRIES; i++)
			got |= st.arp[i].ip == dom0_ip;
		if (!got)
			netfront_wait(&nf, 100 * NS_PER_MS);
	}
	/* Our IP stack answered Dom0 while we waited (its ARP requests);
	 * those packets' responses must be taken now, or the next check
	 * would count them as its own. */
	until = time_now() + ANSWER_TIMEOUT_NS;
	while (nf.tx.rsp_cons != nf.tx.req_prod_pvt && time_now() < until) {
		netfront_reap_tx(&nf);
		if (nf.tx.rsp_cons != nf.tx.req_prod_pvt)
			netfront_wait(&nf, 100 * NS_PER_MS);
	}
	kprintf("hostile-net: three-slot packet: %s\n",
		got ? "all slots OKAY, Dom0 answered" : "no answer from Dom0");
	check(t, got, "three-slot packet: Dom0's ARP reply never came");
}

static bool backend_closing(enum xenbus_state s)
{
	return s >= XenbusStateClosing || s == XenbusStateUnknown;
}

void test_hostile_net(struct test *t)
{
	if (!net_prepare(t) || net_open_vif(t, &nf, &st, 0) < 0)
		return;
	bad_rx_grant(t);
	good_sg_packet(t);

	/* The pool's ids and grants are ours to abuse: nothing else sends. */
	for (unsigned i = 0; i < TOO_MANY_SLOTS; i++)
		put_req(nf.tx_gref[i], 0, i + 1 < TOO_MANY_SLOTS ? NETTXF_more_data : 0,
			(uint16_t)i, i ? 100 : (uint16_t)(100 * TOO_MANY_SLOTS));
	expect_errors(t, "too many slots", TOO_MANY_SLOTS);
	expect_alive(t, "too many slots");

	put_req(nf.tx_gref[1], 0, 0, 1, 5000);
	expect_errors(t, "size over a page", 1);
	expect_alive(t, "size over a page");

	put_req(nf.tx_gref[1], 4000, 0, 1, 200);
	expect_errors(t, "offset+size past the page", 1);
	expect_alive(t, "offset+size past the page");

	/* A ref this guest never granted. */
	put_req(GNTTAB_NR_ENTRIES - 1, 0, 0, 1, 60);
	expect_errors(t, "bad grant ref", 1);
	expect_alive(t, "bad grant ref");

	put_req(nf.tx_gref[1], 0, 0, 1, 10);
	expect_errors(t, "size smaller than a header", 1);
	expect_alive(t, "size smaller than a header");

	/* A GSO extra, which the backend did not offer: the packet is an
	 * error, its extra slot answered NETIF_RSP_NULL. */
	memset(nf.tx_buf[1], 0, 60);
	put_req(nf.tx_gref[1], 0, NETTXF_extra_info, 1, 60);
	netif_extra_info_t *ex = (netif_extra_info_t *)RING_GET_REQUEST(&nf.tx, nf.tx.req_prod_pvt);
	memset(ex, 0, sizeof(netif_tx_request_t));
	ex->type = XEN_NETIF_EXTRA_TYPE_GSO;
	ex->u.gso.size = 1400;
	ex->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	nf.tx.req_prod_pvt++;
	int16_t gso[2];
	if (answers(2, gso)) {
		kprintf("hostile-net: gso extra (not offered): statuses %d, %d\n", gso[0], gso[1]);
		CHECK_EQ(t, gso[0], NETIF_RSP_ERROR, "gso extra: the packet's status");
		CHECK_EQ(t, gso[1], NETIF_RSP_NULL, "gso extra: the extra's status");
	} else {
		test_fail(t, "gso extra: no answer");
	}
	expect_alive(t, "a gso extra");

	/* The producer more than a ring ahead of what the backend took. */
	mb();
	nf.tx.sring->req_prod = nf.tx.req_prod_pvt + RING_SIZE(&nf.tx) + 5;
	mb();
	evtchn_send(nf.port);
	long s = xenbus_dev_wait_other(&nf.dev, backend_closing, ANSWER_TIMEOUT_NS);
	kprintf("hostile-net: producer a ring ahead: backend state %ld\n", s);
	check(t, s == XenbusStateClosing || s == XenbusStateClosed,
	      "producer a ring ahead: the backend stayed in state %ld", s);
}
