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
#ifndef XENOLITH_XL_DEVICE_H
#define XENOLITH_XL_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

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

/* The two directories; 0, or -1 if they do not fit. */
int xldev_backend_path(char *buf, size_t len, const char *type, uint32_t domid, uint32_t devid);
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

/* A key under the backend or frontend dir, malloc'd, or NULL. */
char *xldev_read_backend(struct xs_handle *xsh, const char *type, uint32_t domid, uint32_t devid,
                         const char *key);
char *xldev_read_frontend(struct xs_handle *xsh, const char *type, uint32_t domid,
                          uint32_t devid, const char *key);

/* What xl create does with the devices of one type: attach(i) for each
 * i below n on one store connection, and when one fails, the ones
 * before it removed again. attach returns 0 with the device's devid, or
 * -1 with the reason in err. 0, or -1 after a message naming the
 * domain (name) and the reason. */
typedef int xldev_attach_fn(struct xs_handle *xsh, uint32_t domid, size_t i, void *arg,
                            uint32_t *devid, char *err, size_t errlen);
int xldev_attach_all(const char *rundir, uint32_t domid, const char *name, const char *type,
                     size_t n, xldev_attach_fn *attach, void *arg);

/* A key as a number; def when it is absent or not one. */
int xldev_read_int(struct xs_handle *xsh, const char *type, uint32_t domid, uint32_t devid,
                   bool front, const char *key, int def);

/* For the device commands: the domain arg names (not Domain-0, which has
 * no frontends here) and a store connection. 0, or xl's exit code after
 * a message. */
int xldev_open_domain(const char *arg, uint32_t *domid, struct xs_handle **xsh);

#endif
