/*
 * libxnl: the toolstack's library, in the role of Xen's libxl. xl's
 * commands (toolstack/cmd_*.c) parse their options and call it; the
 * monitor it leaves per domain lives in it too, so a restart builds
 * exactly what xl create builds.
 *
 * Context
 *   Every call is made on a context: the connection to xenolithd
 *   (privcmd) and, opened when first needed, to xenolith-stored. A
 *   context is used by one thread at a time.
 *
 * Errors
 *   A call returns 0 (or a count, or a pointer) on success and -errno
 *   (or NULL) on failure; the message that goes with the failure, naming
 *   the domain, device or file, is xnl_error(ctx) until the next call.
 *   The library never prints. What goes wrong without failing the call
 *   (no XenStore daemon, a config not saved for xl list -l) goes to the
 *   warning function the caller set, or nowhere.
 *
 * Domains
 *   xnl_domain_create builds a domain from a struct domain_config
 *   (toolstack/domain_config.h): creates and loads it in xenolithd,
 *   writes its XenStore entries and introduces it, adds its console,
 *   disks and vifs, unpauses it, and saves its config; a failure at any
 *   step undoes all the steps before it. xnl_domain_destroy is the one
 *   teardown: the domain, its devices (their hotplug scripts run), its
 *   XenStore entries and its saved config.
 *
 * Devices
 *   Split-driver devices in XenStore as libxl writes them (lib/device.c,
 *   one file per type: disk.c, vif.c, console.c), added to and removed
 *   from a running or a paused domain.
 */
#ifndef XENOLITH_XNL_H
#define XENOLITH_XNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <xenstore.h>
#include <yajl/yajl_tree.h>

#include "dom0/xenctl.h"
#include "toolstack/disk_spec.h"
#include "toolstack/domain_config.h"
#include "toolstack/vif_spec.h"

struct xnl_ctx;

/* Called with each warning (one line, no newline). */
typedef void xnl_warn_fn(void *arg, const char *msg);

/* --- Context (ctx.c) --- */

/* Connects to xenolithd in rundir (NULL: $XENOLITH_RUNDIR or the
 * default); NULL with why in err. */
struct xnl_ctx *xnl_ctx_open(const char *rundir, char *err, size_t errlen);
/* Closes both connections and frees the context; NULL is ignored. */
void xnl_ctx_close(struct xnl_ctx *ctx);
/* Where warnings go from now on (fn NULL: nowhere). */
void xnl_ctx_set_warn(struct xnl_ctx *ctx, xnl_warn_fn *fn, void *arg);
/* The message of the last failed call on ctx ("" when none). */
const char *xnl_error(const struct xnl_ctx *ctx);
/* The runtime directory the context works in. */
const char *xnl_rundir(const struct xnl_ctx *ctx);
/* The privcmd connection, for what the library does not wrap (lists,
 * host info, scheduler). */
xenctl *xnl_xenctl(struct xnl_ctx *ctx);
/* The XenStore connection, opened on first use; NULL (the reason in
 * xnl_error) when xenolith-stored is not running. */
struct xs_handle *xnl_xs(struct xnl_ctx *ctx);
/* A XenStore connection of one's own (XENSTORED_PATH, else rundir's);
 * NULL with the socket's path in sock. */
struct xs_handle *xnl_xs_open(const char *rundir, char *sock, size_t socklen);

/* --- Domains (domain.c, rename.c) --- */

/* True when s is all digits, so a domain id rather than a name. */
bool xnl_is_domid(const char *s);
/* A domain by name or id; -ESRCH "domain 'X' does not exist", or the daemon's failure. */
int xnl_domain_find(struct xnl_ctx *ctx, const char *name_or_id, struct privcmd_dominfo *out);
/* Whether dc can be built here at all; -ENOEXEC: no kernel= (the caller names the file). */
int xnl_domain_check(const struct domain_config *dc, char *err, size_t errlen);
/* Builds dc's domain (paused: left paused); its id in *domid. Undone whole on failure. */
int xnl_domain_create(struct xnl_ctx *ctx, const struct domain_config *dc, bool paused,
                      uint32_t *domid);
/* Destroys the domain and removes its devices, XenStore entries and saved config. */
int xnl_domain_destroy(struct xnl_ctx *ctx, uint32_t domid);
/* Removes what is left of a gone domain: devices, XenStore entries,
 * saved config; problems are warnings. */
void xnl_domain_cleanup(struct xnl_ctx *ctx, uint32_t domid);
/* Stops the domain's vCPUs, keeping everything it holds; Domain-0 is refused. */
int xnl_domain_pause(struct xnl_ctx *ctx, uint32_t domid);
/* Lets a paused domain run again; Domain-0 is refused. */
int xnl_domain_unpause(struct xnl_ctx *ctx, uint32_t domid);
/* A new name in xenolithd, XenStore and the saved config; -EEXIST when it is taken. */
int xnl_domain_rename(struct xnl_ctx *ctx, uint32_t domid, const char *name);
/* Asks the guest to power off or reboot (control/shutdown) and waits for its acknowledgement. */
int xnl_domain_shutdown(struct xnl_ctx *ctx, const struct privcmd_dominfo *info, bool reboot,
                        bool force);
/* The config xnl_domain_create saved for a running domain, or NULL; free with yajl_tree_free. */
yajl_val xnl_domain_config_load(struct xnl_ctx *ctx, uint32_t domid, const uint8_t uuid[16]);

/* --- Memory and vCPUs (memory.c, vcpu.c) --- */

/* The balloon target (memory/target), in KiB: at least 1 MiB, at most the domain's maximum. */
int xnl_memory_set_target(struct xnl_ctx *ctx, const struct privcmd_dominfo *info, int64_t kib);
/* The most memory the domain may have, in KiB (xenolithd's limit and memory/static-max). */
int xnl_memory_set_max(struct xnl_ctx *ctx, const struct privcmd_dominfo *info, int64_t kib);
/* Puts n of the domain's vCPUs online; check_host: no more than the host's CPUs. */
int xnl_vcpus_set(struct xnl_ctx *ctx, const struct privcmd_dominfo *info, unsigned n,
                  bool check_host);

/* --- Devices (device.c, disk.c, vif.c, console.c) --- */

/* Adds a vbd (sr:SR/VDI resolved through the repositories) and runs its hotplug script. */
int xnl_disk_add(struct xnl_ctx *ctx, uint32_t domid, const struct disk_spec *d);
/* Removes a vbd, asking the frontend first unless force; -ENOENT when there is none. */
int xnl_disk_remove(struct xnl_ctx *ctx, uint32_t domid, uint32_t devid, bool force);
/* Adds a vif (v->devid < 0: the next free one, written back) once netback has made its tap. */
int xnl_vif_add(struct xnl_ctx *ctx, uint32_t domid, struct vif_spec *v);
/* Removes the vif with this devid or MAC address, asking the frontend first. */
int xnl_vif_remove(struct xnl_ctx *ctx, uint32_t domid, const char *devid_or_mac);
/* The devids of a device type ("vbd", "vif") of the domain, ascending, up to max; the count. */
int xnl_device_list(struct xnl_ctx *ctx, const char *type, uint32_t domid, uint32_t *ids,
                    unsigned max);
/* A device's backend directory in XenStore; 0, or -ENAMETOOLONG. */
int xnl_device_backend_path(char *buf, size_t len, const char *type, uint32_t domid,
                            uint32_t devid);
/* A backend (front false) or frontend key, malloc'd, or NULL when absent. */
char *xnl_device_read(struct xnl_ctx *ctx, const char *type, uint32_t domid, uint32_t devid,
                      bool front, const char *key);
/* A key as a number; def when it is absent or not one. */
int xnl_device_read_int(struct xnl_ctx *ctx, const char *type, uint32_t domid, uint32_t devid,
                        bool front, const char *key, int def);
/* True when xenolith-consoled serves rundir, so a new domain gets a console device. */
bool xnl_consoled_running(const char *rundir);

/* --- The monitor (monitor.c) --- */

/* Waits for the domain to stop and carries out on_poweroff/on_reboot/
 * on_crash, logging to log; 0, or 1 when xenolithd was lost. */
int xnl_monitor_run(const char *rundir, uint32_t domid, const struct domain_config *dc,
                    FILE *log);
/* xnl_monitor_run in a detached process logging to <rundir>/log/xl-<name>.log; 0 or -errno. */
int xnl_monitor_spawn(const char *rundir, uint32_t domid, const struct domain_config *dc);

#endif
