/* Split-driver devices in XenStore: libxl's layout, permissions and
 * removal handshake (libxl_device.c), through Debian's libxenstore. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "include/xen_public.h"
#include <xen/io/xenbus.h>

#include "dom0/hotplug.h"
#include "toolstack/lib/ctx.h"
#include "toolstack/lib/device.h"
#include "toolstack/lib/xs_domain.h"

int xnl_device_backend_path(char *buf, size_t len, const char *type, uint32_t domid,
                            uint32_t devid)
{
    int n = snprintf(buf, len, "/local/domain/0/backend/%s/%u/%u", type, domid, devid);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xldev_frontend_path(char *buf, size_t len, const char *type, uint32_t domid, uint32_t devid)
{
    int n = snprintf(buf, len, "/local/domain/%u/device/%s/%u", domid, type, devid);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static char *read_key(struct xs_handle *h, const char *dir, const char *key)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, key);
    unsigned len;
    return xs_read(h, XBT_NULL, p, &len);
}

static char *read_dev_key(struct xs_handle *xsh, const char *type, uint32_t domid,
                          uint32_t devid, bool front, const char *key)
{
    char dir[256];
    int rc = front ? xldev_frontend_path(dir, sizeof(dir), type, domid, devid)
                   : xnl_device_backend_path(dir, sizeof(dir), type, domid, devid);
    return rc < 0 ? NULL : read_key(xsh, dir, key);
}

char *xnl_device_read(struct xnl_ctx *ctx, const char *type, uint32_t domid, uint32_t devid,
                      bool front, const char *key)
{
    struct xs_handle *xsh = xnl_xs(ctx);
    return xsh ? read_dev_key(xsh, type, domid, devid, front, key) : NULL;
}

int xldev_attach_all(struct xnl_ctx *ctx, uint32_t domid, const char *name, const char *type,
                     size_t n, xldev_attach_fn *attach, void *arg)
{
    if (!n)
        return 0;
    char sock[4200];
    struct xs_handle *xsh = xnl_xs_open(xnl_rundir(ctx), sock, sizeof(sock));
    if (!xsh)
        return xnl_fail(ctx, -ENOENT, "domain %u (%s) has %s devices but xenolith-stored is not "
                        "running (nothing at %s)", domid, name, type, sock);
    uint32_t *devids = calloc(n, sizeof(*devids));
    if (!devids) {
        xs_close(xsh);
        return xnl_fail(ctx, -ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char err[1200];
        if (attach(xsh, domid, i, arg, &devids[i], err, sizeof(err)) < 0) {
            rc = xnl_fail(ctx, -EIO, "domain %u (%s): %s", domid, name, err);
            for (size_t j = 0; j < i; j++)
                xldev_remove(xsh, type, domid, devids[j], true, NULL, err, sizeof(err));
            break;
        }
    }
    free(devids);
    xs_close(xsh);
    return rc;
}

int xnl_device_read_int(struct xnl_ctx *ctx, const char *type, uint32_t domid, uint32_t devid,
                        bool front, const char *key, int def)
{
    char *s = xnl_device_read(ctx, type, domid, devid, front, key);
    int v = def;
    if (s && *s) {
        char *end;
        long n = strtol(s, &end, 10);
        if (!*end)
            v = (int)n;
    }
    free(s);
    return v;
}

int xnl_device_list(struct xnl_ctx *ctx, const char *type, uint32_t domid, uint32_t *ids,
                    unsigned max)
{
    struct xs_handle *xsh = xnl_xs(ctx);
    if (!xsh)
        return -ENOTCONN;
    int n = xldev_list(xsh, type, domid, ids, max);
    return n < 0 ? xnl_fail(ctx, -errno, "cannot list the %s devices of domain %u: %s", type,
                            domid, strerror(errno))
                 : n;
}

/* dir/key = val, in the batch's transaction. */
static void put(struct xlxs_batch *b, const char *dir, const char *key, const char *val)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, key);
    xlxs_put(b, p, "%s", val);
}

/* What one attempt of write_device's transaction needs. */
struct write_ctx {
    const struct xldev *d;
    const char *be, *fe;
    char failed[512];
    bool exists;
};

static bool write_body(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct write_ctx *c = arg;
    const struct xldev *d = c->d;
    char domid[16], zero[] = "0", state[8];
    snprintf(domid, sizeof(domid), "%u", d->domid);
    snprintf(state, sizeof(state), "%d", XenbusStateInitialising);
    /* The first entry is the owner, whose rights are implied; the others
     * are what the rest may do. The guest owns its frontend dir and dom0
     * reads it; dom0 owns the backend dir and the guest reads it. */
    struct xs_permissions back[2] = {{.id = 0, .perms = XS_PERM_NONE},
                                     {.id = d->domid, .perms = XS_PERM_READ}};
    struct xs_permissions front[2] = {{.id = d->domid, .perms = XS_PERM_NONE},
                                      {.id = 0, .perms = XS_PERM_READ}};
    struct xlxs_batch b = {.h = h, .t = t};
    unsigned len;
    char *exists = xs_read(h, t, c->be, &len);
    if (exists) {
        free(exists);
        c->exists = true;
        return false;
    }
    xlxs_node(&b, c->be, back, 2);
    put(&b, c->be, "frontend", c->fe);
    put(&b, c->be, "frontend-id", domid);
    put(&b, c->be, "online", "1");
    put(&b, c->be, "state", state);
    for (unsigned i = 0; i < d->nback; i++)
        put(&b, c->be, d->back[i].key, d->back[i].val);
    xlxs_node(&b, c->fe, front, 2);
    put(&b, c->fe, "backend", c->be);
    put(&b, c->fe, "backend-id", zero);
    put(&b, c->fe, "state", state);
    for (unsigned i = 0; i < d->nfront; i++)
        put(&b, c->fe, d->front[i].key, d->front[i].val);
    snprintf(c->failed, sizeof(c->failed), "%s", b.failed);
    return !b.failed[0];
}

static int write_device(struct xs_handle *h, const struct xldev *d, const char *be,
                        const char *fe, char *err, size_t errlen)
{
    struct write_ctx c = {.d = d, .be = be, .fe = fe};
    if (xlxs_transact(h, write_body, &c))
        return 0;
    if (c.exists) {
        snprintf(err, errlen, "%s device %u of domain %u exists already", d->type, d->devid,
                 d->domid);
        errno = EEXIST;
    } else if (c.failed[0]) {
        snprintf(err, errlen, "%s", c.failed);
    } else {
        snprintf(err, errlen, "XenStore transaction: %s",
                 errno == EAGAIN ? "kept conflicting" : strerror(errno));
    }
    return -1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until dir/state passes the test (or the node is gone, which
 * counts as Closed), through a watch. 1 when it did, 0 on timeout. */
static int wait_state(struct xs_handle *h, const char *dir, int want_at_least, int want_exact,
                      unsigned timeout_ms)
{
    char p[512], token[] = "xldev-wait";
    snprintf(p, sizeof(p), "%s/state", dir);
    if (!xs_watch(h, p, token))
        return 0;
    int64_t deadline = now_ms() + timeout_ms;
    int done = 0;
    for (;;) {
        unsigned len;
        char *v = xs_read(h, XBT_NULL, p, &len);
        int st = v ? atoi(v) : XenbusStateClosed;
        free(v);
        if ((want_exact >= 0 && st == want_exact) || (want_at_least >= 0 && st >= want_at_least) ||
            (!v && want_exact == XenbusStateClosed)) {
            done = 1;
            break;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd pfd = {.fd = xs_fileno(h), .events = POLLIN};
        if (poll(&pfd, 1, left > 200 ? 200 : (int)left) > 0) {
            unsigned n;
            char **ev;
            while ((ev = xs_check_watch(h)))
                free(ev);
            (void)n;
        }
    }
    xs_unwatch(h, p, token);
    return done;
}

struct dirs {
    const char *be, *fe;
};

static bool remove_body(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    const struct dirs *d = arg;
    xs_rm(h, t, d->fe);
    xs_rm(h, t, d->be);
    return true;
}

static void remove_dirs(struct xs_handle *h, const char *be, const char *fe)
{
    struct dirs d = {be, fe};
    if (xlxs_transact(h, remove_body, &d))
        return;
    xs_rm(h, XBT_NULL, fe);
    xs_rm(h, XBT_NULL, be);
}

static const char *hotplug_action(const char *type, bool up)
{
    if (!strcmp(type, "vif"))
        return up ? "online" : "offline";
    return up ? "add" : "remove";
}

int xldev_add(struct xs_handle *xsh, const struct xldev *d, char *err, size_t errlen)
{
    char be[256], fe[256];
    if (xnl_device_backend_path(be, sizeof(be), d->type, d->domid, d->devid) < 0 ||
        xldev_frontend_path(fe, sizeof(fe), d->type, d->domid, d->devid) < 0) {
        snprintf(err, errlen, "device path too long");
        return -1;
    }
    if (write_device(xsh, d, be, fe, err, errlen) < 0)
        return -1;

    const char *script = NULL;
    for (unsigned i = 0; i < d->nback; i++)
        if (!strcmp(d->back[i].key, "script"))
            script = d->back[i].val;
    if (!script || !*script)
        return 0;
    if (d->hotplug_after_initwait &&
        !wait_state(xsh, be, XenbusStateInitWait, -1, XLDEV_REMOVE_TIMEOUT_MS)) {
        snprintf(err, errlen, "the %s backend did not take device %u of domain %u", d->type,
                 d->devid, d->domid);
        remove_dirs(xsh, be, fe);
        return -1;
    }
    struct hotplug_req r = {.script = script, .action = hotplug_action(d->type, true),
                            .type = d->type, .backend_path = be, .env = d->hotplug_env};
    if (hotplug_run(xsh, &r, err, errlen) < 0) {
        char ignored[256];
        r.action = hotplug_action(d->type, false);
        hotplug_run(xsh, &r, ignored, sizeof(ignored));
        remove_dirs(xsh, be, fe);
        return -1;
    }
    return 0;
}

int xldev_remove(struct xs_handle *xsh, const char *type, uint32_t domid, uint32_t devid,
                 bool force, const char *const *hotplug_env, char *err, size_t errlen)
{
    char be[256], fe[256];
    if (xnl_device_backend_path(be, sizeof(be), type, domid, devid) < 0 ||
        xldev_frontend_path(fe, sizeof(fe), type, domid, devid) < 0) {
        snprintf(err, errlen, "device path too long");
        return -1;
    }
    char *st = read_key(xsh, be, "state");
    if (!st) {
        snprintf(err, errlen, "domain %u has no %s device %u", domid, type, devid);
        errno = ENOENT;
        return -1;
    }
    free(st);
    int rc = 0;
    if (!force) {
        char closing[8];
        snprintf(closing, sizeof(closing), "%d", XenbusStateClosing);
        char p[512];
        snprintf(p, sizeof(p), "%s/online", be);
        xs_write(xsh, XBT_NULL, p, "0", 1);
        snprintf(p, sizeof(p), "%s/state", be);
        xs_write(xsh, XBT_NULL, p, closing, strlen(closing));
        if (!wait_state(xsh, be, -1, XenbusStateClosed, XLDEV_REMOVE_TIMEOUT_MS)) {
            snprintf(err, errlen, "%s device %u of domain %u did not close within %u s; removed anyway",
                     type, devid, domid, XLDEV_REMOVE_TIMEOUT_MS / 1000);
            rc = -1;
        }
    }
    char *script = read_key(xsh, be, "script");
    if (script && *script) {
        struct hotplug_req r = {.script = script, .action = hotplug_action(type, false),
                                .type = type, .backend_path = be, .env = hotplug_env};
        char why[256];
        if (hotplug_run(xsh, &r, why, sizeof(why)) < 0 && rc == 0) {
            snprintf(err, errlen, "%s", why);
            rc = -1;
        }
    }
    free(script);
    remove_dirs(xsh, be, fe);
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int xldev_list(struct xs_handle *xsh, const char *type, uint32_t domid, uint32_t *ids,
               unsigned max)
{
    char p[256];
    snprintf(p, sizeof(p), "/local/domain/0/backend/%s/%u", type, domid);
    unsigned n = 0;
    char **ents = xs_directory(xsh, XBT_NULL, p, &n);
    if (!ents)
        return errno == ENOENT ? 0 : -1;
    unsigned count = 0;
    uint32_t *all = calloc(n ? n : 1, sizeof(*all));
    if (!all) {
        free(ents);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        char *end;
        unsigned long v = strtoul(ents[i], &end, 10);
        if (*ents[i] && !*end && v <= UINT32_MAX)
            all[count++] = (uint32_t)v;
    }
    free(ents);
    qsort(all, count, sizeof(*all), cmp_u32);
    for (unsigned i = 0; i < count && i < max; i++)
        ids[i] = all[i];
    free(all);
    return (int)count;
}

int xldev_remove_all(struct xs_handle *xsh, uint32_t domid, char *err, size_t errlen)
{
    unsigned ntypes = 0;
    char **types = xs_directory(xsh, XBT_NULL, "/local/domain/0/backend", &ntypes);
    int bad = 0;
    err[0] = '\0';
    for (unsigned t = 0; types && t < ntypes; t++) {
        uint32_t ids[256];
        int n = xldev_list(xsh, types[t], domid, ids, 256);
        for (int i = 0; i < n && i < 256; i++) {
            char why[256];
            if (xldev_remove(xsh, types[t], domid, ids[i], true, NULL, why, sizeof(why)) < 0) {
                bad++;
                snprintf(err, errlen, "%s", why);
            }
        }
        char p[256];
        snprintf(p, sizeof(p), "/local/domain/0/backend/%s/%u", types[t], domid);
        xs_rm(xsh, XBT_NULL, p);
    }
    free(types);
    return bad;
}
