/* A domain's XenStore entries, as libxl writes them (libxl_create.c,
 * libxl_dom.c), through Debian's libxenstore. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/xen_public.h"

#include "toolstack/lib/console.h"
#include "toolstack/lib/ctx.h"
#include "toolstack/lib/device.h"
#include "toolstack/lib/xs_domain.h"
#include "toolstack/xluuid.h"

/* A transaction that lost a race with another writer is simply redone. */
#define TXN_ATTEMPTS 10

struct xs_handle *xnl_xs_open(const char *rundir, char *sock, size_t socklen)
{
    const char *env = getenv("XENSTORED_PATH");
    if (env && *env) {
        snprintf(sock, socklen, "%s", env);
    } else {
        snprintf(sock, socklen, "%s/xenstored/socket", rundir);
        setenv("XENSTORED_PATH", sock, 1);
    }
    return xs_open(0);
}

static void fail_at(struct xlxs_batch *b, const char *what, const char *path)
{
    if (!b->failed[0])
        snprintf(b->failed, sizeof(b->failed), "%s %s: %s", what, path, strerror(errno));
}

void xlxs_put(struct xlxs_batch *b, const char *path, const char *fmt, ...)
{
    char val[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if (!b->failed[0] && !xs_write(b->h, b->t, path, val, strlen(val)))
        fail_at(b, "write", path);
}

void xlxs_node(struct xlxs_batch *b, const char *path, struct xs_permissions *perms,
               unsigned n)
{
    if (b->failed[0])
        return;
    if (!xs_mkdir(b->h, b->t, path))
        fail_at(b, "mkdir", path);
    else if (!xs_set_permissions(b->h, b->t, path, perms, n))
        fail_at(b, "set permissions of", path);
}

static void write_entries(struct xlxs_batch *b, uint32_t domid, const struct domain_config *dc,
                          const char *vm, uint32_t port, uint32_t console_port)
{
    /* Read-only for the guest, owned by Dom0 ... */
    struct xs_permissions ro[2] = {{.id = 0, .perms = XS_PERM_NONE},
                                   {.id = domid, .perms = XS_PERM_READ}};
    /* ... and the guest's own, where it reports and takes requests. */
    struct xs_permissions rw[1] = {{.id = domid, .perms = XS_PERM_NONE}};
    char dom[64], p[256], uuid[XLUUID_STRLEN + 1];
    snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
    xluuid_format(dc->uuid, uuid);

    /* Whatever a previous domain with this id or uuid left goes first. */
    xs_rm(b->h, b->t, dom);
    xlcons_backend_dir(p, sizeof(p), domid);
    xs_rm(b->h, b->t, p);
    xs_rm(b->h, b->t, vm);
    xlxs_node(b, dom, ro, 2);
    xlxs_node(b, vm, ro, 2);
    /* Children are created inheriting the parent's permissions. */
    snprintf(p, sizeof(p), "%s/vm", dom);
    xlxs_put(b, p, "%s", vm);
    snprintf(p, sizeof(p), "%s/name", dom);
    xlxs_put(b, p, "%s", dc->name);
    snprintf(p, sizeof(p), "%s/domid", dom);
    xlxs_put(b, p, "%u", domid);
    snprintf(p, sizeof(p), "%s/uuid", vm);
    xlxs_put(b, p, "%s", uuid);
    snprintf(p, sizeof(p), "%s/name", vm);
    xlxs_put(b, p, "%s", dc->name);

    static const char *const ro_dirs[] = {"device", "control"};
    for (size_t i = 0; i < sizeof(ro_dirs) / sizeof(ro_dirs[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dom, ro_dirs[i]);
        xlxs_node(b, p, ro, 2);
    }
    static const char *const rw_nodes[] = {
        "control/shutdown", "control/feature-poweroff", "control/feature-reboot",
        "control/feature-suspend", "control/sysrq", "device/suspend/event-channel",
        "data", "drivers", "feature", "attr", "error",
    };
    for (size_t i = 0; i < sizeof(rw_nodes) / sizeof(rw_nodes[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dom, rw_nodes[i]);
        xlxs_node(b, p, rw, 1);
    }
    snprintf(p, sizeof(p), "%s/control/platform-feature-multiprocessor-suspend", dom);
    xlxs_put(b, p, "1");
    snprintf(p, sizeof(p), "%s/control/platform-feature-xs_reset_watches", dom);
    xlxs_put(b, p, "1");
    snprintf(p, sizeof(p), "%s/memory/static-max", dom);
    xlxs_put(b, p, "%llu", (unsigned long long)(dc->maxmem_mib ? dc->maxmem_mib : dc->memory_mib) * 1024);
    snprintf(p, sizeof(p), "%s/memory/target", dom);
    xlxs_put(b, p, "%llu", (unsigned long long)dc->memory_mib * 1024);
    uint32_t maxv = dc->maxvcpus ? dc->maxvcpus : dc->vcpus;
    for (uint32_t i = 0; i < maxv; i++) {
        snprintf(p, sizeof(p), "%s/cpu/%u/availability", dom, i);
        xlxs_put(b, p, "%s", i < dc->vcpus ? "online" : "offline");
    }
    snprintf(p, sizeof(p), "%s/store/port", dom);
    xlxs_put(b, p, "%u", port);
    snprintf(p, sizeof(p), "%s/store/ring-ref", dom);
    xlxs_put(b, p, "%llu", XLXS_STORE_GFN);
    if (console_port)
        xlcons_entries(b, domid, console_port);
}

struct entries {
    uint32_t domid;
    const struct domain_config *dc;
    const char *vm;
    uint32_t port, console_port;
    char failed[512];
};

static bool entries_body(struct xs_handle *h, xs_transaction_t t, void *arg)
{
    struct entries *e = arg;
    struct xlxs_batch b = {.h = h, .t = t};
    write_entries(&b, e->domid, e->dc, e->vm, e->port, e->console_port);
    snprintf(e->failed, sizeof(e->failed), "%s", b.failed);
    return !b.failed[0];
}

/* The entries in one transaction, redone when it conflicts. */
static int write_all(struct xs_handle *h, uint32_t domid, const struct domain_config *dc,
                     const char *vm, uint32_t port, uint32_t console_port, char *err,
                     size_t errlen)
{
    struct entries e = {.domid = domid, .dc = dc, .vm = vm, .port = port,
                        .console_port = console_port};
    if (xlxs_transact(h, entries_body, &e))
        return 0;
    if (e.failed[0])
        snprintf(err, errlen, "%s", e.failed);
    else if (errno == EAGAIN)
        snprintf(err, errlen, "the entries kept conflicting with other writers (%d attempts)",
                 TXN_ATTEMPTS);
    else
        snprintf(err, errlen, "cannot write the entries: %s", strerror(errno));
    return -1;
}

int xlxs_domain_setup(struct xnl_ctx *ctx, uint32_t domid, const struct domain_config *dc)
{
    xenctl *xc = ctx->xc;
    struct xs_handle *xsh = ctx->xsh;
    uint32_t port;
    int rc;
    if ((rc = xenctl_evtchn_alloc_unbound(xc, domid, 0, &port)) < 0)
        return xnl_fail(ctx, rc, "cannot allocate the XenStore event channel of domain %u: %s",
                        domid, xenctl_error(xc));
    if ((rc = xenctl_domain_set_param(xc, domid, HVM_PARAM_STORE_PFN, XLXS_STORE_GFN)) < 0 ||
        (rc = xenctl_domain_set_param(xc, domid, HVM_PARAM_STORE_EVTCHN, port)) < 0)
        return xnl_fail(ctx, rc, "cannot give domain %u its XenStore ring: %s", domid,
                        xenctl_error(xc));
    uint32_t console_port = 0;
    if (xnl_consoled_running(xenctl_rundir(xc)) &&
        (rc = xlcons_setup(ctx, domid, &console_port)) < 0)
        return rc;
    char uuid[XLUUID_STRLEN + 1], vm[64], err[600];
    xluuid_format(dc->uuid, uuid);
    snprintf(vm, sizeof(vm), "/vm/%s", uuid);
    if (write_all(xsh, domid, dc, vm, port, console_port, err, sizeof(err)) < 0)
        return xnl_fail(ctx, -EIO, "cannot write the XenStore entries of domain %u: %s", domid,
                        err);
    if (!xs_introduce_domain(xsh, domid, XLXS_STORE_GFN, port)) {
        rc = xnl_fail(ctx, -errno, "xenolith-stored refused to introduce domain %u: %s", domid,
                      strerror(errno));
        char dom[64];
        snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
        xs_rm(xsh, XBT_NULL, dom);
        xs_rm(xsh, XBT_NULL, vm);
        xlcons_backend_dir(dom, sizeof(dom), domid);
        xs_rm(xsh, XBT_NULL, dom);
        return rc;
    }
    return 0;
}

int xlxs_domain_teardown(struct xnl_ctx *ctx, uint32_t domid)
{
    char sock[4200];
    struct xs_handle *h = xnl_xs_open(xnl_rundir(ctx), sock, sizeof(sock));
    if (!h)
        return 0; /* no XenStore, nothing of the domain's in it */
    /* Its devices first, so their backends and hotplug scripts let go
     * (a vif's tap leaves its bridge) before the domain's entries go. */
    char derr[512];
    if (xldev_remove_all(h, domid, derr, sizeof(derr)) > 0)
        xnl_warn(ctx, "removing the devices of domain %u: %s", domid, derr);
    char dom[64];
    snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
    char vmkey[80];
    snprintf(vmkey, sizeof(vmkey), "%s/vm", dom);
    unsigned len = 0;
    char *vm = xs_read(h, XBT_NULL, vmkey, &len);
    int rc = 0;
    /* Only a /vm/ path: the guest cannot write vm, but be sure anyway. */
    if (vm && strncmp(vm, "/vm/", 4) == 0 && !strstr(vm, "..") && !xs_rm(h, XBT_NULL, vm) &&
        errno != ENOENT) {
        xnl_warn(ctx, "cannot remove %s from XenStore: %s", vm, strerror(errno));
        rc = -1;
    }
    free(vm);
    if (!xs_rm(h, XBT_NULL, dom) && errno != ENOENT) {
        xnl_warn(ctx, "cannot remove %s from XenStore: %s", dom, strerror(errno));
        rc = -1;
    }
    char be[96];
    xlcons_backend_dir(be, sizeof(be), domid);
    if (!xs_rm(h, XBT_NULL, be) && errno != ENOENT) {
        xnl_warn(ctx, "cannot remove %s from XenStore: %s", be, strerror(errno));
        rc = -1;
    }
    /* xenolith-stored releases a dead domain by itself (VIRQ_DOM_EXC);
     * then this finds it released already. */
    if (!xs_release_domain(h, domid) && errno != ENOENT) {
        xnl_warn(ctx, "cannot release domain %u in XenStore: %s", domid, strerror(errno));
        rc = -1;
    }
    xs_close(h);
    return rc;
}

bool xlxs_transact(struct xs_handle *xsh,
                   bool (*body)(struct xs_handle *xsh, xs_transaction_t t, void *arg), void *arg)
{
    for (int attempt = 0; attempt < TXN_ATTEMPTS; attempt++) {
        xs_transaction_t t = xs_transaction_start(xsh);
        if (t == XBT_NULL)
            return false;
        if (!body(xsh, t, arg)) {
            xs_transaction_end(xsh, t, true);
            return false;
        }
        if (xs_transaction_end(xsh, t, false))
            return true;
        if (errno != EAGAIN)
            return false;
    }
    return false;
}
