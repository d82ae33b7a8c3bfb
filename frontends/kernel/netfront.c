#include <xen/errno.h>

#include "arch/atomic.h"
#include "kernel/console.h"
#include "kernel/evtchn.h"
#include "kernel/gnttab.h"
#include "kernel/netfront.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "lib/format.h"
#include "lib/kstring.h"

static void on_event(evtchn_port_t port, void *arg)
{
	(void)port;
	struct netfront *nf = arg;
	nf->events++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool netfront_parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0 || (i < 5 && s[2] != ':') || (i == 5 && s[2]))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 3;
	}
	return true;
}

static void post_rx(struct netfront *nf, uint16_t id)
{
	netif_rx_request_t *req = RING_GET_REQUEST(&nf->rx, nf->rx.req_prod_pvt);
	req->id = id;
	req->gref = nf->rx_gref[id];
	nf->rx.req_prod_pvt++;
}

void netfront_kick(struct netfront *nf)
{
	int notify_tx, notify_rx;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->tx, notify_tx);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->rx, notify_rx);
	if (notify_tx || notify_rx)
		evtchn_send(nf->port);
}

static bool backend_connected(enum xenbus_state s)
{
	return s == XenbusStateConnected || s >= XenbusStateClosing;
}

static bool backend_waiting(enum xenbus_state s)
{
	return s >= XenbusStateInitWait;
}

static long grant_pages(struct netfront *nf, uint8_t **bufs, grant_ref_t *refs, unsigned n,
			bool readonly)
{
	for (unsigned i = 0; i < n; i++) {
		bufs[i] = page_alloc_zeroed();
		if (!bufs[i])
			return -XEN_ENOMEM;
		long ref = gnttab_grant_access(nf->dev.otherend_id, page_gfn(bufs[i]), readonly);
		if (ref < 0)
			return -XEN_ENOSPC;
		refs[i] = (grant_ref_t)ref;
	}
	return 0;
}

struct keys {
	struct netfront *qs;
	unsigned nq;
};

/* One queue's keys: at the device's top level for a single queue, under
 * queue-N/ for several (io/netif.h, "Multi-queue"). */
static long write_queue_keys(uint32_t tx, const struct netfront *q, unsigned idx, unsigned nq)
{
	char key[32];
	const char *names[] = {"tx-ring-ref", "rx-ring-ref", "event-channel"};
	uint64_t values[] = {q->tx_ring_ref, q->rx_ring_ref, q->port};
	for (unsigned i = 0; i < 3; i++) {
		if (nq > 1)
			ksnprintf(key, sizeof(key), "queue-%u/%s", idx, names[i]);
		else
			ksnprintf(key, sizeof(key), "%s", names[i]);
		long rc = xenbus_dev_write_u64(&q->dev, tx, key, values[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static long write_keys(uint32_t tx, void *arg)
{
	struct keys *k = arg;
	const struct xenbus_dev *d = &k->qs[0].dev;
	long rc;
	for (unsigned i = 0; i < k->nq; i++)
		if ((rc = write_queue_keys(tx, &k->qs[i], i, k->nq)) < 0)
			return rc;
	if ((k->nq > 1 && (rc = xenbus_dev_write_u64(d, tx, "multi-queue-num-queues", k->nq)) < 0) ||
	    (rc = xenbus_dev_write(d, tx, "request-rx-copy", "1")) < 0 ||
	    (rc = xenbus_dev_write(d, tx, "feature-rx-notify", "1")) < 0 ||
	    (rc = xenbus_dev_write(d, tx, "feature-sg", "0")) < 0 ||
	    (rc = xenbus_dev_write(d, tx, "feature-no-csum-offload", "1")) < 0)
		return rc;
	return 0;
}

/* A queue's rings, buffers (granted once) and event channel. */
static long setup_queue(struct netfront *nf)
{
	netif_tx_sring_t *txs = page_alloc_zeroed();
	netif_rx_sring_t *rxs = page_alloc_zeroed();
	if (!txs || !rxs)
		return -XEN_ENOMEM;
	SHARED_RING_INIT(txs);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&nf->tx, txs, PAGE_SIZE);
	FRONT_RING_INIT(&nf->rx, rxs, PAGE_SIZE);
	long tref = gnttab_grant_access(nf->dev.otherend_id, page_gfn(txs), false);
	long rref = gnttab_grant_access(nf->dev.otherend_id, page_gfn(rxs), false);
	if (tref < 0 || rref < 0)
		return -XEN_ENOSPC;
	nf->tx_ring_ref = (grant_ref_t)tref;
	nf->rx_ring_ref = (grant_ref_t)rref;
	long rc;
	if ((rc = grant_pages(nf, nf->tx_buf, nf->tx_gref, NETFRONT_TX_SLOTS, true)) < 0 ||
	    (rc = grant_pages(nf, nf->rx_buf, nf->rx_gref, NETFRONT_RX_SLOTS, false)) < 0) {
		kprintf("netfront: cannot grant the buffers (%ld)\n", rc);
		return rc;
	}
	nf->tx_nfree = NETFRONT_TX_SLOTS;
	for (unsigned i = 0; i < NETFRONT_TX_SLOTS; i++)
		nf->tx_free[i] = (uint16_t)(NETFRONT_TX_SLOTS - 1 - i);
	for (unsigned i = 0; i < NETFRONT_RX_SLOTS; i++)
		post_rx(nf, (uint16_t)i);
	RING_PUSH_REQUESTS(&nf->rx);
	rc = evtchn_alloc_unbound(nf->dev.otherend_id, &nf->port);
	if (rc < 0)
		return rc;
	evtchn_set_handler(nf->port, on_event, nf);
	evtchn_unmask(nf->port);
	return 0;
}

long netfront_connect_queues(struct netfront *qs, unsigned nq, uint32_t devid,
			     uint64_t timeout_ns)
{
	char buf[64];
	struct netfront *nf = &qs[0];
	long rc = xenbus_dev_open(&nf->dev, "vif", devid);
	if (rc < 0) {
		kprintf("netfront: no device/vif/%u (%ld)\n", devid, rc);
		return rc;
	}
	rc = xenbus_dev_read(&nf->dev, "mac", buf, sizeof(buf));
	if (rc < 0 || !netfront_parse_mac(buf, nf->mac)) {
		kprintf("netfront: vif %u has no valid mac\n", devid);
		return rc < 0 ? rc : -XEN_EINVAL;
	}
	/* The backend makes its tap before it listens. */
	rc = xenbus_dev_wait_other(&nf->dev, backend_waiting, timeout_ns);
	if (rc < 0) {
		kprintf("netfront: backend %s never reached InitWait (%ld)\n", nf->dev.otherend, rc);
		return rc;
	}
	if (nq > 1) {
		uint64_t max = 1;
		xenbus_dev_read_other_u64(&nf->dev, "multi-queue-max-queues", 1, &max);
		if (max < nq) {
			kprintf("netfront: backend offers %lu queues, not %u\n", (unsigned long)max, nq);
			return -XEN_EOPNOTSUPP;
		}
	}
	for (unsigned i = 0; i < nq; i++) {
		if (i) {
			qs[i].dev = nf->dev;
			memcpy(qs[i].mac, nf->mac, 6);
		}
		if ((rc = setup_queue(&qs[i])) < 0)
			return rc;
	}
	struct keys k = {.qs = qs, .nq = nq};
	rc = xenbus_transact(write_keys, &k, 5);
	if (rc < 0) {
		kprintf("netfront: cannot write the ring keys (%ld)\n", rc);
		return rc;
	}
	xenbus_dev_switch_state(&nf->dev, XenbusStateConnected);
	rc = xenbus_dev_wait_other(&nf->dev, backend_connected, timeout_ns);
	if (rc < 0 || rc != XenbusStateConnected) {
		kprintf("netfront: backend %s did not connect (%ld)\n", nf->dev.otherend, rc);
		return rc < 0 ? rc : -XEN_EIO;
	}
	return 0;
}

long netfront_send(struct netfront *nf, const void *frame, size_t len)
{
	if (len > PAGE_SIZE || len == 0)
		return -XEN_EINVAL;
	uint16_t id;
	uint8_t *buf = netfront_tx_claim(nf, &id);
	if (!buf)
		return -XEN_EAGAIN;
	memcpy(buf, frame, len);
	netfront_tx_queue(nf, id, len, NETTXF_data_validated);
	return 0;
}

void netfront_reap_tx(struct netfront *nf)
{
	int more;
	do {
		RING_IDX prod = nf->tx.sring->rsp_prod;
		xen_rmb();
		for (RING_IDX i = nf->tx.rsp_cons; i != prod; i++) {
			netif_tx_response_t *r = RING_GET_RESPONSE(&nf->tx, i);
			if (r->status == NETIF_RSP_NULL)
				continue;
			if (r->status != NETIF_RSP_OKAY)
				nf->tx_errors++;
			else
				nf->tx_packets++;
			if (r->id < NETFRONT_TX_SLOTS && nf->tx_nfree < NETFRONT_TX_SLOTS)
				nf->tx_free[nf->tx_nfree++] = r->id;
		}
		nf->tx.rsp_cons = prod;
		RING_FINAL_CHECK_FOR_RESPONSES(&nf->tx, more);
	} while (more);
}

unsigned netfront_poll(struct netfront *nf, netfront_rx_fn fn, void *arg)
{
	unsigned got = 0;
	int more;
	netfront_reap_tx(nf);
	do {
		RING_IDX prod = nf->rx.sring->rsp_prod;
		xen_rmb();
		for (RING_IDX i = nf->rx.rsp_cons; i != prod; i++) {
			netif_rx_response_t r = *RING_GET_RESPONSE(&nf->rx, i);
			if (r.id >= NETFRONT_RX_SLOTS)
				continue;
			if (r.status > 0 && r.offset + (unsigned)r.status <= PAGE_SIZE &&
			    !(r.flags & NETRXF_more_data)) {
				nf->rx_packets++;
				got++;
				if (fn)
					fn(arg, nf->rx_buf[r.id] + r.offset, (size_t)r.status);
			} else {
				nf->rx_errors++;
			}
			post_rx(nf, r.id);
		}
		nf->rx.rsp_cons = prod;
		RING_FINAL_CHECK_FOR_RESPONSES(&nf->rx, more);
	} while (more);
	netfront_kick(nf);
	return got;
}

void netfront_wait(struct netfront *nf, uint64_t timeout_ns)
{
	uint32_t seen = nf->events;
	if (RING_HAS_UNCONSUMED_RESPONSES(&nf->rx))
		return;
	block_until(time_now() + timeout_ns);
	timer_stop_singleshot();
	(void)seen;
}
