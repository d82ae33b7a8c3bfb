/*
 * The vif's side of the XenbusState walk (backends/common/xenbus_backend
 * does the walking): probe makes the tap and advertises what this
 * backend implements; connect reads the frontend's ring refs and event
 * channels and maps them; a restarted netback's connect (reconnect) finds
 * the same keys and the rings as the guest left them.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/netback/netback.h"
#include "backends/netback/tap.h"

/* What this backend implements, and so what it advertises: grant copy
 * into the guest's buffers, packets over several slots both ways, split
 * event channels, several queues (a guest with several vCPUs can send
 * and receive on each without sharing a ring). No GSO: no segmentation
 * is done here. */
static const struct {
    const char *key, *value;
} features[] = {
    {"feature-rx-copy", "1"},       {"feature-rx-flip", "0"},
    {"feature-sg", "1"},            {"feature-gso-tcpv4", "0"},
    {"feature-gso-tcpv6", "0"},     {"feature-ipv6-csum-offload", "0"},
    {"feature-split-event-channels", "1"},
};

static void on_closed(uv_handle_t *h)
{
    struct vif *v = h->data;
    if (--v->closing_handles == 0)
        free(v);
}

static int nb_probe(struct xbb_dev *d)
{
    struct netback *nb = xbb_ctx(d->be);
    struct vif *v = d->priv;
    if (!v) {
        v = calloc(1, sizeof(*v));
        if (!v) {
            xbb_fail(d, "out of memory");
            return -1;
        }
        v->nb = nb;
        v->dev = d;
        v->domid = d->domid;
        v->devid = d->devid;
        v->tap_fd = -1;
        char *name = xbb_read_back(d, "vifname");
        if (name && *name)
            snprintf(v->ifname, sizeof(v->ifname), "%s", name);
        else
            snprintf(v->ifname, sizeof(v->ifname), "vif%u.%u", d->domid, d->devid);
        free(name);
        char *rate = xbb_read_back(d, "rate");
        if (!rate_parse(&v->rate, rate))
            xbb_log(d, "ignoring malformed rate \"%s\" (want BYTES,USECS)", rate);
        free(rate);
        char err[256];
        v->tap_fd = tap_open(v->ifname, err, sizeof(err));
        if (v->tap_fd < 0) {
            free(v);
            xbb_fail(d, "%s", err);
            return -1;
        }
        uv_timer_init(nb->loop, &v->kick);
        v->kick.data = v;
        d->priv = v;
        v->next = nb->vifs;
        nb->vifs = v;
    }
    for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
        xbb_write_back(d, features[i].key, "%s", features[i].value);
    xbb_write_back(d, "multi-queue-max-queues", "%d", NB_MAX_QUEUES);
    xbb_log(d, "%s for %s", v->ifname, d->fpath);
    return 0;
}

/* One queue's ring refs and channels: under dir ("" for the keys of a
 * single queue, "queue-N/" for several). 0, or -1 after xbb_fail. */
static int read_queue(struct xbb_dev *d, const char *dir, struct vq_keys *k)
{
    char key[64];
    unsigned long tx, rx, evt, evt_rx;
#define KEY(name) (snprintf(key, sizeof(key), "%s%s", dir, name), key)
    if (xbb_read_front_uint(d, KEY("tx-ring-ref"), UINT32_MAX, &tx) < 0 ||
        xbb_read_front_uint(d, KEY("rx-ring-ref"), UINT32_MAX, &rx) < 0) {
        xbb_fail(d, "frontend %s has no valid %stx-ring-ref and rx-ring-ref", d->fpath, dir);
        return -1;
    }
    if (xbb_read_front_uint(d, KEY("event-channel"), UINT32_MAX, &evt) == 0) {
        evt_rx = evt;
    } else if (xbb_read_front_uint(d, KEY("event-channel-tx"), UINT32_MAX, &evt) < 0 ||
               xbb_read_front_uint(d, KEY("event-channel-rx"), UINT32_MAX, &evt_rx) < 0) {
        xbb_fail(d, "frontend %s has no valid %sevent-channel", d->fpath, dir);
        return -1;
    }
#undef KEY
    *k = (struct vq_keys){.tx_ref = (grant_ref_t)tx, .rx_ref = (grant_ref_t)rx,
                          .evt = (evtchn_port_t)evt, .evt_rx = (evtchn_port_t)evt_rx};
    return 0;
}

static int nb_connect(struct xbb_dev *d, bool reconnect)
{
    struct vif *v = d->priv;
    unsigned long copy = 0, queues = 1, sg = 0;
    if (xbb_read_front_uint(d, "request-rx-copy", 1, &copy) < 0 || !copy) {
        xbb_fail(d, "frontend %s does not request rx-copy (page flipping is not supported)",
                 d->fpath);
        return -1;
    }
    if (xbb_read_front_uint(d, "multi-queue-num-queues", 1024, &queues) == 0 &&
        (queues < 1 || queues > NB_MAX_QUEUES)) {
        xbb_fail(d, "frontend %s asks for %lu queues; 1 to %d were offered", d->fpath, queues,
                 NB_MAX_QUEUES);
        return -1;
    }
    struct vq_keys keys[NB_MAX_QUEUES];
    for (unsigned i = 0; i < queues; i++) {
        char dir[32] = "";
        if (queues > 1)
            snprintf(dir, sizeof(dir), "queue-%u/", i);
        if (read_queue(d, dir, &keys[i]) < 0)
            return -1;
    }
    (void)xbb_read_front_uint(d, "feature-sg", 1, &sg);
    v->fe_sg = sg;
    char err[256];
    if (vif_connect(v, keys, (unsigned)queues, err, sizeof(err)) < 0) {
        xbb_fail(d, "%s", err);
        return -1;
    }
    xbb_log(d, "%s (%s, %lu queue%s; queue 0: tx ring %u, rx ring %u, event channel %u%s)",
            reconnect ? "reconnected" : "connected", v->ifname, queues, queues > 1 ? "s" : "",
            keys[0].tx_ref, keys[0].rx_ref, keys[0].evt, v->fe_sg ? ", sg" : "");
    return 0;
}

static void nb_disconnect(struct xbb_dev *d)
{
    if (d->priv)
        vif_disconnect(d->priv);
}

static void nb_remove(struct xbb_dev *d)
{
    struct vif *v = d->priv;
    if (!v)
        return;
    struct netback *nb = v->nb;
    xbb_log(d, "removed (%s); tx %" PRIu64 " packets (%" PRIu64 " errors), rx %" PRIu64
            " packets (%" PRIu64 " dropped)", v->ifname, v->tx_packets, v->tx_errors,
            v->rx_packets, v->rx_dropped);
    vif_disconnect(v);
    for (struct vif **pp = &nb->vifs; *pp; pp = &(*pp)->next)
        if (*pp == v) {
            *pp = v->next;
            break;
        }
    tap_destroy(v->tap_fd);
    v->tap_fd = -1;
    v->dev = NULL;
    d->priv = NULL;
    v->closing_handles = 1 + (v->tap_poll_init ? 1 : 0) + (v->rate_timer_init ? 1 : 0);
    uv_close((uv_handle_t *)&v->kick, on_closed);
    if (v->tap_poll_init)
        uv_close((uv_handle_t *)&v->tap_poll, on_closed);
    if (v->rate_timer_init)
        uv_close((uv_handle_t *)&v->rate_timer, on_closed);
}

static const struct xbb_ops vif_ops = {
    .type = "vif",
    .daemon = "xenolith-netback",
    .probe = nb_probe,
    .connect = nb_connect,
    .disconnect = nb_disconnect,
    .remove = nb_remove,
    .wait_hotplug = true,
};

int nb_xs_start(struct netback *nb)
{
    nb->xbb = xbb_open(nb->loop, &vif_ops, nb);
    return nb->xbb ? 0 : -1;
}

void nb_xs_stop(struct netback *nb)
{
    /* Taps stay (persistent) and the backend's keys stay: a netback
     * started later attaches to the same rings. */
    for (struct vif *v = nb->vifs; v; v = v->next)
        vif_disconnect(v);
}
