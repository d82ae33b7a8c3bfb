#include "config.h"

#include <string.h>

#include "toolstack/domain_config_json.h"
#include "toolstack/json_util.h"
#include "toolstack/xluuid.h"

#define CHECK(expr)                                                                   \
    do {                                                                              \
        yajl_gen_status s_ = (expr);                                                  \
        if (s_ != yajl_gen_status_ok)                                                 \
            return s_;                                                                \
    } while (0)

static yajl_gen_status gen_c_info(yajl_gen g, const struct domain_config *dc)
{
    char uuid[XLUUID_STRLEN + 1];
    xluuid_format(dc->uuid, uuid);
    CHECK(json_str(g, "c_info"));
    CHECK(yajl_gen_map_open(g));
    CHECK(json_key_str(g, "type", dc_type_name(dc->type)));
    CHECK(json_key_str(g, "name", dc->name));
    CHECK(json_key_str(g, "uuid", uuid));
    return yajl_gen_map_close(g);
}

static yajl_gen_status gen_b_info(yajl_gen g, const struct domain_config *dc)
{
    CHECK(json_str(g, "b_info"));
    CHECK(yajl_gen_map_open(g));
    CHECK(json_key_int(g, "max_vcpus", dc->maxvcpus));
    /* libxl prints a CPU bitmap as the list of its set bits. */
    CHECK(json_str(g, "avail_vcpus"));
    CHECK(yajl_gen_array_open(g));
    for (uint32_t i = 0; i < dc->vcpus; i++)
        CHECK(yajl_gen_integer(g, i));
    CHECK(yajl_gen_array_close(g));
    CHECK(json_key_int(g, "max_memkb", (long long)(dc->maxmem_mib * 1024)));
    CHECK(json_key_int(g, "target_memkb", (long long)(dc->memory_mib * 1024)));
    if (dc->kernel)
        CHECK(json_key_str(g, "kernel", dc->kernel));
    if (dc->cmdline)
        CHECK(json_key_str(g, "cmdline", dc->cmdline));
    if (dc->ramdisk)
        CHECK(json_key_str(g, "ramdisk", dc->ramdisk));
    CHECK(json_str(g, dc->type == DC_TYPE_HVM ? "type.hvm" : "type.pvh"));
    CHECK(yajl_gen_map_open(g));
    CHECK(yajl_gen_map_close(g));
    return yajl_gen_map_close(g);
}

/* disk=, as libxl's "disks" (libxl_device_disk). */
static yajl_gen_status gen_disks(yajl_gen g, const struct domain_config *dc)
{
    CHECK(json_str(g, "disks"));
    CHECK(yajl_gen_array_open(g));
    for (size_t i = 0; i < dc->ndisks; i++) {
        const struct disk_spec *d = &dc->disks[i];
        CHECK(yajl_gen_map_open(g));
        CHECK(json_key_str(g, "pdev_path", d->target));
        CHECK(json_key_str(g, "vdev", d->vdev));
        CHECK(json_key_str(g, "backend", d->backendtype ? d->backendtype : "phy"));
        CHECK(json_key_str(g, "format", disk_format_name(d->format)));
        if (d->script)
            CHECK(json_key_str(g, "script", d->script));
        CHECK(json_key_int(g, "removable", d->cdrom ? 1 : 0));
        CHECK(json_key_int(g, "readwrite", d->readonly ? 0 : 1));
        CHECK(json_key_int(g, "is_cdrom", d->cdrom ? 1 : 0));
        if (d->direct_io_safe)
            CHECK(json_key_int(g, "direct_io_safe", 1));
        if (d->discard >= 0)
            CHECK(json_key_str(g, "discard_enable", d->discard ? "True" : "False"));
        CHECK(yajl_gen_map_close(g));
    }
    return yajl_gen_array_close(g);
}

/* vif=, as libxl's "nics" (libxl_device_nic). */
static yajl_gen_status gen_nics(yajl_gen g, const struct domain_config *dc)
{
    CHECK(json_str(g, "nics"));
    CHECK(yajl_gen_array_open(g));
    for (size_t i = 0; i < dc->nvifs; i++) {
        const struct vif_spec *v = &dc->vifs[i];
        char mac[18];
        vif_mac_format(v->mac, mac);
        CHECK(yajl_gen_map_open(g));
        CHECK(json_key_int(g, "devid", v->devid));
        if (v->mtu)
            CHECK(json_key_int(g, "mtu", v->mtu));
        if (v->model)
            CHECK(json_key_str(g, "model", v->model));
        CHECK(json_key_str(g, "mac", mac));
        if (v->ip)
            CHECK(json_key_str(g, "ip", v->ip));
        CHECK(json_key_str(g, "bridge", v->bridge));
        if (v->vifname)
            CHECK(json_key_str(g, "ifname", v->vifname));
        CHECK(json_key_str(g, "script", v->script));
        CHECK(json_key_str(g, "nictype", strcmp(v->type, "ioemu") ? "vif" : "vif_ioemu"));
        if (v->rate_bytes) {
            CHECK(json_key_int(g, "rate_bytes_per_interval", (long long)v->rate_bytes));
            CHECK(json_key_int(g, "rate_interval_usecs", v->rate_usecs));
        }
        if (v->gatewaydev)
            CHECK(json_key_str(g, "gatewaydev", v->gatewaydev));
        CHECK(yajl_gen_map_close(g));
    }
    return yajl_gen_array_close(g);
}

yajl_gen_status domain_config_gen_json(yajl_gen g, const struct domain_config *dc)
{
    CHECK(yajl_gen_map_open(g));
    CHECK(gen_c_info(g, dc));
    CHECK(gen_b_info(g, dc));
    if (dc->ndisks)
        CHECK(gen_disks(g, dc));
    if (dc->nvifs)
        CHECK(gen_nics(g, dc));
    CHECK(json_key_str(g, "on_poweroff", dc_action_json_name(dc->on_poweroff)));
    CHECK(json_key_str(g, "on_reboot", dc_action_json_name(dc->on_reboot)));
    CHECK(json_key_str(g, "on_watchdog", dc_action_json_name(dc->on_watchdog)));
    CHECK(json_key_str(g, "on_crash", dc_action_json_name(dc->on_crash)));
    CHECK(json_key_str(g, "on_soft_reset", dc_action_json_name(dc->on_soft_reset)));
    return yajl_gen_map_close(g);
}
