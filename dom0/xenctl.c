#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "include/xen_public.h"

#include "dom0/rundir.h"
#include "dom0/wire_io.h"
#include "dom0/xenctl.h"
#include "dom0/xenctl_call.h"

struct xenctl {
    int fd;
    uint32_t next_id;
    char rundir[RUNDIR_MAX];
    char err[512];
};

static int fail(xenctl *xc, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(xc->err, sizeof(xc->err), fmt, ap);
    va_end(ap);
    return rc;
}

xenctl *xenctl_open(const char *rundir, char *err, size_t errlen)
{
    xenctl *xc = calloc(1, sizeof(*xc));
    if (!xc) {
        if (err)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(xc->rundir, sizeof(xc->rundir), "%s", rundir ? rundir : rundir_default());

    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", xc->rundir,
                     PRIVCMD_SOCKET_NAME);
    if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
        if (err)
            snprintf(err, errlen, "runtime directory path too long: %s", xc->rundir);
        free(xc);
        errno = ENAMETOOLONG;
        return NULL;
    }
    xc->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (xc->fd < 0 || connect(xc->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        if (err)
            snprintf(err, errlen, "cannot reach xenolithd at %s: %s (is the daemon running?)",
                     sa.sun_path, strerror(e));
        if (xc->fd >= 0)
            close(xc->fd);
        free(xc);
        errno = e;
        return NULL;
    }
    return xc;
}

void xenctl_close(xenctl *xc)
{
    if (!xc)
        return;
    close(xc->fd);
    free(xc);
}

const char *xenctl_error(const xenctl *xc)
{
    return xc->err;
}

const char *xenctl_rundir(const xenctl *xc)
{
    return xc->rundir;
}

/* Reads a connection-level refusal (id 0, rc < 0) if one is queued. */
static int read_refusal(int fd, char *why, size_t len)
{
    struct privcmd_hdr r;
    ssize_t n = recv(fd, &r, sizeof(r), MSG_DONTWAIT | MSG_PEEK);
    if (n != (ssize_t)sizeof(r) || r.magic != PRIVCMD_MAGIC || r.id != 0 || r.rc >= 0 ||
        r.len == 0 || r.len >= len)
        return -1;
    if (wire_recv_exact(fd, &r, sizeof(r)) < 0 || wire_recv_exact(fd, why, r.len) < 0)
        return -1;
    why[r.len - 1] = '\0';
    return 0;
}

/* One request, one response. On success the response payload (up to
 * outlen bytes) is in out, *got says how much arrived, and up to max_rfds
 * file descriptors that came with it are in rfds (*nrfds of them). */
int xenctl_call_fds(xenctl *xc, uint32_t op, const void *req, size_t reqlen, const int *fds,
                    int nfds, void *out, size_t outlen, size_t *got, int *rfds, int max_rfds,
                    int *nrfds)
{
    struct privcmd_hdr h = {
        .magic = PRIVCMD_MAGIC, .op = op, .id = ++xc->next_id, .len = (uint32_t)reqlen,
    };
    if (nrfds)
        *nrfds = 0;
    if (wire_send(xc->fd, &h, req, reqlen, fds, nfds) < 0) {
        int e = errno;
        /* A daemon that refused us may have hung up before our request
         * went out; its reason is still waiting to be read. */
        char why[256];
        if (read_refusal(xc->fd, why, sizeof(why)) == 0)
            return fail(xc, -EACCES, "%s", why);
        return fail(xc, -e, "lost the connection to xenolithd: %s", strerror(e));
    }

    struct privcmd_hdr r;
    int tmpfds[PRIVCMD_MAX_REPLY_FDS], ntmp = 0;
    if (wire_recv_fds(xc->fd, &r, sizeof(r), tmpfds, PRIVCMD_MAX_REPLY_FDS, &ntmp) < 0)
        return fail(xc, -EPIPE, "xenolithd closed the connection");
    for (int i = 0; i < ntmp; i++) {
        if (rfds && i < max_rfds)
            rfds[i] = tmpfds[i];
        else
            close(tmpfds[i]);
    }
    if (nrfds)
        *nrfds = ntmp < max_rfds ? ntmp : max_rfds;
    /* id 0 answers no request: the daemon refusing the connection. */
    if (r.magic != PRIVCMD_MAGIC || (r.id != h.id && !(r.id == 0 && r.rc < 0)) ||
        r.len > PRIVCMD_MAX_PAYLOAD)
        return fail(xc, -EPROTO, "malformed response from xenolithd");

    char *body = malloc(r.len + 1);
    if (!body)
        return fail(xc, -ENOMEM, "out of memory");
    if (r.len && wire_recv_exact(xc->fd, body, r.len) < 0) {
        free(body);
        return fail(xc, -EPIPE, "xenolithd closed the connection");
    }
    body[r.len] = '\0';
    if (r.rc < 0) {
        fail(xc, r.rc, "%s", r.len ? body : strerror(-r.rc));
        free(body);
        return r.rc;
    }
    if (out) {
        size_t n = r.len < outlen ? r.len : outlen;
        memcpy(out, body, n);
    }
    if (got)
        *got = r.len;
    free(body);
    xc->err[0] = '\0';
    return 0;
}

static int call(xenctl *xc, uint32_t op, const void *req, size_t reqlen, const int *fds,
                int nfds, void *out, size_t outlen, size_t *got)
{
    return xenctl_call_fds(xc, op, req, reqlen, fds, nfds, out, outlen, got, NULL, 0, NULL);
}

static int call_exact(xenctl *xc, uint32_t op, const void *req, size_t reqlen,
                      void *out, size_t outlen)
{
    size_t got = 0;
    int rc = call(xc, op, req, reqlen, NULL, 0, out, outlen, &got);
    if (rc == 0 && out && got != outlen)
        return fail(xc, -EPROTO, "xenolithd answered with %zu bytes, expected %zu", got, outlen);
    return rc;
}

int xenctl_host_info(xenctl *xc, struct privcmd_hostinfo *out)
{
    return call_exact(xc, PRIVCMD_OP_HOST_INFO, NULL, 0, out, sizeof(*out));
}

int xenctl_domain_create(xenctl *xc, const struct privcmd_create_req *req, uint32_t *domid)
{
    struct privcmd_domid d;
    int rc = call_exact(xc, PRIVCMD_OP_DOMAIN_CREATE, req, sizeof(*req), &d, sizeof(d));
    if (rc == 0)
        *domid = d.domid;
    return rc;
}

int xenctl_domain_load_pvh(xenctl *xc, uint32_t domid, int kernel_fd, int ramdisk_fd,
                           const char *cmdline)
{
    size_t clen = cmdline ? strlen(cmdline) : 0;
    struct privcmd_load_pvh_req *req = malloc(sizeof(*req) + clen);
    if (!req)
        return fail(xc, -ENOMEM, "out of memory");
    int fds[2] = {kernel_fd, ramdisk_fd};
    *req = (struct privcmd_load_pvh_req){
        .domid = domid, .nr_fds = ramdisk_fd >= 0 ? 2 : 1, .cmdline_len = (uint32_t)clen,
    };
    memcpy(req + 1, cmdline ? cmdline : "", clen);
    int rc = call(xc, PRIVCMD_OP_DOMAIN_LOAD_PVH, req, sizeof(*req) + clen, fds,
                  (int)req->nr_fds, NULL, 0, NULL);
    free(req);
    return rc;
}

static int domid_op(xenctl *xc, uint32_t op, uint32_t domid)
{
    struct privcmd_domid d = {.domid = domid};
    return call_exact(xc, op, &d, sizeof(d), NULL, 0);
}

int xenctl_domain_unpause(xenctl *xc, uint32_t domid)
{
    return domid_op(xc, PRIVCMD_OP_DOMAIN_UNPAUSE, domid);
}

int xenctl_domain_pause(xenctl *xc, uint32_t domid)
{
    return domid_op(xc, PRIVCMD_OP_DOMAIN_PAUSE, domid);
}

int xenctl_domain_destroy(xenctl *xc, uint32_t domid)
{
    return domid_op(xc, PRIVCMD_OP_DOMAIN_DESTROY, domid);
}

int xenctl_domain_info(xenctl *xc, uint32_t domid, struct privcmd_dominfo *out)
{
    struct privcmd_domid d = {.domid = domid};
    return call_exact(xc, PRIVCMD_OP_DOMAIN_INFO, &d, sizeof(d), out, sizeof(*out));
}

int xenctl_domain_find(xenctl *xc, const char *name, struct privcmd_dominfo *out)
{
    struct privcmd_name n = {{0}};
    if (strlen(name) >= sizeof(n.name))
        return fail(xc, -ESRCH, "no domain named '%s' (longer than a domain name can be)", name);
    memcpy(n.name, name, strlen(name));
    return call_exact(xc, PRIVCMD_OP_DOMAIN_FIND, &n, sizeof(n), out, sizeof(*out));
}

int xenctl_domain_wait(xenctl *xc, uint32_t domid, struct privcmd_dominfo *out)
{
    struct privcmd_domid d = {.domid = domid};
    return call_exact(xc, PRIVCMD_OP_DOMAIN_WAIT, &d, sizeof(d), out, sizeof(*out));
}

int xenctl_domain_list(xenctl *xc, struct privcmd_dominfo **out, size_t *count)
{
    size_t cap = sizeof(struct privcmd_domlist) + 1024 * sizeof(struct privcmd_dominfo);
    for (;;) {
        char *buf = malloc(cap);
        if (!buf)
            return fail(xc, -ENOMEM, "out of memory");
        size_t got = 0;
        int rc = call(xc, PRIVCMD_OP_DOMAIN_LIST, NULL, 0, NULL, 0, buf, cap, &got);
        if (rc < 0) {
            free(buf);
            return rc;
        }
        if (got > cap) { /* more domains than we guessed: ask again */
            free(buf);
            cap = got;
            continue;
        }
        struct privcmd_domlist hdr;
        if (got < sizeof(hdr)) {
            free(buf);
            return fail(xc, -EPROTO, "short domain list from xenolithd");
        }
        memcpy(&hdr, buf, sizeof(hdr));
        if (got != sizeof(hdr) + (size_t)hdr.count * sizeof(struct privcmd_dominfo)) {
            free(buf);
            return fail(xc, -EPROTO, "domain list from xenolithd has the wrong size");
        }
        struct privcmd_dominfo *list = calloc(hdr.count ? hdr.count : 1, sizeof(*list));
        if (!list) {
            free(buf);
            return fail(xc, -ENOMEM, "out of memory");
        }
        memcpy(list, buf + sizeof(hdr), (size_t)hdr.count * sizeof(*list));
        free(buf);
        *out = list;
        *count = hdr.count;
        return 0;
    }
}

int xenctl_domain_set_param(xenctl *xc, uint32_t domid, uint32_t index, uint64_t value)
{
    struct privcmd_param p = {.domid = domid, .index = index, .value = value};
    return call_exact(xc, PRIVCMD_OP_DOMAIN_SET_PARAM, &p, sizeof(p), &p, sizeof(p));
}

int xenctl_domain_get_param(xenctl *xc, uint32_t domid, uint32_t index, uint64_t *value)
{
    struct privcmd_param p = {.domid = domid, .index = index};
    int rc = call_exact(xc, PRIVCMD_OP_DOMAIN_GET_PARAM, &p, sizeof(p), &p, sizeof(p));
    if (rc == 0)
        *value = p.value;
    return rc;
}

int xenctl_evtchn_alloc_unbound(xenctl *xc, uint32_t domid, uint32_t remote_domid,
                                uint32_t *port)
{
    struct privcmd_alloc_unbound a = {.domid = domid, .remote_domid = remote_domid};
    int rc = call_exact(xc, PRIVCMD_OP_EVTCHN_ALLOC_UNBOUND, &a, sizeof(a), &a, sizeof(a));
    if (rc == 0)
        *port = a.port;
    return rc;
}

int xenctl_domain_shutdown(xenctl *xc, uint32_t domid, uint32_t reason)
{
    struct privcmd_shutdown r = {.domid = domid, .reason = reason};
    return call_exact(xc, PRIVCMD_OP_DOMAIN_SHUTDOWN, &r, sizeof(r), NULL, 0);
}

int xenctl_sched_credit_set(xenctl *xc, uint32_t domid, uint32_t weight, uint32_t cap)
{
    struct privcmd_sched r = {.domid = domid, .weight = weight, .cap = cap};
    return call_exact(xc, PRIVCMD_OP_DOMAIN_SCHED_SET, &r, sizeof(r), &r, sizeof(r));
}

int xenctl_sched_credit_get(xenctl *xc, uint32_t domid, struct privcmd_sched *out)
{
    struct privcmd_sched r = {.domid = domid};
    return call_exact(xc, PRIVCMD_OP_DOMAIN_SCHED_GET, &r, sizeof(r), out, sizeof(*out));
}

int xenctl_domain_set_maxmem(xenctl *xc, uint32_t domid, uint64_t max_kib)
{
    struct privcmd_maxmem r = {.domid = domid, .max_kib = max_kib};
    return call_exact(xc, PRIVCMD_OP_DOMAIN_SET_MAXMEM, &r, sizeof(r), NULL, 0);
}

int xenctl_domain_rename(xenctl *xc, uint32_t domid, const char *name)
{
    struct privcmd_rename r = {.domid = domid};
    if (strlen(name) >= sizeof(r.name))
        return fail(xc, -EINVAL, "domain name '%s' is longer than %zu bytes", name,
                    sizeof(r.name) - 1);
    memcpy(r.name, name, strlen(name));
    return call_exact(xc, PRIVCMD_OP_DOMAIN_RENAME, &r, sizeof(r), NULL, 0);
}

int xenctl_vcpu_list(xenctl *xc, uint32_t domid, struct privcmd_vcpuinfo **out, size_t *count)
{
    struct privcmd_domid r = {.domid = domid};
    size_t cap = sizeof(struct privcmd_domlist) + 130 * sizeof(struct privcmd_vcpuinfo);
    char *buf = malloc(cap);
    if (!buf)
        return fail(xc, -ENOMEM, "out of memory");
    size_t got = 0;
    int rc = call(xc, PRIVCMD_OP_DOMAIN_VCPU_LIST, &r, sizeof(r), NULL, 0, buf, cap, &got);
    struct privcmd_domlist hdr;
    if (rc == 0 && (got < sizeof(hdr) || got > cap))
        rc = fail(xc, -EPROTO, "bad vCPU list from xenolithd");
    if (rc == 0) {
        memcpy(&hdr, buf, sizeof(hdr));
        if (got != sizeof(hdr) + (size_t)hdr.count * sizeof(struct privcmd_vcpuinfo))
            rc = fail(xc, -EPROTO, "bad vCPU list from xenolithd");
    }
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *count = hdr.count;
    *out = malloc(hdr.count ? hdr.count * sizeof(**out) : 1);
    if (!*out) {
        free(buf);
        return fail(xc, -ENOMEM, "out of memory");
    }
    memcpy(*out, buf + sizeof(hdr), hdr.count * sizeof(**out));
    free(buf);
    return 0;
}

char xenctl_state_letter(uint32_t state)
{
    static const char letters[] = "rbpscd";
    return state < sizeof(letters) - 1 ? letters[state] : '?';
}

const char *xenctl_shutdown_reason_name(uint32_t reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff: return "poweroff";
    case SHUTDOWN_reboot: return "reboot";
    case SHUTDOWN_suspend: return "suspend";
    case SHUTDOWN_crash: return "crash";
    case SHUTDOWN_watchdog: return "watchdog";
    case SHUTDOWN_soft_reset: return "soft_reset";
    default: return "unknown";
    }
}
