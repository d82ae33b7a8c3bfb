/* A domain's console device: its ring, port and XenStore entries, and
 * whether xenolith-consoled is there to serve it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "include/xen_public.h"

#include "toolstack/lib/console.h"
#include "toolstack/lib/ctx.h"

bool xnl_consoled_running(const char *rundir)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/xenolith-consoled.pid", rundir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[16];
    ssize_t n = read(fd, buf, sizeof(buf));
    /* The daemon holds an exclusive lock for as long as it lives. */
    bool held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return held && n > 0;
}

int xlcons_setup(struct xnl_ctx *ctx, uint32_t domid, uint32_t *port)
{
    int rc;
    if ((rc = xenctl_evtchn_alloc_unbound(ctx->xc, domid, 0, port)) < 0 ||
        (rc = xenctl_domain_set_param(ctx->xc, domid, HVM_PARAM_CONSOLE_PFN, XLCONS_GFN)) < 0 ||
        (rc = xenctl_domain_set_param(ctx->xc, domid, HVM_PARAM_CONSOLE_EVTCHN, *port)) < 0)
        return xnl_fail(ctx, rc, "cannot give domain %u its console ring: %s", domid,
                        xenctl_error(ctx->xc));
    return 0;
}

void xlcons_backend_dir(char *buf, size_t len, uint32_t domid)
{
    snprintf(buf, len, "/local/domain/0/backend/console/%u", domid);
}

void xlcons_entries(struct xlxs_batch *b, uint32_t domid, uint32_t port)
{
    struct xs_permissions ro[2] = {{.id = 0, .perms = XS_PERM_NONE},
                                   {.id = domid, .perms = XS_PERM_READ}};
    char dom[64], p[256];
    snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
    /* As libxl: xenolith-consoled adds console/tty. */
    static const char *const keys[] = {"backend-id", "limit", "type", "output", "tty",
                                       "port", "ring-ref"};
    char vals[7][24] = {"0", "", "xenconsoled", "pty", ""};
    snprintf(vals[1], sizeof(vals[1]), "%u", XLCONS_LIMIT);
    snprintf(vals[5], sizeof(vals[5]), "%u", port);
    snprintf(vals[6], sizeof(vals[6]), "%llu", XLCONS_GFN);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(p, sizeof(p), "%s/console/%s", dom, keys[i]);
        xlxs_put(b, p, "%s", vals[i]);
    }
    /* The primary console's backend entries, as libxl writes them for
     * xenconsoled (which leaves state at Initialising). */
    char dir[96], be[100];
    xlcons_backend_dir(dir, sizeof(dir), domid);
    snprintf(be, sizeof(be), "%s/0", dir);
    snprintf(p, sizeof(p), "%s/console/backend", dom);
    xlxs_put(b, p, "%s", be);
    xlxs_node(b, be, ro, 2);
    static const char *const bkeys[] = {"frontend-id", "online", "state", "protocol"};
    char bvals[4][24] = {"", "1", "1", "vt100"};
    snprintf(bvals[0], sizeof(bvals[0]), "%u", domid);
    for (size_t i = 0; i < sizeof(bkeys) / sizeof(bkeys[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", be, bkeys[i]);
        xlxs_put(b, p, "%s", bvals[i]);
    }
    snprintf(p, sizeof(p), "%s/frontend", be);
    xlxs_put(b, p, "%s/console", dom);
}
