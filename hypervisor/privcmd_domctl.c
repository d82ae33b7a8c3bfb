/* The privcmd operations on one domain, as Xen's domctl: create, load,
 * pause, unpause, destroy, info and find, rename, shutdown, memory limit,
 * vCPUs, scheduler weight and cap, and the HVM params the toolstack
 * owns. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/domain.h"
#include "hypervisor/domain_lifecycle.h"
#include "hypervisor/domain_load.h"
#include "hypervisor/hc_memory.h"
#include "hypervisor/hv.h"
#include "hypervisor/hvm_param.h"
#include "hypervisor/privcmd_ops.h"
#include "hypervisor/sched_cgroup.h"

void privcmd_op_create(struct privcmd_conn *c)
{
    char err[512] = "";
    struct privcmd_create_req req;
    if (!privcmd_body_take(c, &req, sizeof(req)))
        return;
    struct privcmd_domid out = {0};
    int rc = domain_create(&req, &out.domid, err, sizeof(err));
    if (rc)
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, rc, err);
    else
        privcmd_respond(c, c->hdr.op, c->hdr.id, 0, &out, sizeof(out));
}

void privcmd_op_load_pvh(struct privcmd_conn *c)
{
    uint32_t op = c->hdr.op, id = c->hdr.id;
    char err[512] = "";
    struct privcmd_load_pvh_req req;
    if (c->hdr.len < sizeof(req)) {
        privcmd_respond_err(c, op, id, -EINVAL, "malformed request: short load request");
        return;
    }
    memcpy(&req, c->body, sizeof(req));
    if (c->hdr.len != sizeof(req) + (uint64_t)req.cmdline_len) {
        privcmd_respond_err(c, op, id, -EINVAL, "malformed request: command line length mismatch");
        return;
    }
    if (req.nr_fds < 1 || req.nr_fds > 2 || (int)req.nr_fds != c->nfds) {
        privcmd_respond_errf(c, op, id, -EINVAL,
                             "malformed request: %u file descriptors announced, %d received",
                     req.nr_fds, c->nfds);
        return;
    }
    char *cmdline = malloc(req.cmdline_len + 1);
    if (!cmdline) {
        privcmd_respond_err(c, op, id, -ENOMEM, "out of memory");
        return;
    }
    memcpy(cmdline, c->body + sizeof(req), req.cmdline_len);
    cmdline[req.cmdline_len] = '\0';
    if (strlen(cmdline) != req.cmdline_len) {
        free(cmdline);
        privcmd_respond_err(c, op, id, -EINVAL, "the command line contains a NUL byte");
        return;
    }
    int rc = domain_load_pvh(req.domid, c->fds[0], c->nfds > 1 ? c->fds[1] : -1, cmdline, err,
                                sizeof(err));
    free(cmdline);
    privcmd_respond_rc(c, op, id, rc, err);
}

/* The operations that name one guest and answer with nothing. */
void privcmd_op_domain_control(struct privcmd_conn *c)
{
    uint32_t op = c->hdr.op, id = c->hdr.id;
    char err[512] = "";
    struct privcmd_domid r;
    if (!privcmd_body_take(c, &r, sizeof(r)))
        return;
    if (r.domid == 0) {
        privcmd_respond_err(c, op, id, -EPERM, "that operation does not apply to Domain-0");
        return;
    }
    int rc = op == PRIVCMD_OP_DOMAIN_UNPAUSE ? domain_unpause(r.domid, err, sizeof(err))
             : op == PRIVCMD_OP_DOMAIN_PAUSE ? domain_pause(r.domid, err, sizeof(err))
                                             : domain_destroy(r.domid, err, sizeof(err));
    privcmd_respond_rc(c, op, id, rc, err);
}

/* DOMAIN_INFO and DOMAIN_FIND answer alike once they know whom: Domain-0,
 * a domain, or nobody (-ESRCH with what was asked for). */
static void respond_dominfo(struct privcmd_conn *c, bool dom0, struct domain *d, const char *asked)
{
    struct privcmd_dominfo info;
    if (dom0)
        hv_dom0_info(&info);
    else if (d)
        domain_info(d, &info);
    else {
        privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -ESRCH, "no domain %s", asked);
        return;
    }
    privcmd_respond(c, c->hdr.op, c->hdr.id, 0, &info, sizeof(info));
}

void privcmd_op_domain_info(struct privcmd_conn *c)
{
    struct privcmd_domid r;
    if (!privcmd_body_take(c, &r, sizeof(r)))
        return;
    char asked[16];
    snprintf(asked, sizeof(asked), "%u", r.domid);
    respond_dominfo(c, r.domid == 0, domain_find(r.domid), asked);
}

void privcmd_op_domain_find(struct privcmd_conn *c)
{
    struct privcmd_name r;
    if (!privcmd_body_take(c, &r, sizeof(r)))
        return;
    r.name[sizeof(r.name) - 1] = '\0';
    char asked[sizeof(r.name) + 16];
    snprintf(asked, sizeof(asked), "named '%s'", r.name);
    respond_dominfo(c, strcmp(r.name, "Domain-0") == 0, domain_find_name(r.name), asked);
}

void privcmd_op_param(struct privcmd_conn *c)
{
    bool set = c->hdr.op == PRIVCMD_OP_DOMAIN_SET_PARAM;
    struct privcmd_param p;
    struct domain *d = privcmd_take_domain(c, &p, sizeof(p), &p.domid);
    if (!d)
        return;
    if (!hvm_param_allowed(p.index, HVM_PARAM_BY_TOOLSTACK, set)) {
        privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -EINVAL,
                             "HVM param %u cannot be %s by the toolstack", p.index,
                             set ? "set" : "read");
        return;
    }
    pthread_mutex_lock(&d->lock);
    if (set)
        d->hvm_params[p.index] = p.value;
    else
        p.value = d->hvm_params[p.index];
    pthread_mutex_unlock(&d->lock);
    privcmd_respond(c, c->hdr.op, c->hdr.id, 0, &p, sizeof(p));
}

void privcmd_op_shutdown(struct privcmd_conn *c)
{
    struct privcmd_shutdown r;
    struct domain *d = privcmd_take_domain(c, &r, sizeof(r), &r.domid);
    if (!d)
        return;
    if (r.reason > SHUTDOWN_MAX) {
        privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -EINVAL, "unknown shutdown reason %u",
                             r.reason);
        return;
    }
    domain_shutdown(d, r.reason);
    privcmd_respond(c, c->hdr.op, c->hdr.id, 0, NULL, 0);
}

void privcmd_op_sched(struct privcmd_conn *c)
{
    bool set = c->hdr.op == PRIVCMD_OP_DOMAIN_SCHED_SET;
    struct privcmd_sched r;
    struct domain *d = privcmd_take_domain(c, &r, sizeof(r), &r.domid);
    if (!d)
        return;
    char err[256];
    int rc = set ? sched_set(d, r.weight, r.cap, err, sizeof(err)) : 0;
    if (rc) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, rc, err);
        return;
    }
    r.weight = d->sched_weight;
    r.cap = d->sched_cap;
    snprintf(r.cgroup, sizeof(r.cgroup), "%s", sched_path(d));
    privcmd_respond(c, c->hdr.op, c->hdr.id, 0, &r, sizeof(r));
}

void privcmd_op_set_maxmem(struct privcmd_conn *c)
{
    struct privcmd_maxmem r;
    struct domain *d = privcmd_take_domain(c, &r, sizeof(r), &r.domid);
    if (!d)
        return;
    char err[256];
    int rc = memory_set_max(d, r.max_kib, err, sizeof(err));
    privcmd_respond_rc(c, c->hdr.op, c->hdr.id, rc, err);
}

void privcmd_op_rename(struct privcmd_conn *c)
{
    struct privcmd_rename r;
    if (!privcmd_body_take(c, &r, sizeof(r)))
        return;
    if (r.domid == 0) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -EPERM, "Domain-0 keeps its name");
        return;
    }
    if (!memchr(r.name, '\0', sizeof(r.name))) {
        privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -EINVAL,
                             "domain name longer than %d bytes", PRIVCMD_NAME_LEN - 1);
        return;
    }
    char err[256];
    int rc = domain_rename(r.domid, r.name, err, sizeof(err));
    privcmd_respond_rc(c, c->hdr.op, c->hdr.id, rc, err);
}

void privcmd_op_vcpu_list(struct privcmd_conn *c)
{
    struct privcmd_domid r;
    struct domain *d = privcmd_take_domain(c, &r, sizeof(r), &r.domid);
    if (!d)
        return;
    size_t len = sizeof(struct privcmd_domlist) + d->nr_vcpus * sizeof(struct privcmd_vcpuinfo);
    uint8_t *buf = calloc(1, len);
    if (!buf) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    struct privcmd_domlist hdr = {.count = d->nr_vcpus};
    memcpy(buf, &hdr, sizeof(hdr));
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct privcmd_vcpuinfo vi;
        domain_vcpu_info(d, i, &vi);
        memcpy(buf + sizeof(hdr) + i * sizeof(vi), &vi, sizeof(vi));
    }
    privcmd_respond(c, c->hdr.op, c->hdr.id, 0, buf, len);
    free(buf);
}
