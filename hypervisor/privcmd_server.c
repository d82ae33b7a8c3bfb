/*
 * The privcmd server: the table from each operation to its handler
 * (privcmd_ops.h), between the transport (privcmd_transport.c) and the
 * hypervisor.
 */
#include "config.h"

#include <errno.h>

#include "hypervisor/domain.h"
#include "hypervisor/evtchn.h"
#include "hypervisor/privcmd_ops.h"
#include "hypervisor/privcmd_server.h"

typedef void (*op_handler)(struct privcmd_conn *c);

static const op_handler handlers[] = {
    [PRIVCMD_OP_HOST_INFO] = privcmd_op_host_info,
    [PRIVCMD_OP_DOMAIN_CREATE] = privcmd_op_create,
    [PRIVCMD_OP_DOMAIN_LOAD_PVH] = privcmd_op_load_pvh,
    [PRIVCMD_OP_DOMAIN_UNPAUSE] = privcmd_op_domain_control,
    [PRIVCMD_OP_DOMAIN_PAUSE] = privcmd_op_domain_control,
    [PRIVCMD_OP_DOMAIN_DESTROY] = privcmd_op_domain_control,
    [PRIVCMD_OP_DOMAIN_INFO] = privcmd_op_domain_info,
    [PRIVCMD_OP_DOMAIN_FIND] = privcmd_op_domain_find,
    [PRIVCMD_OP_DOMAIN_LIST] = privcmd_op_list,
    [PRIVCMD_OP_DOMAIN_WAIT] = privcmd_op_domain_wait,
    [PRIVCMD_OP_EVTCHN_BIND_INTERDOMAIN] = privcmd_op_evtchn,
    [PRIVCMD_OP_EVTCHN_BIND_UNBOUND] = privcmd_op_evtchn,
    [PRIVCMD_OP_EVTCHN_BIND_VIRQ] = privcmd_op_evtchn,
    [PRIVCMD_OP_EVTCHN_UNBIND] = privcmd_op_evtchn,
    [PRIVCMD_OP_EVTCHN_NOTIFY] = privcmd_op_evtchn,
    [PRIVCMD_OP_DOMAIN_MEMORY] = privcmd_op_domain_memory,
    [PRIVCMD_OP_GNTTAB_MAP] = privcmd_op_gnttab_map,
    [PRIVCMD_OP_GNTTAB_UNMAP] = privcmd_op_gnttab_map,
    [PRIVCMD_OP_GNTTAB_COPY] = privcmd_op_gnttab_copy,
    [PRIVCMD_OP_RAW_DOORBELL] = privcmd_op_raw_doorbell,
    [PRIVCMD_OP_DOMAIN_SET_PARAM] = privcmd_op_param,
    [PRIVCMD_OP_DOMAIN_GET_PARAM] = privcmd_op_param,
    [PRIVCMD_OP_EVTCHN_ALLOC_UNBOUND] = privcmd_op_alloc_unbound,
    [PRIVCMD_OP_DOMAIN_SCHED_SET] = privcmd_op_sched,
    [PRIVCMD_OP_DOMAIN_SCHED_GET] = privcmd_op_sched,
    [PRIVCMD_OP_DOMAIN_SHUTDOWN] = privcmd_op_shutdown,
    [PRIVCMD_OP_DOMAIN_SET_MAXMEM] = privcmd_op_set_maxmem,
    [PRIVCMD_OP_DOMAIN_VCPU_LIST] = privcmd_op_vcpu_list,
    [PRIVCMD_OP_DOMAIN_RENAME] = privcmd_op_rename,
};

void privcmd_dispatch(struct privcmd_conn *c)
{
    uint32_t op = c->hdr.op;
    if (op != PRIVCMD_OP_DOMAIN_LOAD_PVH && c->nfds) {
        privcmd_respond_err(c, op, c->hdr.id, -EINVAL,
                            "malformed request: unexpected file descriptors");
        return;
    }
    if (op >= sizeof(handlers) / sizeof(handlers[0]) || !handlers[op]) {
        privcmd_respond_errf(c, op, c->hdr.id, -ENOSYS, "unknown privcmd operation %u", op);
        return;
    }
    handlers[op](c);
}

struct domain *privcmd_live_domain(struct privcmd_conn *c, uint32_t domid)
{
    struct domain *d = domain_find(domid);
    if (!d || d->dying) {
        privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -ESRCH, "no domain %u", domid);
        return NULL;
    }
    return d;
}

struct domain *privcmd_take_domain(struct privcmd_conn *c, void *req, size_t len,
                                   uint32_t *domid)
{
    return privcmd_body_take(c, req, len) ? privcmd_live_domain(c, *domid) : NULL;
}

void privcmd_conn_released(struct privcmd_conn *c)
{
    privcmd_wait_forget(c);
    dom0_evtchn_release_owner(c);
    privcmd_holds_release(&c->holds);
}

int privcmd_server_start(uv_loop_t *loop, const char *rundir, gid_t admin_gid, char *err,
                         size_t errlen)
{
    int rc = privcmd_transport_listen(loop, rundir, admin_gid, err, errlen);
    if (rc == 0)
        privcmd_wait_start(loop);
    return rc;
}

void privcmd_server_stop(void)
{
    privcmd_transport_stop();
    privcmd_wait_stop();
}
