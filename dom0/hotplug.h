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
 * Scripts are found in $XENOLITH_SCRIPTS when set; else a program run
 * from the build tree it was built in (as README's by-hand session runs
 * build/toolstack/xl) uses its source tree's dom0/scripts, so it needs no
 * install step; else, as for an installed program, the installed
 * $(sysconfdir)/xenolith/scripts (/etc/xenolith/scripts). script= may
 * also be an absolute path.
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

/* The directory scripts are looked up in, for this program. */
const char *hotplug_scripts_dir(void);
/* The directory a program at exe (a canonical path) would use when
 * XENOLITH_SCRIPTS is unset: the source tree's or the installed one. */
const char *hotplug_scripts_dir_of(const char *exe);

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
