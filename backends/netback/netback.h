/*
 * xenolith-netback: moves packets between each vif's netif rings (in the
 * guest) and its tap device (in Dom0), by grant copy in both directions.
 * One libuv loop serves every vif: a tap fd to poll per vif, one event
 * channel handle and one XenStore connection for all.
 */
#ifndef XENOLITH_NETBACK_H
#define XENOLITH_NETBACK_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include <xenstore.h>

#include "backends/common/ring_barrier.h"
#include <xen/io/netif.h>

#include "backends/common/xenbus_backend.h"
#include "backends/netback/rate.h"
#include "dom0/xenevtchn.h"
#include "dom0/xengnttab.h"

#define NB_PATH_MAX 128
#define NB_IFNAME_MAX 16

struct netback;
struct vif;

/* As many queues as a frontend may ask for (multi-queue-max-queues). */
#define NB_MAX_QUEUES 4

/* One queue of a vif: its tx and rx rings and event channels. */
struct vq {
    struct vif *v;
    unsigned idx;
    bool mapped;
    netif_tx_back_ring_t tx;
    netif_rx_back_ring_t rx;
    void *tx_page, *rx_page;
    evtchn_port_t port;       /* ours; tx and rx share it ... */
    evtchn_port_t port_rx;    /* ... unless the channels are split */
};

/* What the frontend wrote for one queue. */
struct vq_keys {
    grant_ref_t tx_ref, rx_ref;
    evtchn_port_t evt, evt_rx;
};

struct vif {
    struct vif *next;
    struct netback *nb;
    struct xbb_dev *dev;      /* NULL once removed */
    uint32_t domid, devid;
    char ifname[NB_IFNAME_MAX];
    int tap_fd;
    uv_poll_t tap_poll;
    bool tap_poll_init, tap_polling;
    uv_timer_t kick;          /* work right after connecting */

    bool connected;
    bool fe_sg;
    unsigned nq;
    struct vq q[NB_MAX_QUEUES];

    struct rate rate;
    uv_timer_t rate_timer;
    bool rate_timer_init, rate_waiting;

    /* A packet read from the tap that waits for rx slots. */
    uint8_t *pending;
    size_t pending_len;

    uint64_t tx_packets, tx_errors, rx_packets, rx_dropped;
    uint64_t warnings;        /* messages about the guest's bad requests */
    int closing_handles;      /* uv handles to see closed before freeing */
};

struct netback {
    uv_loop_t *loop;
    struct xbb *xbb;
    xenevtchn_handle *xce;
    uv_poll_t evt_poll;
    xengnttab_handle *xgt;
    struct vif *vifs;
    /* Scratch space for a batch's copies and frames. */
    xengnttab_grant_copy_segment_t *segs;
    uint8_t *buf;
};

void nb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vif.c: the rings. */
/* Maps each queue's rings and binds its channels (the keys read by
 * xenbus.c); 0 or -1 with the reason in err, nothing left mapped. The ring
 * indices are taken from what is on the shared pages, so a restarted
 * netback carries on where the guest is. */
int vif_connect(struct vif *v, const struct vq_keys *keys, unsigned nq, char *err,
                size_t errlen);
void vif_disconnect(struct vif *v);
/* The guest broke the protocol: this vif stops, nothing else does. */
void vif_fail(struct vif *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vif_tx_work(struct vq *q);
/* Frames from the tap to the guest, each on its flow's queue. */
void vif_rx_work(struct vif *v);
void vif_start_tap(struct vif *v);
struct vq *vq_by_port(struct netback *nb, evtchn_port_t port);

/* xenbus.c: the vif's XenStore side. */
int nb_xs_start(struct netback *nb);
void nb_xs_stop(struct netback *nb);

#endif
