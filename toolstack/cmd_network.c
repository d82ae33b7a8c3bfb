/*
 * vifs the Xen way: libxl's XenStore entries for each vif, the backend
 * (xenolith-netback) makes the tap, the hotplug script (vif-bridge by
 * default) puts it on its bridge. xl create sets up the config's vifs;
 * network-attach, network-detach and network-list work on a running
 * domain, with xl's arguments and output.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/cmd_network.h"
#include "toolstack/device.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"
#include "toolstack/xs_domain.h"

#define MAX_VIFS 64

static void ifname_of(const struct vif_spec *v, uint32_t domid, char *buf, size_t len)
{
    if (v->vifname)
        snprintf(buf, len, "%s", v->vifname);
    else
        snprintf(buf, len, "vif%u.%d", domid, v->devid);
}

int xl_vif_attach(struct xs_handle *xsh, uint32_t domid, const struct vif_spec *v, char *err,
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
    if (xl_vif_attach(xsh, domid, v, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "vif %d: %s", v->devid, why);
        return -1;
    }
    return 0;
}

int xl_vifs_setup(const char *rundir, uint32_t domid, const struct domain_config *dc)
{
    return xldev_attach_all(rundir, domid, dc->name, "vif", dc->nvifs, attach_nth, (void *)dc);
}

int main_network_attach(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    /* As xl: every argument after the domain is one key=value of the spec. */
    char *spec = xl_join_args(argc, argv, optind + 1);
    if (!spec)
        return 1;
    struct vif_spec v;
    char err[512];
    int parsed = vif_spec_parse(spec, &v, err, sizeof(err));
    free(spec);
    if (parsed < 0) {
        xl_err("%s", err);
        return 1;
    }
    uint32_t domid;
    struct xs_handle *xsh;
    if ((rc = xldev_open_domain(argv[optind], &domid, &xsh)) != 0) {
        vif_spec_free(&v);
        return rc;
    }
    uint32_t ids[MAX_VIFS];
    int n = xldev_list(xsh, "vif", domid, ids, MAX_VIFS);
    if (v.devid < 0) {
        /* The next devid after the highest, as libxl picks it. */
        v.devid = 0;
        for (int i = 0; i < n && i < MAX_VIFS; i++)
            if ((int32_t)ids[i] >= v.devid)
                v.devid = (int32_t)ids[i] + 1;
    }
    rc = 0;
    if (xl_vif_attach(xsh, domid, &v, err, sizeof(err)) < 0) {
        xl_err("cannot attach a vif to domain %u: %s", domid, err);
        rc = 1;
    }
    xs_close(xsh);
    vif_spec_free(&v);
    return rc;
}

int main_network_detach(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 2, &rc))
        return rc;
    const char *which = argv[optind + 1];
    uint32_t domid;
    struct xs_handle *xsh;
    if ((rc = xldev_open_domain(argv[optind], &domid, &xsh)) != 0)
        return rc;
    uint32_t ids[MAX_VIFS];
    int n = xldev_list(xsh, "vif", domid, ids, MAX_VIFS);
    uint8_t mac[6];
    bool by_mac = vif_mac_parse(which, mac) == 0, found = false;
    uint32_t devid = 0;
    char *end;
    if (!by_mac) {
        errno = 0;
        unsigned long d = strtoul(which, &end, 10);
        if (!*which || *end || errno || d > INT32_MAX) {
            xl_err("'%s' is neither a devid nor a MAC address", which);
            xs_close(xsh);
            return 1;
        }
        devid = (uint32_t)d;
    }
    char ifname[32] = "";
    for (int i = 0; i < n && i < MAX_VIFS && !found; i++) {
        char *m = xldev_read_backend(xsh, "vif", domid, ids[i], "mac");
        uint8_t got[6];
        if (by_mac ? m && vif_mac_parse(m, got) == 0 && !memcmp(got, mac, 6) : ids[i] == devid) {
            found = true;
            devid = ids[i];
            char *name = xldev_read_backend(xsh, "vif", domid, ids[i], "vifname");
            snprintf(ifname, sizeof(ifname), "%s", name && *name ? name : "");
            free(name);
        }
        free(m);
    }
    if (!found) {
        xl_err("domain %u has no vif %s", domid, which);
        xs_close(xsh);
        return 1;
    }
    if (!*ifname)
        snprintf(ifname, sizeof(ifname), "vif%u.%u", domid, devid);
    char env_vif[48], err[512];
    snprintf(env_vif, sizeof(env_vif), "vif=%s", ifname);
    const char *env[] = {env_vif, NULL};
    rc = 0;
    if (xldev_remove(xsh, "vif", domid, devid, false, env, err, sizeof(err)) < 0) {
        xl_err("cannot detach vif %u of domain %u: %s", devid, domid, err);
        rc = 1;
    }
    xs_close(xsh);
    return rc;
}

int main_network_list(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.", "handle",
           "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    for (int a = optind; a < argc; a++) {
        uint32_t domid;
        struct xs_handle *xsh;
        if (xldev_open_domain(argv[a], &domid, &xsh) != 0) {
            rc = 1;
            continue;
        }
        uint32_t ids[MAX_VIFS];
        int n = xldev_list(xsh, "vif", domid, ids, MAX_VIFS);
        for (int i = 0; i < n && i < MAX_VIFS; i++) {
            char *mac = xldev_read_backend(xsh, "vif", domid, ids[i], "mac");
            char be[256];
            xldev_backend_path(be, sizeof(be), "vif", domid, ids[i]);
            printf("%-3u %-2d %-17s %6u %5d %6d %5d/%-11d %-30s\n", ids[i], 0, mac ? mac : "-",
                   ids[i], xldev_read_int(xsh, "vif", domid, ids[i], true, "state", -1),
                   xldev_read_int(xsh, "vif", domid, ids[i], true, "event-channel", -1),
                   xldev_read_int(xsh, "vif", domid, ids[i], true, "tx-ring-ref", -1),
                   xldev_read_int(xsh, "vif", domid, ids[i], true, "rx-ring-ref", -1), be);
            free(mac);
        }
        xs_close(xsh);
    }
    return rc;
}
