/* The XenStore side of a backend daemon: device discovery through a
 * watch on backend/<type>, each frontend's state through a watch on its
 * state node, and the XenbusState walk (xenbus_backend.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/common/xenbus_backend.h"
#include "dom0/daemon.h"
#include "dom0/rundir.h"

#define MAX_DEVS 1024
#define BE_TOKEN "xbb-be"
#define FE_TOKEN_PREFIX "xbb-fe:"

struct xbb {
    uv_loop_t *loop;
    const struct xbb_ops *ops;
    void *ctx;
    struct xs_handle *xs;
    uv_poll_t poll;
    uv_timer_t kick_timer; /* xbb_kick's */
    char base[96]; /* /local/domain/0/backend/<type> */
    struct xbb_dev *devs[MAX_DEVS];
    unsigned ndevs;
};

/* A line in the daemon's log (daemon.h), as its own log function writes. */
static void say(const struct xbb_ops *ops, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const struct xbb_ops *ops, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    daemon_vlog(ops->daemon, fmt, ap);
    va_end(ap);
}

void xbb_log(struct xbb_dev *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    say(d->be->ops, "%s %u/%u: %s", d->be->ops->type, d->domid, d->devid, msg);
}

void *xbb_ctx(struct xbb *be)
{
    return be->ctx;
}

static char *read_at(struct xbb *be, const char *dir, const char *key)
{
    char p[320];
    snprintf(p, sizeof(p), "%s/%s", dir, key);
    unsigned len;
    return xs_read(be->xs, XBT_NULL, p, &len);
}

char *xbb_read_back(struct xbb_dev *d, const char *key)
{
    return read_at(d->be, d->bpath, key);
}

char *xbb_read_front(struct xbb_dev *d, const char *key)
{
    return d->fpath[0] ? read_at(d->be, d->fpath, key) : NULL;
}

/* The frontend is the guest's: its values are parsed strictly. */
static int parse_uint(char *v, unsigned long max, unsigned long *out)
{
    if (!v)
        return -1;
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    int ok = *v >= '0' && *v <= '9' && !*end && !errno && n <= max;
    free(v);
    if (!ok)
        return -1;
    *out = n;
    return 0;
}

int xbb_read_back_uint(struct xbb_dev *d, const char *key, unsigned long max, unsigned long *out)
{
    return parse_uint(xbb_read_back(d, key), max, out);
}

int xbb_read_front_uint(struct xbb_dev *d, const char *key, unsigned long max,
                        unsigned long *out)
{
    return parse_uint(xbb_read_front(d, key), max, out);
}

int xbb_write_back(struct xbb_dev *d, const char *key, const char *fmt, ...)
{
    char val[256], p[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(p, sizeof(p), "%s/%s", d->bpath, key);
    return xs_write(d->be->xs, XBT_NULL, p, val, strlen(val)) ? 0 : -1;
}

int xbb_set_state(struct xbb_dev *d, enum xenbus_state s)
{
    d->state = s;
    return xbb_write_back(d, "state", "%d", (int)s);
}

static void do_disconnect(struct xbb_dev *d)
{
    if (d->connected) {
        d->connected = false;
        d->be->ops->disconnect(d);
    }
}

void xbb_fail(struct xbb_dev *d, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    xbb_log(d, "%s", msg);
    xbb_write_back(d, "error", "%s", msg);
    do_disconnect(d);
    if (d->state != XenbusStateClosed)
        xbb_set_state(d, XenbusStateClosing);
}

static struct xbb_dev *find_dev(struct xbb *be, uint32_t domid, uint32_t devid)
{
    for (unsigned i = 0; i < be->ndevs; i++)
        if (be->devs[i]->domid == domid && be->devs[i]->devid == devid)
            return be->devs[i];
    return NULL;
}

static void fe_token(struct xbb_dev *d, char *buf, size_t len)
{
    snprintf(buf, len, FE_TOKEN_PREFIX "%u:%u", d->domid, d->devid);
}

static void destroy_dev(struct xbb_dev *d)
{
    struct xbb *be = d->be;
    do_disconnect(d);
    if (d->fpath[0]) {
        char p[160], tok[48];
        snprintf(p, sizeof(p), "%s/state", d->fpath);
        fe_token(d, tok, sizeof(tok));
        xs_unwatch(be->xs, p, tok);
    }
    be->ops->remove(d);
    for (unsigned i = 0; i < be->ndevs; i++)
        if (be->devs[i] == d) {
            be->devs[i] = be->devs[--be->ndevs];
            break;
        }
    free(d);
}

static int read_state(struct xbb *be, const char *dir)
{
    char *v = read_at(be, dir, "state");
    if (!v)
        return -1;
    int s = atoi(v);
    free(v);
    return s;
}

static bool busy(struct xbb_dev *d)
{
    return d->be->ops->busy && d->be->ops->busy(d);
}

static bool hotplug_done(struct xbb_dev *d)
{
    char *st = xbb_read_back(d, "hotplug-status");
    bool done = st && !strcmp(st, "connected");
    free(st);
    return done;
}

/* The walk for one device after anything about it changed. */
static void step(struct xbb_dev *d)
{
    struct xbb *be = d->be;
    int stored = read_state(be, d->bpath);
    int fs = read_state(be, d->fpath);
    d->fstate = fs < 0 ? XenbusStateClosed : (enum xenbus_state)fs;
    unsigned long online = 1;
    if (xbb_read_back_uint(d, "online", 1, &online) < 0)
        online = 1;

    /* The toolstack asks us to close by writing Closing over our state. */
    if (stored == XenbusStateClosing && d->state != XenbusStateClosing &&
        d->state != XenbusStateClosed) {
        do_disconnect(d);
        d->state = XenbusStateClosing;
    }
    if (d->state == XenbusStateClosing || d->state == XenbusStateClosed || !online) {
        switch (d->fstate) {
        case XenbusStateClosing:
        case XenbusStateClosed:
        case XenbusStateUnknown:
        case XenbusStateInitialising:
        case XenbusStateInitWait:
            do_disconnect(d);
            if (busy(d)) {
                /* Closed would let the frontend start over while the old
                 * ring's requests are in flight: Closing until xbb_kick. */
                if (d->state != XenbusStateClosing || stored != XenbusStateClosing)
                    xbb_set_state(d, XenbusStateClosing);
                break;
            }
            /* Also when the toolstack's Closing landed over our Closed. */
            if (d->state != XenbusStateClosed || stored != XenbusStateClosed)
                xbb_set_state(d, XenbusStateClosed);
            break;
        default:
            if (d->state != XenbusStateClosing || stored != XenbusStateClosing) {
                do_disconnect(d);
                xbb_set_state(d, XenbusStateClosing);
            }
            break;
        }
        /* A frontend starting over after a close gets a fresh device;
         * only after it closed too, so a device that failed stays
         * failed until then. */
        if ((d->state == XenbusStateClosed || d->state == XenbusStateClosing) &&
            (d->fstate == XenbusStateClosed || d->fstate == XenbusStateClosing))
            d->fe_closed = true;
        if (online && d->state == XenbusStateClosed && d->fe_closed &&
            d->fstate == XenbusStateInitialising) {
            d->fe_closed = false;
            xbb_write_back(d, "error", "%s", "");
            if (be->ops->probe(d) == 0)
                xbb_set_state(d, XenbusStateInitWait);
        }
        return;
    }

    switch (d->fstate) {
    case XenbusStateInitialised:
    case XenbusStateConnected:
        if (!d->connected && d->state == XenbusStateInitWait) {
            if (be->ops->wait_hotplug && !hotplug_done(d))
                break; /* the write of hotplug-status brings us back here */
            if (be->ops->connect(d, false) < 0) {
                if (d->state != XenbusStateClosing)
                    xbb_fail(d, "cannot connect to the frontend");
                return;
            }
            d->connected = true;
            xbb_set_state(d, XenbusStateConnected);
        }
        break;
    case XenbusStateClosing:
    case XenbusStateClosed:
        do_disconnect(d);
        xbb_set_state(d, d->fstate == XenbusStateClosed && !busy(d) ? XenbusStateClosed
                                                                   : XenbusStateClosing);
        break;
    default:
        break;
    }
}

static void on_kick(uv_timer_t *t)
{
    struct xbb *be = t->data;
    for (unsigned i = 0; i < be->ndevs; i++) {
        struct xbb_dev *d = be->devs[i];
        if (d->kicked) {
            d->kicked = false;
            step(d);
        }
    }
}

void xbb_kick(struct xbb_dev *d)
{
    d->kicked = true;
    uv_timer_start(&d->be->kick_timer, on_kick, 0, 0);
}

static void new_dev(struct xbb *be, uint32_t domid, uint32_t devid)
{
    if (be->ndevs >= MAX_DEVS)
        return;
    struct xbb_dev *d = calloc(1, sizeof(*d));
    if (!d)
        return;
    d->be = be;
    d->domid = domid;
    d->devid = devid;
    snprintf(d->bpath, sizeof(d->bpath), "%s/%u/%u", be->base, domid, devid);
    char *fe = read_at(be, d->bpath, "frontend");
    int stored = read_state(be, d->bpath);
    if (!fe || stored < 0) {
        /* Half written or half removed; a later event completes it. */
        free(fe);
        free(d);
        return;
    }
    char want[64];
    snprintf(want, sizeof(want), "/local/domain/%u/", domid);
    if (strncmp(fe, want, strlen(want)) || strlen(fe) >= sizeof(d->fpath)) {
        free(fe);
        free(d);
        return;
    }
    snprintf(d->fpath, sizeof(d->fpath), "%s", fe);
    free(fe);
    be->devs[be->ndevs++] = d;

    int fs = read_state(be, d->fpath);
    if (stored == XenbusStateConnected && fs == XenbusStateConnected) {
        /* A restarted daemon: the guest's rings are there to be served. */
        d->state = XenbusStateConnected;
        if (be->ops->probe(d) < 0 || be->ops->connect(d, true) < 0) {
            if (d->state != XenbusStateClosing)
                xbb_fail(d, "cannot reconnect to the frontend's rings");
        } else {
            d->connected = true;
            xbb_log(d, "reconnected");
        }
    } else if (stored == XenbusStateInitialising || stored == XenbusStateInitWait ||
               stored == XenbusStateConnected) {
        if (be->ops->probe(d) < 0) {
            if (d->state != XenbusStateClosing)
                xbb_set_state(d, XenbusStateClosed);
        } else {
            xbb_set_state(d, XenbusStateInitWait);
        }
    } else {
        d->state = (enum xenbus_state)stored;
    }

    char p[160], tok[48];
    snprintf(p, sizeof(p), "%s/state", d->fpath);
    fe_token(d, tok, sizeof(tok));
    xs_watch(be->xs, p, tok);
    step(d);
}

/* Something under backend/<type>/<domid>/<devid> changed. */
static void refresh(struct xbb *be, uint32_t domid, uint32_t devid)
{
    struct xbb_dev *d = find_dev(be, domid, devid);
    char p[160];
    snprintf(p, sizeof(p), "%s/%u/%u", be->base, domid, devid);
    char *st = read_at(be, p, "state");
    if (!st) {
        if (d) {
            unsigned len;
            char *dir = xs_read(be->xs, XBT_NULL, p, &len);
            if (!dir)
                destroy_dev(d);
            free(dir);
        }
        return;
    }
    free(st);
    if (!d)
        new_dev(be, domid, devid);
    else
        step(d);
}

static void scan(struct xbb *be)
{
    unsigned ndom = 0;
    char **doms = xs_directory(be->xs, XBT_NULL, be->base, &ndom);
    for (unsigned i = 0; doms && i < ndom; i++) {
        char p[160];
        snprintf(p, sizeof(p), "%s/%s", be->base, doms[i]);
        unsigned ndev = 0;
        char **devs = xs_directory(be->xs, XBT_NULL, p, &ndev);
        for (unsigned j = 0; devs && j < ndev; j++) {
            char *e1, *e2;
            unsigned long domid = strtoul(doms[i], &e1, 10), devid = strtoul(devs[j], &e2, 10);
            if (!*e1 && !*e2 && domid < DOMID_FIRST_RESERVED && devid <= UINT32_MAX)
                refresh(be, (uint32_t)domid, (uint32_t)devid);
        }
        free(devs);
    }
    free(doms);
    /* Devices whose directories went while we were not looking. */
    for (unsigned i = be->ndevs; i-- > 0;) {
        if (i >= be->ndevs)
            continue;
        struct xbb_dev *d = be->devs[i];
        refresh(be, d->domid, d->devid);
    }
}

static void on_event(struct xbb *be, const char *path, const char *token)
{
    if (!strncmp(token, FE_TOKEN_PREFIX, strlen(FE_TOKEN_PREFIX))) {
        unsigned domid, devid;
        if (sscanf(token + strlen(FE_TOKEN_PREFIX), "%u:%u", &domid, &devid) == 2) {
            struct xbb_dev *d = find_dev(be, domid, devid);
            if (d)
                step(d);
        }
        return;
    }
    size_t n = strlen(be->base);
    if (strncmp(path, be->base, n) || (path[n] != '/' && path[n] != '\0')) {
        scan(be);
        return;
    }
    unsigned domid, devid;
    char rest;
    int got = sscanf(path + n, "/%u/%u%c", &domid, &devid, &rest);
    if (got >= 2)
        refresh(be, domid, devid);
    else
        scan(be);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    struct xbb *be = h->data;
    char **ev;
    while ((ev = xs_check_watch(be->xs))) {
        on_event(be, ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
        free(ev);
    }
}

struct xbb *xbb_open(uv_loop_t *loop, const struct xbb_ops *ops, void *ctx)
{
    struct xbb *be = calloc(1, sizeof(*be));
    if (!be)
        return NULL;
    be->loop = loop;
    be->ops = ops;
    be->ctx = ctx;
    snprintf(be->base, sizeof(be->base), "/local/domain/0/backend/%s", ops->type);
    const char *env = getenv("XENSTORED_PATH");
    if (!env || !*env) {
        char sock[RUNDIR_MAX + 32];
        snprintf(sock, sizeof(sock), "%s/xenstored/socket", rundir_default());
        setenv("XENSTORED_PATH", sock, 1);
    }
    be->xs = xs_open(0);
    if (!be->xs) {
        say(ops, "%s backend: cannot reach XenStore at %s: %s", ops->type,
            getenv("XENSTORED_PATH"), strerror(errno));
        free(be);
        return NULL;
    }
    if (!xs_watch(be->xs, be->base, BE_TOKEN)) {
        say(ops, "%s backend: cannot watch %s: %s", ops->type, be->base, strerror(errno));
        xs_close(be->xs);
        free(be);
        return NULL;
    }
    uv_poll_init(loop, &be->poll, xs_fileno(be->xs));
    be->poll.data = be;
    uv_timer_init(loop, &be->kick_timer);
    be->kick_timer.data = be;
    uv_poll_start(&be->poll, UV_READABLE, on_readable);
    /* The watch fires once on registration, which scans; scanning now as
     * well serves a restart's devices without waiting for the loop. */
    scan(be);
    return be;
}
