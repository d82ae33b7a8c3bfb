/*
 * The privcmd operations, one file per group as Xen's domctl.c and
 * sysctl.c: privcmd_sysctl.c (the host, every domain), privcmd_domctl.c
 * (one domain's life and settings), privcmd_domain_wait.c (DOMAIN_WAIT),
 * privcmd_evtchn.c (Dom0's event channels), privcmd_memory.c (a domain's
 * memory file and grants). privcmd_server.c's table maps each operation to
 * its handler. A handler reads its request from c (privcmd_transport.h),
 * answers it exactly once with a privcmd_respond function, and runs on
 * the event-loop thread.
 */
#ifndef XENOLITH_PRIVCMD_OPS_H
#define XENOLITH_PRIVCMD_OPS_H

#include <stdint.h>
#include <uv.h>

#include "hypervisor/privcmd_transport.h"

struct domain;

/* privcmd_server.c: the transport's way in. */
/* Runs the handler of c's request, or answers -ENOSYS or -EINVAL. */
void privcmd_dispatch(struct privcmd_conn *c);
/* c is going: drops what the operations keep for it (its waits, its Dom0
 * ports, its grant maps). */
void privcmd_conn_released(struct privcmd_conn *c);
/* The live (not dying) domain domid; NULL when there is none, and then c
 * has its answer (-ESRCH, "no domain N"). */
struct domain *privcmd_live_domain(struct privcmd_conn *c, uint32_t domid);
/* The start of most operations on one domain: c's body taken into req
 * (len bytes, privcmd_body_take), then the live domain that *domid (a
 * field of req) names. NULL when either fails, and then c has its
 * answer. */
struct domain *privcmd_take_domain(struct privcmd_conn *c, void *req, size_t len,
                                   uint32_t *domid);

/* privcmd_sysctl.c */
void privcmd_op_host_info(struct privcmd_conn *c);
void privcmd_op_list(struct privcmd_conn *c);

/* privcmd_domctl.c */
void privcmd_op_create(struct privcmd_conn *c);
void privcmd_op_load_pvh(struct privcmd_conn *c);
void privcmd_op_domain_control(struct privcmd_conn *c);
void privcmd_op_domain_info(struct privcmd_conn *c);
void privcmd_op_domain_find(struct privcmd_conn *c);
void privcmd_op_param(struct privcmd_conn *c);
void privcmd_op_sched(struct privcmd_conn *c);
void privcmd_op_shutdown(struct privcmd_conn *c);
void privcmd_op_set_maxmem(struct privcmd_conn *c);
void privcmd_op_vcpu_list(struct privcmd_conn *c);
void privcmd_op_rename(struct privcmd_conn *c);

/* privcmd_domain_wait.c: a DOMAIN_WAIT is answered when its domain stops
 * or goes, which the vCPU threads signal through hv.state_changed. */
void privcmd_op_domain_wait(struct privcmd_conn *c);
void privcmd_wait_start(uv_loop_t *loop);
void privcmd_wait_stop(void);
/* Forgets c's waits, unanswered. */
void privcmd_wait_forget(struct privcmd_conn *c);

/* privcmd_evtchn.c */
void privcmd_op_evtchn(struct privcmd_conn *c);
void privcmd_op_alloc_unbound(struct privcmd_conn *c);
void privcmd_op_raw_doorbell(struct privcmd_conn *c);

/* privcmd_memory.c */
void privcmd_op_domain_memory(struct privcmd_conn *c);
void privcmd_op_gnttab_map(struct privcmd_conn *c);
void privcmd_op_gnttab_copy(struct privcmd_conn *c);

#endif
