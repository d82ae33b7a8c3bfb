/*
 * vifs the Xen way: libxl's XenStore entries for each vif, the backend
 * (xenolith-netback) makes the tap, the hotplug script (vif-bridge by
 * default) puts it on its bridge; at create and on a running domain.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/lib/ctx.h"
#include "toolstack/lib/device.h"

#define MAX_VIFS 64

static void ifname_of(const struct vif_spec *v, uint32_t domid, char *buf, size_t len)
{
    if (v->vifname)
        snprintf(buf, len, "%s", v->vifname);
    else
        snprintf(buf, len, "vif%u.%d", domid, v->devid);
}

/* Writes the entries, waits for netback to make its tap, and runs the
 * hotplug script online. 0, or -1 with the reason in err (the device
 * removed again). */
static int attach(struct xs_handle *xsh, uint32_t domid, const struct vif_spec *v, char *err,
                  size_t errlen)
{
    char mac[18], handle[16], rate[48], mtu[16], ifname[32];
    vif_mac_format(v->mac, mac);
    snprintf(handle, sizeof(handle), "%d", v->devid);
    snprintf(rate, sizeof(rate), "%" PRIu64 ",%" PRIu32, v->rate_bytes, v->rate_usecs);
    snprintf(mtu, sizeof(mtu), "%u", v->mtu);
    ifname_of(v, domid, ifname, sizeof(ifname));
    struct xldev_kv back[12], front[4];
    unsigned nb = 0, nf = 0;
    back[nb++] = (struct xldev_kv){"script", v->script};
    back[nb++] = (struct xldev_kv){"mac", mac};
    back[nb++] = (struct xldev_kv){"bridge", v->bridge};
    back[nb++] = (struct xldev_kv){"handle", handle};
    back[nb++] = (struct xldev_kv){"type", v->type};
    /* Empty until the script says how it went. */
    back[nb++] = (struct xldev_kv){"hotplug-status", ""};
    if (v->ip)
        back[nb++] = (struct xldev_kv){"ip", v->ip};
    if (v->vifname)
        back[nb++] = (struct xldev_kv){"vifname", v->vifname};
    if (v->rate_bytes)
        back[nb++] = (struct xldev_kv){"rate", rate};
    if (v->mtu)
        back[nb++] = (struct xldev_kv){"mtu", mtu};
    if (v->model)
        back[nb++] = (struct xldev_kv){"model", v->model};
    front[nf++] = (struct xldev_kv){"handle", handle};
    front[nf++] = (struct xldev_kv){"mac", mac};
    front[nf++] = (struct xldev_kv){"trusted", "1"};
    if (v->mtu)
        front[nf++] = (struct xldev_kv){"mtu", mtu};
    char env_vif[48], env_netdev[48];
    const char *env[3] = {env_vif, NULL, NULL};
    snprintf(env_vif, sizeof(env_vif), "vif=%s", ifname);
    if (v->gatewaydev) {
        snprintf(env_netdev, sizeof(env_netdev), "netdev=%s", v->gatewaydev);
        env[1] = env_netdev;
    }
    struct xldev d = {
        .type = "vif",
        .domid = domid,
        .devid = (uint32_t)v->devid,
        .back = back,
        .nback = nb,
        .front = front,
        .nfront = nf,
        .hotplug_env = env,
        /* The tap must exist before the script can bridge it. */
        .hotplug_after_initwait = true,
    };
    int rc = xldev_add(xsh, &d, err, errlen);
    if (rc < 0 && strstr(err, "did not take"))
        snprintf(err + strlen(err), errlen - strlen(err),
                 " (is xenolith-netback running? see xenolith-commons(8))");
    return rc;
}

static int attach_nth(struct xs_handle *xsh, uint32_t domid, size_t i, void *arg,
                      uint32_t *devid, char *err, size_t errlen)
{
    const struct domain_config *dc = arg;
    const struct vif_spec *v = &dc->vifs[i];
    *devid = (uint32_t)v->devid;
    char why[1024];
    if (attach(xsh, domid, v, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "vif %d: %s", v->devid, why);
        return -1;
    }
    return 0;
}

int xlvif_setup_all(struct xnl_ctx *ctx, uint32_t domid, const struct domain_config *dc)
{
    return xldev_attach_all(ctx, domid, dc->name, "vif", dc->nvifs, attach_nth, (void *)dc);
}

int xnl_vif_add(struct xnl_ctx *ctx, uint32_t domid, struct vif_spec *v)
{
    struct xs_handle *xsh = xnl_xs(ctx);
    if (!xsh)
        return -ENOTCONN;
    if (v->devid < 0) {
        /* The next devid after the highest, as libxl picks it. */
        uint32_t ids[MAX_VIFS];
        int n = xldev_list(xsh, "vif", domid, ids, MAX_VIFS);
        v->devid = 0;
        for (int i = 0; i < n && i < MAX_VIFS; i++)
            if ((int32_t)ids[i] >= v->devid)
                v->devid = (int32_t)ids[i] + 1;
    }
    char err[1200];
    if (attach(xsh, domid, v, err, sizeof(err)) < 0)
        return xnl_fail(ctx, -EIO, "cannot attach a vif to domain %u: %s", domid, err);
    return 0;
}

/* The vif whose devid or MAC is which, and its interface's name. */
static int find_vif(struct xnl_ctx *ctx, uint32_t domid, const char *which, uint32_t *devid,
                    char *ifname, size_t len)
{
    uint8_t mac[6];
    bool by_mac = vif_mac_parse(which, mac) == 0;
    if (!by_mac) {
        char *end;
        errno = 0;
        unsigned long d = strtoul(which, &end, 10);
        if (!*which || *end || errno || d > INT32_MAX)
            return xnl_fail(ctx, -EINVAL, "'%s' is neither a devid nor a MAC address", which);
        *devid = (uint32_t)d;
    }
    uint32_t ids[MAX_VIFS];
    int n = xldev_list(xnl_xs(ctx), "vif", domid, ids, MAX_VIFS);
    for (int i = 0; i < n && i < MAX_VIFS; i++) {
        char *m = xnl_device_read(ctx, "vif", domid, ids[i], false, "mac");
        uint8_t got[6];
        bool match = by_mac ? m && vif_mac_parse(m, got) == 0 && !memcmp(got, mac, 6)
                            : ids[i] == *devid;
        free(m);
        if (!match)
            continue;
        *devid = ids[i];
        char *name = xnl_device_read(ctx, "vif", domid, ids[i], false, "vifname");
        if (name && *name)
            snprintf(ifname, len, "%s", name);
        else
            snprintf(ifname, len, "vif%u.%u", domid, ids[i]);
        free(name);
        return 0;
    }
    return xnl_fail(ctx, -ENOENT, "domain %u has no vif %s", domid, which);
}

int xnl_vif_remove(struct xnl_ctx *ctx, uint32_t domid, const char *devid_or_mac)
{
    struct xs_handle *xsh = xnl_xs(ctx);
    if (!xsh)
        return -ENOTCONN;
    uint32_t devid = 0;
    char ifname[32];
    int rc = find_vif(ctx, domid, devid_or_mac, &devid, ifname, sizeof(ifname));
    if (rc < 0)
        return rc;
    char env_vif[48], err[1200];
    snprintf(env_vif, sizeof(env_vif), "vif=%s", ifname);
    const char *env[] = {env_vif, NULL};
    if (xldev_remove(xsh, "vif", domid, devid, false, env, err, sizeof(err)) < 0)
        return xnl_fail(ctx, -EIO, "cannot detach vif %u of domain %u: %s", devid, domid, err);
    return 0;
}
