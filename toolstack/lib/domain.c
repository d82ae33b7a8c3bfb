/* A domain's life in the library: find, check, create (with its one
 * undo), destroy and the clean-up after it, pause and unpause. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toolstack/lib/ctx.h"
#include "toolstack/lib/device.h"
#include "toolstack/lib/userdata.h"
#include "toolstack/lib/xs_domain.h"

bool xnl_is_domid(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* One question to xenolithd, by id or by name: listing every domain
 * would cost per domain on a host running hundreds. */
int xnl_domain_find(struct xnl_ctx *ctx, const char *arg, struct privcmd_dominfo *out)
{
    int rc;
    if (xnl_is_domid(arg)) {
        errno = 0;
        unsigned long id = strtoul(arg, NULL, 10);
        rc = errno || id > UINT32_MAX ? -ESRCH
                                      : xenctl_domain_info(ctx->xc, (uint32_t)id, out);
    } else {
        rc = xenctl_domain_find(ctx->xc, arg, out);
    }
    if (rc == -ESRCH)
        return xnl_fail(ctx, rc, "domain '%s' does not exist", arg);
    if (rc < 0)
        return xnl_fail(ctx, rc, "cannot look up domain '%s': %s", arg, xenctl_error(ctx->xc));
    out->name[sizeof(out->name) - 1] = '\0';
    return 0;
}

int xnl_domain_check(const struct domain_config *dc, char *err, size_t errlen)
{
    if (dc->type == DC_TYPE_HVM) {
        snprintf(err, errlen, "cannot create domain %s: type=\"hvm\" guests cannot be built by "
                 "this version of xl yet; use type=\"pvh\"", dc->name);
        return -EINVAL;
    }
    if (!dc->kernel) {
        snprintf(err, errlen, "cannot create domain %s: no kernel= given (a PVH guest needs a "
                 "kernel; bootloaders and firmware are not supported yet)", dc->name);
        return -ENOEXEC;
    }
    return 0;
}

/* Opened before the domain exists, so a mistyped path costs nothing. */
static int open_image(struct xnl_ctx *ctx, const char *what, const char *path, const char *name)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xnl_fail(ctx, -errno, "cannot create domain %s: cannot open %s '%s': %s", name,
                        what, path, strerror(errno));
    return fd;
}

/* After a failure: the domain goes, and with it whatever of it is in
 * XenStore (introduced: its entries and devices). Returns rc. */
static int undo(struct xnl_ctx *ctx, uint32_t domid, bool introduced, int rc)
{
    if (xenctl_domain_destroy(ctx->xc, domid) < 0)
        xnl_fail_more(ctx, "could not destroy domain %u after the failure either: %s", domid,
                      xenctl_error(ctx->xc));
    if (introduced)
        xlxs_domain_teardown(ctx, domid);
    return rc;
}

/*
 * The domain's XenStore, before it first runs (as libxl does before
 * unpausing). Without xenolith-stored the domain still runs, without
 * XenStore: no store port or params, so the guest can tell.
 */
static int setup_xenstore(struct xnl_ctx *ctx, uint32_t domid, const struct domain_config *dc,
                          bool *introduced)
{
    if (!ctx->xsh) {
        char sock[4200];
        ctx->xsh = xnl_xs_open(xnl_rundir(ctx), sock, sizeof(sock));
        if (!ctx->xsh) {
            xnl_warn(ctx, "xenolith-stored is not running (nothing at %s): domain %u (%s) gets "
                     "no XenStore", sock, domid, dc->name);
            return 0;
        }
    }
    int rc = xlxs_domain_setup(ctx, domid, dc);
    *introduced = rc == 0;
    return rc;
}

/* Creates, loads, gives the domain its XenStore and devices and (unless
 * paused) unpauses it; on failure nothing is left. */
static int build(struct xnl_ctx *ctx, const struct domain_config *dc, bool paused, int kernel_fd,
                 int ramdisk_fd, uint32_t *domid_out)
{
    struct privcmd_create_req req = {
        .memory_kib = dc->memory_mib * 1024,
        .max_memory_kib = dc->maxmem_mib * 1024,
        .vcpus = dc->vcpus,
        .max_vcpus = dc->maxvcpus,
        .type = dc->type == DC_TYPE_HVM ? PRIVCMD_TYPE_HVM : PRIVCMD_TYPE_PVH,
    };
    snprintf(req.name, sizeof(req.name), "%s", dc->name);
    memcpy(req.uuid, dc->uuid, sizeof(req.uuid));

    uint32_t domid;
    int rc = xenctl_domain_create(ctx->xc, &req, &domid);
    if (rc < 0)
        return xnl_fail(ctx, rc, "cannot create domain %s: %s", dc->name, xenctl_error(ctx->xc));
    if ((rc = xenctl_domain_load_pvh(ctx->xc, domid, kernel_fd, ramdisk_fd, dc->cmdline)) < 0)
        return undo(ctx, domid, false,
                    xnl_fail(ctx, rc, "cannot load kernel %s for domain %u (%s): %s", dc->kernel,
                             domid, dc->name, xenctl_error(ctx->xc)));
    bool introduced = false;
    if ((rc = setup_xenstore(ctx, domid, dc, &introduced)) < 0)
        return undo(ctx, domid, false, rc);
    if ((rc = xldisk_setup_all(ctx, domid, dc)) < 0 || (rc = xlvif_setup_all(ctx, domid, dc)) < 0)
        return undo(ctx, domid, introduced, rc);
    if (!paused && (rc = xenctl_domain_unpause(ctx->xc, domid)) < 0)
        return undo(ctx, domid, introduced,
                    xnl_fail(ctx, rc, "cannot unpause domain %u (%s): %s", domid, dc->name,
                             xenctl_error(ctx->xc)));
    *domid_out = domid;
    return 0;
}

int xnl_domain_create(struct xnl_ctx *ctx, const struct domain_config *dc, bool paused,
                      uint32_t *domid)
{
    int rc = xnl_domain_check(dc, ctx->error, sizeof(ctx->error));
    if (rc < 0)
        return rc;
    int kernel_fd = open_image(ctx, "kernel", dc->kernel, dc->name);
    if (kernel_fd < 0)
        return kernel_fd;
    int ramdisk_fd = -1;
    if (dc->ramdisk && (ramdisk_fd = open_image(ctx, "ramdisk", dc->ramdisk, dc->name)) < 0) {
        close(kernel_fd);
        return ramdisk_fd;
    }
    /* Any failure but "no such domain" is left to the daemon, which
     * refuses a taken name at create too. */
    struct privcmd_dominfo other;
    if (xenctl_domain_find(ctx->xc, dc->name, &other) == 0)
        rc = xnl_fail(ctx, -EEXIST, "cannot create domain %s: domain %u already has that name",
                      dc->name, other.domid);
    else
        rc = build(ctx, dc, paused, kernel_fd, ramdisk_fd, domid);
    close(kernel_fd);
    if (ramdisk_fd >= 0)
        close(ramdisk_fd);
    if (rc < 0)
        return rc;
    int e = userdata_save(xnl_rundir(ctx), *domid, dc);
    if (e < 0)
        xnl_warn(ctx, "cannot store the config of domain %u for xl list -l: %s", *domid,
                 strerror(-e));
    return 0;
}

void xnl_domain_cleanup(struct xnl_ctx *ctx, uint32_t domid)
{
    userdata_remove(xnl_rundir(ctx), domid);
    xlxs_domain_teardown(ctx, domid);
}

/* The domain, unless it is Domain-0, which these calls leave alone: it
 * is the host itself, and stopping it would leave no way back. */
static int not_dom0(struct xnl_ctx *ctx, uint32_t domid, const char *verb,
                    struct privcmd_dominfo *info)
{
    int rc = xenctl_domain_info(ctx->xc, domid, info);
    if (rc < 0)
        return rc == -ESRCH ? xnl_fail(ctx, rc, "domain '%u' does not exist", domid)
                            : xnl_fail(ctx, rc, "cannot look up domain '%u': %s", domid,
                                       xenctl_error(ctx->xc));
    info->name[sizeof(info->name) - 1] = '\0';
    if (domid == 0 || (info->flags & PRIVCMD_DOMINFO_DOM0))
        return xnl_fail(ctx, -EPERM, "cannot %s Domain-0, the privileged domain", verb);
    return 0;
}

int xnl_domain_destroy(struct xnl_ctx *ctx, uint32_t domid)
{
    struct privcmd_dominfo info;
    int rc = not_dom0(ctx, domid, "destroy", &info);
    if (rc < 0)
        return rc;
    if ((rc = xenctl_domain_destroy(ctx->xc, domid)) < 0)
        return xnl_fail(ctx, rc, "cannot destroy domain %u (%s): %s", domid, info.name,
                        xenctl_error(ctx->xc));
    /* The monitor cleans up a domain that dies; one kept by preserve
     * has no monitor left, so whoever destroys it does. */
    xnl_domain_cleanup(ctx, domid);
    return 0;
}

static int pause_or_unpause(struct xnl_ctx *ctx, uint32_t domid, bool pause)
{
    const char *verb = pause ? "pause" : "unpause";
    struct privcmd_dominfo info;
    int rc = not_dom0(ctx, domid, verb, &info);
    if (rc < 0)
        return rc;
    rc = pause ? xenctl_domain_pause(ctx->xc, domid) : xenctl_domain_unpause(ctx->xc, domid);
    if (rc < 0)
        return xnl_fail(ctx, rc, "cannot %s domain %u (%s): %s", verb, domid, info.name,
                        xenctl_error(ctx->xc));
    return 0;
}

int xnl_domain_pause(struct xnl_ctx *ctx, uint32_t domid)
{
    return pause_or_unpause(ctx, domid, true);
}

int xnl_domain_unpause(struct xnl_ctx *ctx, uint32_t domid)
{
    return pause_or_unpause(ctx, domid, false);
}

yajl_val xnl_domain_config_load(struct xnl_ctx *ctx, uint32_t domid, const uint8_t uuid[16])
{
    return userdata_load(xnl_rundir(ctx), domid, uuid);
}
