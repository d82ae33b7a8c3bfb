/*
 * Split-driver devices in XenStore, as libxl writes them
 * (libxl_device.c): one transaction creates
 *
 *   /local/domain/0/backend/<type>/<domid>/<devid>   (dom0's, guest may read)
 *       frontend, frontend-id, online=1, state=1, + the type's keys
 *   /local/domain/<domid>/device/<type>/<devid>       (the guest's, dom0 may read)
 *       backend, backend-id, state=1, + the type's keys
 *
 * and then runs the hotplug script named by the backend's "script" key
 * (add for vbd, online for vif); its failure removes the device again.
 *
 * Removal asks nicely first: online=0 and backend state Closing, so the
 * frontend closes and the backend daemon reaches Closed; after the
 * timeout (or at once with force) the hotplug script's remove/offline
 * runs and both directories go.
 *
 * Shared by xl create (disks, vifs), block-/network-attach and -detach,
 * and the monitor when a domain dies. Errors: -1 with the reason in err.
 */
#ifndef XENOLITH_XNL_DEVICE_H
#define XENOLITH_XNL_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

#include "toolstack/lib/xnl.h"

/* How long removal waits for the backend to say Closed (libxl: 10 s). */
#define XLDEV_REMOVE_TIMEOUT_MS 10000u

struct xldev_kv {
    const char *key;
    const char *val;
};

struct xldev {
    const char *type;  /* "vbd", "vif" */
    uint32_t domid;
    uint32_t devid;
    /* Type-specific keys; the generic ones above are added here. A
     * backend key "script" names the hotplug script to run. */
    const struct xldev_kv *back;
    unsigned nback;
    const struct xldev_kv *front;
    unsigned nfront;
    /* Extra NAME=value strings for the hotplug script (vif=, netdev=);
     * NULL-terminated, may be NULL. */
    const char *const *hotplug_env;
    /* Run the hotplug script only once the backend daemon has reached
     * InitWait (libxl does so for vifs: the tap must exist first). */
    bool hotplug_after_initwait;
};

/* The frontend's directory (the backend's: xnl_device_backend_path);
 * 0, or -1 if it does not fit. */
int xldev_frontend_path(char *buf, size_t len, const char *type, uint32_t domid, uint32_t devid);

/* Writes the device (refused if devid is taken) and runs its hotplug
 * add/online. */
int xldev_add(struct xs_handle *xsh, const struct xldev *d, char *err, size_t errlen);

/* Closes and removes one device. 0, or -1 (ENOENT in errno when the
 * device does not exist). The hotplug env is only needed for vifs. */
int xldev_remove(struct xs_handle *xsh, const char *type, uint32_t domid, uint32_t devid,
                 bool force, const char *const *hotplug_env, char *err, size_t errlen);

/* Removes every device of every type the domain has, without waiting for
 * the frontend (the domain is gone). Problems are counted, not fatal:
 * returns how many devices could not be removed cleanly. */
int xldev_remove_all(struct xs_handle *xsh, uint32_t domid, char *err, size_t errlen);

/* The devids of type for domid, ascending, into ids (at most max);
 * the count (possibly more than max), or -1. */
int xldev_list(struct xs_handle *xsh, const char *type, uint32_t domid, uint32_t *ids,
               unsigned max);

/* What xl create does with the devices of one type: attach(i) for each
 * i below n on one store connection, and when one fails, the ones
 * before it removed again. attach returns 0 with the device's devid, or
 * -1 with the reason in err. 0, or -errno with a message naming the
 * domain (name) and the reason in the context. */
typedef int xldev_attach_fn(struct xs_handle *xsh, uint32_t domid, size_t i, void *arg,
                            uint32_t *devid, char *err, size_t errlen);
int xldev_attach_all(struct xnl_ctx *ctx, uint32_t domid, const char *name, const char *type,
                     size_t n, xldev_attach_fn *attach, void *arg);

/* Every disk (disk.c) or vif (vif.c) of dc for a new, paused domain,
 * through xldev_attach_all. */
int xldisk_setup_all(struct xnl_ctx *ctx, uint32_t domid, const struct domain_config *dc);
int xlvif_setup_all(struct xnl_ctx *ctx, uint32_t domid, const struct domain_config *dc);

#endif
