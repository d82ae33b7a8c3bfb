#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dom0/privcmd_wire.h"
#include "hypervisor/hv.h"
#include "hypervisor/log.h"
#include "hypervisor/privcmd_server.h"

struct conn {
    uv_poll_t poll;
    int fd;
    struct conn *next;
    struct privcmd_hdr hdr;
    size_t hdr_got;
    uint8_t *body;
    size_t body_got;
    int fds[PRIVCMD_MAX_FDS];
    int nfds;
    bool fd_overflow;
    uint8_t *out;
    size_t out_len;
    bool closing;
};

/* A DOMAIN_WAIT that is answered when its domain stops or goes. */
struct waiter {
    struct waiter *next;
    struct conn *c;
    uint32_t id;
    uint32_t domid;
};

static struct {
    uv_loop_t *loop;
    uv_poll_t listen_poll;
    int listen_fd;
    uv_async_t state_async;
    gid_t admin_gid;
    char path[108];
    struct conn *conns;
    struct waiter *waiters;
} srv = {.listen_fd = -1};

static void conn_close(struct conn *c);
static void update_events(struct conn *c);

static void queue_out(struct conn *c, const void *p, size_t n)
{
    uint8_t *o = realloc(c->out, c->out_len + n);
    if (!o) {
        c->closing = true;
        return;
    }
    memcpy(o + c->out_len, p, n);
    c->out = o;
    c->out_len += n;
}

static void flush_out(struct conn *c)
{
    while (c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                c->closing = true;
            break;
        }
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
}

static void respond(struct conn *c, uint32_t op, uint32_t id, int32_t rc, const void *body,
                    size_t len)
{
    struct privcmd_hdr h = {
        .magic = PRIVCMD_MAGIC, .op = op, .id = id, .rc = rc, .len = (uint32_t)len,
    };
    queue_out(c, &h, sizeof(h));
    if (len)
        queue_out(c, body, len);
    flush_out(c);
    update_events(c);
}

static void respond_err(struct conn *c, uint32_t op, uint32_t id, int32_t rc, const char *msg)
{
    respond(c, op, id, rc, msg, strlen(msg) + 1);
}

__attribute__((format(printf, 5, 6))) static void respond_errf(struct conn *c, uint32_t op,
                                                               uint32_t id, int32_t rc,
                                                               const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    respond_err(c, op, id, rc, msg);
}

static bool domain_finished(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    bool s = d->stopped;
    pthread_mutex_unlock(&d->lock);
    return s;
}

/* Answers every wait whose domain has stopped or gone. */
static void serve_waiters(void)
{
    struct waiter **pp = &srv.waiters;
    while (*pp) {
        struct waiter *w = *pp;
        struct domain *d = hv_domain_find(w->domid);
        if (d && !domain_finished(d)) {
            pp = &w->next;
            continue;
        }
        if (d) {
            struct privcmd_dominfo info;
            domain_info(d, &info);
            respond(w->c, PRIVCMD_OP_DOMAIN_WAIT, w->id, 0, &info, sizeof(info));
        } else {
            respond_errf(w->c, PRIVCMD_OP_DOMAIN_WAIT, w->id, -ESRCH,
                         "domain %u was destroyed", w->domid);
        }
        *pp = w->next;
        free(w);
    }
}

static void on_state_async(uv_async_t *a)
{
    (void)a;
    serve_waiters();
}

static void state_changed(void)
{
    uv_async_send(&srv.state_async);
}

static bool body_is(struct conn *c, size_t want)
{
    if (c->hdr.len == want)
        return true;
    respond_errf(c, c->hdr.op, c->hdr.id, -EINVAL,
                 "malformed request: operation %u carries %u bytes, expected %zu", c->hdr.op,
                 c->hdr.len, want);
    return false;
}

static void op_list(struct conn *c)
{
    size_t n = 1;
    for (uint32_t i = 1; i < DOMID_FIRST_RESERVED; i++)
        n += hv.domains[i] != NULL;
    size_t len = sizeof(struct privcmd_domlist) + n * sizeof(struct privcmd_dominfo);
    uint8_t *buf = calloc(1, len);
    if (!buf) {
        respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    struct privcmd_domlist hdr = {.count = (uint32_t)n};
    memcpy(buf, &hdr, sizeof(hdr));
    struct privcmd_dominfo *info = (struct privcmd_dominfo *)(buf + sizeof(hdr));
    hv_dom0_info(&info[0]);
    size_t k = 1;
    for (uint32_t i = 1; i < DOMID_FIRST_RESERVED; i++)
        if (hv.domains[i])
            domain_info(hv.domains[i], &info[k++]);
    respond(c, c->hdr.op, c->hdr.id, 0, buf, len);
    free(buf);
}

static void dispatch(struct conn *c)
{
    char err[512] = "";
    uint32_t op = c->hdr.op, id = c->hdr.id;
    struct privcmd_domid dreq;
    int rc = 0;
    if (op != PRIVCMD_OP_DOMAIN_LOAD_PVH && c->nfds) {
        respond_err(c, op, id, -EINVAL, "malformed request: unexpected file descriptors");
        return;
    }
    switch (op) {
    case PRIVCMD_OP_HOST_INFO: {
        if (!body_is(c, 0))
            return;
        struct privcmd_hostinfo hi;
        hv_host_info(&hi);
        respond(c, op, id, 0, &hi, sizeof(hi));
        return;
    }
    case PRIVCMD_OP_DOMAIN_CREATE: {
        struct privcmd_create_req req;
        if (!body_is(c, sizeof(req)))
            return;
        memcpy(&req, c->body, sizeof(req));
        struct privcmd_domid out = {0};
        rc = hv_domain_create(&req, &out.domid, err, sizeof(err));
        if (rc)
            respond_err(c, op, id, rc, err);
        else
            respond(c, op, id, 0, &out, sizeof(out));
        return;
    }
    case PRIVCMD_OP_DOMAIN_LOAD_PVH: {
        struct privcmd_load_pvh_req req;
        if (c->hdr.len < sizeof(req)) {
            respond_err(c, op, id, -EINVAL, "malformed request: short load request");
            return;
        }
        memcpy(&req, c->body, sizeof(req));
        if (c->hdr.len != sizeof(req) + (uint64_t)req.cmdline_len) {
            respond_err(c, op, id, -EINVAL, "malformed request: command line length mismatch");
            return;
        }
        if (req.nr_fds < 1 || req.nr_fds > 2 || (int)req.nr_fds != c->nfds) {
            respond_errf(c, op, id, -EINVAL,
                         "malformed request: %u file descriptors announced, %d received",
                         req.nr_fds, c->nfds);
            return;
        }
        char *cmdline = malloc(req.cmdline_len + 1);
        if (!cmdline) {
            respond_err(c, op, id, -ENOMEM, "out of memory");
            return;
        }
        memcpy(cmdline, c->body + sizeof(req), req.cmdline_len);
        cmdline[req.cmdline_len] = '\0';
        if (strlen(cmdline) != req.cmdline_len) {
            free(cmdline);
            respond_err(c, op, id, -EINVAL, "the command line contains a NUL byte");
            return;
        }
        rc = hv_domain_load_pvh(req.domid, c->fds[0], c->nfds > 1 ? c->fds[1] : -1, cmdline, err,
                                sizeof(err));
        free(cmdline);
        if (rc)
            respond_err(c, op, id, rc, err);
        else
            respond(c, op, id, 0, NULL, 0);
        return;
    }
    case PRIVCMD_OP_DOMAIN_UNPAUSE:
    case PRIVCMD_OP_DOMAIN_PAUSE:
    case PRIVCMD_OP_DOMAIN_DESTROY:
    case PRIVCMD_OP_DOMAIN_INFO:
    case PRIVCMD_OP_DOMAIN_WAIT:
        if (!body_is(c, sizeof(dreq)))
            return;
        memcpy(&dreq, c->body, sizeof(dreq));
        break;
    case PRIVCMD_OP_DOMAIN_LIST:
        if (body_is(c, 0))
            op_list(c);
        return;
    default:
        respond_errf(c, op, id, -ENOSYS, "unknown privcmd operation %u", op);
        return;
    }

    if (dreq.domid == 0 && op != PRIVCMD_OP_DOMAIN_INFO) {
        respond_err(c, op, id, -EPERM, "that operation does not apply to Domain-0");
        return;
    }
    switch (op) {
    case PRIVCMD_OP_DOMAIN_UNPAUSE:
        rc = hv_domain_unpause(dreq.domid, err, sizeof(err));
        break;
    case PRIVCMD_OP_DOMAIN_PAUSE:
        rc = hv_domain_pause(dreq.domid, err, sizeof(err));
        break;
    case PRIVCMD_OP_DOMAIN_DESTROY:
        rc = hv_domain_destroy(dreq.domid, err, sizeof(err));
        break;
    case PRIVCMD_OP_DOMAIN_INFO: {
        struct privcmd_dominfo info;
        struct domain *d = hv_domain_find(dreq.domid);
        if (dreq.domid == 0)
            hv_dom0_info(&info);
        else if (d)
            domain_info(d, &info);
        else {
            respond_errf(c, op, id, -ESRCH, "no domain %u", dreq.domid);
            return;
        }
        respond(c, op, id, 0, &info, sizeof(info));
        return;
    }
    case PRIVCMD_OP_DOMAIN_WAIT: {
        if (!hv_domain_find(dreq.domid)) {
            respond_errf(c, op, id, -ESRCH, "no domain %u", dreq.domid);
            return;
        }
        struct waiter *w = calloc(1, sizeof(*w));
        if (!w) {
            respond_err(c, op, id, -ENOMEM, "out of memory");
            return;
        }
        *w = (struct waiter){.next = srv.waiters, .c = c, .id = id, .domid = dreq.domid};
        srv.waiters = w;
        serve_waiters();
        return;
    }
    }
    if (rc)
        respond_err(c, op, id, rc, err);
    else
        respond(c, op, id, 0, NULL, 0);
}

static void drop_fds(struct conn *c)
{
    for (int i = 0; i < c->nfds; i++)
        close(c->fds[i]);
    c->nfds = 0;
    c->fd_overflow = false;
}

static void take_fds(struct conn *c, struct msghdr *m)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int *fds = (int *)CMSG_DATA(cm);
        for (size_t i = 0; i < n; i++) {
            if (c->nfds < PRIVCMD_MAX_FDS)
                c->fds[c->nfds++] = fds[i];
            else {
                close(fds[i]);
                c->fd_overflow = true;
            }
        }
    }
}

/* Reads what is there; returns false when the connection must go. */
static bool read_some(struct conn *c)
{
    for (;;) {
        if (c->hdr_got < sizeof(c->hdr)) {
            union {
                char buf[CMSG_SPACE(sizeof(int) * 8)];
                struct cmsghdr align;
            } ctl;
            struct iovec iov = {(uint8_t *)&c->hdr + c->hdr_got, sizeof(c->hdr) - c->hdr_got};
            struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                               .msg_controllen = sizeof(ctl.buf)};
            ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
            if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            if (n == 0)
                return false;
            take_fds(c, &m);
            if (m.msg_flags & MSG_CTRUNC)
                c->fd_overflow = true;
            c->hdr_got += (size_t)n;
            if (c->hdr_got < sizeof(c->hdr))
                continue;
            if (c->hdr.magic != PRIVCMD_MAGIC || c->hdr.len > PRIVCMD_MAX_PAYLOAD) {
                /* Framing is lost: say so and hang up on this client only. */
                respond_errf(c, c->hdr.op, c->hdr.id, -EPROTO,
                             c->hdr.magic != PRIVCMD_MAGIC
                                 ? "malformed request: bad magic 0x%08x"
                                 : "malformed request: payload of %u bytes is over the limit",
                             c->hdr.magic != PRIVCMD_MAGIC ? c->hdr.magic : c->hdr.len);
                return false;
            }
            c->body = malloc(c->hdr.len ? c->hdr.len : 1);
            if (!c->body)
                return false;
            c->body_got = 0;
        }
        if (c->body_got < c->hdr.len) {
            ssize_t n = recv(c->fd, c->body + c->body_got, c->hdr.len - c->body_got, MSG_DONTWAIT);
            if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            if (n == 0)
                return false;
            c->body_got += (size_t)n;
            if (c->body_got < c->hdr.len)
                continue;
        }
        if (c->fd_overflow)
            respond_err(c, c->hdr.op, c->hdr.id, -EINVAL,
                        "malformed request: too many file descriptors");
        else
            dispatch(c);
        drop_fds(c);
        free(c->body);
        c->body = NULL;
        c->hdr_got = 0;
        if (c->closing)
            return false;
    }
}

static void on_conn_event(uv_poll_t *p, int status, int events)
{
    struct conn *c = p->data;
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (events & UV_WRITABLE)
        flush_out(c);
    if ((events & UV_READABLE) && !read_some(c)) {
        flush_out(c); /* a parting error message, if it fits */
        conn_close(c);
        return;
    }
    if (c->closing) {
        conn_close(c);
        return;
    }
    update_events(c);
}

static void update_events(struct conn *c)
{
    if (c->fd >= 0 && !uv_is_closing((uv_handle_t *)&c->poll))
        uv_poll_start(&c->poll, UV_READABLE | (c->out_len ? UV_WRITABLE : 0), on_conn_event);
}

static void on_conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    free(c->out);
    free(c);
}

static void conn_close(struct conn *c)
{
    if (c->fd < 0)
        return;
    for (struct waiter **pp = &srv.waiters; *pp;) {
        if ((*pp)->c == c) {
            struct waiter *w = *pp;
            *pp = w->next;
            free(w);
        } else {
            pp = &(*pp)->next;
        }
    }
    for (struct conn **pp = &srv.conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    drop_fds(c);
    free(c->body);
    c->body = NULL;
    uv_poll_stop(&c->poll);
    close(c->fd);
    c->fd = -1;
    uv_close((uv_handle_t *)&c->poll, on_conn_closed);
}

static void on_listen(uv_poll_t *p, int status, int events)
{
    (void)p;
    (void)events;
    if (status < 0)
        return;
    int fd = accept4(srv.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
        (cred.uid != 0 && (srv.admin_gid == (gid_t)-1 || cred.gid != srv.admin_gid))) {
        hv_log("refused a privcmd connection from uid %u", (unsigned)cred.uid);
        static const char msg[] = "permission denied: only root may control xenolithd";
        struct privcmd_hdr h = {.magic = PRIVCMD_MAGIC, .rc = -EACCES, .len = sizeof(msg)};
        (void)!send(fd, &h, sizeof(h), MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)!send(fd, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
        close(fd);
        return;
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->poll.data = c;
    c->next = srv.conns;
    srv.conns = c;
    uv_poll_init(srv.loop, &c->poll, fd);
    uv_poll_start(&c->poll, UV_READABLE, on_conn_event);
}

int privcmd_server_start(uv_loop_t *loop, const char *rundir, gid_t admin_gid, char *err,
                         size_t errlen)
{
    srv.loop = loop;
    srv.admin_gid = admin_gid;
    int n = snprintf(srv.path, sizeof(srv.path), "%s/%s", rundir, PRIVCMD_SOCKET_NAME);
    if (n < 0 || (size_t)n >= sizeof(srv.path)) {
        snprintf(err, errlen, "socket path too long under %s", rundir);
        return -ENAMETOOLONG;
    }
    srv.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (srv.listen_fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -errno;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, srv.path, strlen(srv.path) + 1);
    unlink(srv.path); /* the pid-file lock says no other daemon owns it */
    mode_t old = umask(0077);
    int r = bind(srv.listen_fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (r < 0 || listen(srv.listen_fd, 64) < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s: %s", srv.path, strerror(e));
        return -e;
    }
    if (admin_gid != (gid_t)-1) {
        (void)!chown(srv.path, 0, admin_gid);
        chmod(srv.path, 0660);
    }
    uv_async_init(loop, &srv.state_async, on_state_async);
    hv.state_changed = state_changed;
    uv_poll_init(loop, &srv.listen_poll, srv.listen_fd);
    uv_poll_start(&srv.listen_poll, UV_READABLE, on_listen);
    return 0;
}

void privcmd_server_stop(void)
{
    while (srv.conns)
        conn_close(srv.conns);
    if (srv.listen_fd >= 0) {
        uv_poll_stop(&srv.listen_poll);
        uv_close((uv_handle_t *)&srv.listen_poll, NULL);
        close(srv.listen_fd);
        srv.listen_fd = -1;
        unlink(srv.path);
    }
    hv.state_changed = NULL;
    uv_close((uv_handle_t *)&srv.state_async, NULL);
}
