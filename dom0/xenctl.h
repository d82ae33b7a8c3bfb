/*
 * libxenctl: the Dom0 client of xenolithd's privcmd socket, in the role
 * libxenctrl plays for Xen. Every call is synchronous and returns 0 or
 * -errno; on failure xenctl_error() holds a message naming what went wrong
 * (the daemon's own words when the daemon refused).
 */
#ifndef XENOLITH_XENCTL_H
#define XENOLITH_XENCTL_H

#include <stddef.h>
#include <stdint.h>

#include "include/privcmd_abi.h"

typedef struct xenctl xenctl;

/* rundir NULL: $XENOLITH_RUNDIR, else /run/xenolith. Returns NULL with
 * errno set and, if err is given, a message in it. */
xenctl *xenctl_open(const char *rundir, char *err, size_t errlen);
void xenctl_close(xenctl *xc);
const char *xenctl_error(const xenctl *xc);
/* The runtime directory this handle talks to. */
const char *xenctl_rundir(const xenctl *xc);

int xenctl_host_info(xenctl *xc, struct privcmd_hostinfo *out);

int xenctl_domain_create(xenctl *xc, const struct privcmd_create_req *req,
                         uint32_t *domid);
/* ramdisk_fd -1 for none; cmdline may be NULL. */
int xenctl_domain_load_pvh(xenctl *xc, uint32_t domid, int kernel_fd,
                           int ramdisk_fd, const char *cmdline);
int xenctl_domain_unpause(xenctl *xc, uint32_t domid);
int xenctl_domain_pause(xenctl *xc, uint32_t domid);
int xenctl_domain_destroy(xenctl *xc, uint32_t domid);
int xenctl_domain_info(xenctl *xc, uint32_t domid, struct privcmd_dominfo *out);
/* The domain called name (Domain-0 included); -ESRCH when none is. */
int xenctl_domain_find(xenctl *xc, const char *name, struct privcmd_dominfo *out);
/* Domain-0 first, then guests by domid; *out is malloc'd, free() it. */
int xenctl_domain_list(xenctl *xc, struct privcmd_dominfo **out, size_t *count);
/* Blocks until the domain is shut down, crashed or gone (then -ESRCH);
 * out gets its final info. */
int xenctl_domain_wait(xenctl *xc, uint32_t domid, struct privcmd_dominfo *out);

/* HVM params the toolstack owns (HVM_PARAM_STORE_PFN, _STORE_EVTCHN,
 * _CONSOLE_PFN, _CONSOLE_EVTCHN); get reads any param. */
int xenctl_domain_set_param(xenctl *xc, uint32_t domid, uint32_t index, uint64_t value);
int xenctl_domain_get_param(xenctl *xc, uint32_t domid, uint32_t index, uint64_t *value);
/* A port in domain domid, unbound and waiting for remote_domid. */
int xenctl_evtchn_alloc_unbound(xenctl *xc, uint32_t domid, uint32_t remote_domid,
                                uint32_t *port);

/* Stops the domain with a SHUTDOWN_* reason without asking the guest. */
int xenctl_domain_shutdown(xenctl *xc, uint32_t domid, uint32_t reason);

/* Credit scheduler: weight 1..65535 (256 default), cap in % of one CPU
 * (0 = none). get also says which cgroup the domain's vCPUs are in. */
int xenctl_sched_credit_set(xenctl *xc, uint32_t domid, uint32_t weight, uint32_t cap);
int xenctl_sched_credit_get(xenctl *xc, uint32_t domid, struct privcmd_sched *out);

/* The most memory the domain may populate (xl mem-max). */
int xenctl_domain_set_maxmem(xenctl *xc, uint32_t domid, uint64_t max_kib);
/* A new name; refused when another domain has it. */
int xenctl_domain_rename(xenctl *xc, uint32_t domid, const char *name);
/* Every vCPU of the domain; *out is malloc'd, free() it. */
int xenctl_vcpu_list(xenctl *xc, uint32_t domid, struct privcmd_vcpuinfo **out, size_t *count);

/* The one-letter state xl prints ('r','b','p','s','c','d'). */
char xenctl_state_letter(uint32_t state);
/* "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset". */
const char *xenctl_shutdown_reason_name(uint32_t reason);

#endif
