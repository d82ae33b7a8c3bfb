/*
 * The guest's netfront (io/netif.h): one vif, its tx and rx rings, one
 * event channel (a struct netfront per queue when the vif has several). Receive buffers are whole pages granted to the backend
 * once and posted again after each packet (the backend copies into
 * them: request-rx-copy); transmit buffers are pages granted read-only
 * once, the frame copied in. No scatter-gather, no offloads: frames fit
 * a page and carry their checksums.
 *
 * Uses xenbus to connect, so vCPU 0 only; the rings are polled, the
 * event channel only wakes a blocked vCPU.
 */
#ifndef FRONTENDS_KERNEL_NETFRONT_H
#define FRONTENDS_KERNEL_NETFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/xenbus_dev.h"
#include "kernel/xen_ring.h"
#include <xen/io/netif.h>

#define NETFRONT_TX_SLOTS 256
#define NETFRONT_RX_SLOTS 256

struct netfront {
	struct xenbus_dev dev;
	uint8_t mac[6];
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	grant_ref_t tx_ring_ref, rx_ring_ref;
	evtchn_port_t port;
	volatile uint32_t events;
	uint8_t *tx_buf[NETFRONT_TX_SLOTS];
	grant_ref_t tx_gref[NETFRONT_TX_SLOTS];
	uint16_t tx_free[NETFRONT_TX_SLOTS];
	unsigned tx_nfree;
	uint8_t *rx_buf[NETFRONT_RX_SLOTS];
	grant_ref_t rx_gref[NETFRONT_RX_SLOTS];
	uint64_t tx_packets, tx_errors, rx_packets, rx_errors;
};

/* Connects device/vif/<devid> with nq queues (io/netif.h multi-queue):
 * rings, grants, keys, state Connected, and waits (timeout_ns) for the
 * backend to be Connected. qs[0..nq-1] are each a queue with its own
 * rings, buffers and event channel, and qs[0] holds the device's dev and
 * mac; the backend must offer as many (multi-queue-max-queues). A
 * queue's event channel notifies vCPU 0 until evtchn_bind_vcpu. 0, or a
 * negative XEN_E* value with a reason printed. */
long netfront_connect_queues(struct netfront *qs, unsigned nq, uint32_t devid,
			     uint64_t timeout_ns);

/* Queues one frame (len <= a page); -XEN_EAGAIN when every tx slot is
 * in flight (call netfront_poll to reap), -XEN_EINVAL when too long. */
long netfront_send(struct netfront *nf, const void *frame, size_t len);

/* Building a frame in place (no copy, for the benchmark's sender): the
 * buffer of a free tx slot, or NULL when every slot is in flight; then
 * queue it with NETTXF_* flags (push with netfront_kick). */
static inline uint8_t *netfront_tx_claim(struct netfront *nf, uint16_t *id)
{
	if (!nf->tx_nfree || RING_FULL(&nf->tx))
		return NULL;
	*id = nf->tx_free[--nf->tx_nfree];
	return nf->tx_buf[*id];
}

static inline void netfront_tx_queue(struct netfront *nf, uint16_t id, size_t len,
				     uint16_t flags)
{
	netif_tx_request_t *req = RING_GET_REQUEST(&nf->tx, nf->tx.req_prod_pvt);
	req->gref = nf->tx_gref[id];
	req->offset = 0;
	req->flags = flags;
	req->id = id;
	req->size = (uint16_t)len;
	nf->tx.req_prod_pvt++;
}
/* Takes the backend's tx answers back (slots free again). */
void netfront_reap_tx(struct netfront *nf);

typedef void (*netfront_rx_fn)(void *arg, const uint8_t *frame, size_t len);

/* Reaps tx responses, hands each received frame to fn, posts the
 * buffers again. The number of frames received. */
unsigned netfront_poll(struct netfront *nf, netfront_rx_fn fn, void *arg);

/* Blocks until the event channel fires or timeout_ns passes. */
void netfront_wait(struct netfront *nf, uint64_t timeout_ns);

/* Tell the backend about queued requests. */
void netfront_kick(struct netfront *nf);

/* "00:16:3e:01:02:03" into mac; false when malformed. */
bool netfront_parse_mac(const char *s, uint8_t mac[6]);

#endif
