/*
 * The per-domain monitor xl create leaves behind: it waits for the domain
 * to stop and carries out on_poweroff / on_reboot / on_crash.
 */
#ifndef XENOLITH_MONITOR_H
#define XENOLITH_MONITOR_H

#include <stdint.h>
#include <stdio.h>

#include "toolstack/domain_config.h"

/* Runs until the domain is gone, is left alone as the config asks, or
 * xenolithd goes away; logs to log. 0, or 1 when the daemon was lost. */
int monitor_run(const char *rundir, uint32_t domid, const struct domain_config *dc, FILE *log);

/* Starts monitor_run in a detached process (double fork, own session,
 * stdio on /dev/null, log in <rundir>/log/xl-<name>.log). 0 once it is
 * running, or -errno. */
int monitor_spawn(const char *rundir, uint32_t domid, const struct domain_config *dc);

#endif
