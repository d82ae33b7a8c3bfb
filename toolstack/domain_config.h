/*
 * The domain an xl.cfg describes, as far as this toolstack builds domains
 * today: identity, type, memory, vCPUs, the PVH kernel and what to do
 * when the guest stops.
 */
#ifndef XENOLITH_DOMAIN_CONFIG_H
#define XENOLITH_DOMAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toolstack/disk_spec.h"
#include "toolstack/vif_spec.h"
#include "toolstack/xlcfg.h"

/* on_poweroff= and friends, in xl.cfg(5)'s words. */
enum dc_action {
    DC_DESTROY,
    DC_RESTART,
    DC_RENAME_RESTART,
    DC_PRESERVE,
    DC_COREDUMP_DESTROY,
    DC_COREDUMP_RESTART,
    DC_SOFT_RESET,
};

enum dc_type {
    DC_TYPE_PVH,
    DC_TYPE_HVM,
};

#define DC_NAME_MAX 63 /* the daemon's limit, without the NUL */
#define DC_MAX_VCPUS 128

struct domain_config {
    char *name;
    uint8_t uuid[16];
    bool uuid_given; /* false: generated */
    enum dc_type type;
    uint64_t memory_mib;
    uint64_t maxmem_mib;
    uint32_t vcpus;
    uint32_t maxvcpus;
    char *kernel;  /* NULL when absent; paths as written, relative to cwd */
    char *ramdisk;
    char *cmdline; /* composed from cmdline, or root and extra */
    enum dc_action on_poweroff, on_reboot, on_watchdog, on_crash, on_soft_reset;
    /* disk=, in list order (xl-disk-configuration(5)). */
    struct disk_spec *disks;
    size_t ndisks;
    /* vif=, in list order, each with its devid (xl-network-configuration(5)). */
    struct vif_spec *vifs;
    size_t nvifs;
    /* Things xl warns about on stderr, in the order found; the config is
     * still usable. Keys with no effect here each get one. */
    char **warnings;
    int nwarnings;
};

/*
 * Fills dc from a parsed config. 0, or -errno with a message in err that
 * names the file, line and key when a key is at fault. On failure dc is
 * left empty (nothing to free).
 *
 * Every key set is dealt with as toolstack/xlcfg_keys.c says: read,
 * warned of in dc->warnings ("guest.cfg:7: key \"vnc\" has no effect
 * here: ..."), or refused ("guest.cfg:7: key \"pci\": ..."). A key Xen's
 * xl.cfg(5) does not name is warned of too, where Xen's xl says nothing.
 */
int domain_config_from_xlcfg(xlcfg *cfg, struct domain_config *dc, char *err, size_t errlen);
void domain_config_free(struct domain_config *dc);

const char *dc_action_name(enum dc_action a);       /* "rename-restart" */
const char *dc_action_json_name(enum dc_action a);  /* "restart_rename", as libxl */
int dc_action_parse(const char *word, enum dc_action *out);
const char *dc_type_name(enum dc_type t);

#endif
