/*
 * Hotplug scripts run Xen's way (the interface of Xen's
 * tools/hotplug/Linux scripts): `SCRIPT add|remove` for block devices,
 * `SCRIPT online|offline` for vifs, with XENBUS_TYPE, XENBUS_PATH (the
 * device's backend directory) and XENBUS_BASE_PATH in the environment,
 * plus whatever the caller adds (vif=, netdev=, ...). XENOLITH_RUNDIR and
 * XENSTORED_PATH are exported too, so a script reaches our store with
 * Debian's xenstore-read/xenstore-write.
 *
 * A script reports through XenStore: hotplug-status "connected", or
 * "error" with the reason in hotplug-error. It runs in its own process
 * group, which is killed when it overruns its timeout (40 s, as xl).
 *
 * Scripts are found in $XENOLITH_SCRIPTS when set (tests point it at the
 * source tree's dom0/scripts), else in the installed
 * $(sysconfdir)/xenolith/scripts; script= may also be an absolute path.
 */
#ifndef XENOLITH_HOTPLUG_H
#define XENOLITH_HOTPLUG_H

#include <stddef.h>
#include <xenstore.h>

#define HOTPLUG_TIMEOUT_MS 40000u

struct hotplug_req {
    const char *script;        /* a name in the scripts dir, or an absolute path */
    const char *action;        /* add, remove, online, offline */
    const char *type;          /* XENBUS_TYPE: vbd, vif */
    const char *backend_path;  /* XENBUS_PATH */
    const char *const *env;    /* extra NAME=value strings, NULL-terminated; may be NULL */
    unsigned timeout_ms;       /* 0: HOTPLUG_TIMEOUT_MS */
};

/* The directory scripts are looked up in. */
const char *hotplug_scripts_dir(void);

/* The script's path for script= (a name or an absolute path) into buf;
 * 0, or -1 with the reason in err when it is no executable. */
int hotplug_resolve(const char *script, char *buf, size_t len, char *err, size_t errlen);

/*
 * Runs the script and waits for it (at most the timeout). For add and
 * online the script must leave hotplug-status "connected" under the
 * backend path; for remove and offline its exit status decides.
 * 0, or -1 with the reason in err (hotplug-error when the script gave
 * one, else what went wrong: not found, timed out, exit status).
 * xsh may be NULL for remove/offline.
 */
int hotplug_run(struct xs_handle *xsh, const struct hotplug_req *r, char *err, size_t errlen);

#endif
