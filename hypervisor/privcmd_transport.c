/* The privcmd socket's transport (privcmd_transport.h). */
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

#include "dom0/wire_io.h"
#include "hypervisor/log.h"
#include "hypervisor/privcmd_ops.h"
#include "hypervisor/privcmd_transport.h"

static struct {
    uv_loop_t *loop;
    uv_poll_t listen_poll;
    int listen_fd;
    gid_t admin_gid;
    char path[108];
    struct privcmd_conn *conns;
} srv = {.listen_fd = -1};

static void conn_close(struct privcmd_conn *c);
static void update_events(struct privcmd_conn *c);

static void queue_out(struct privcmd_conn *c, const void *p, size_t n)
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

static void flush_out(struct privcmd_conn *c)
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

void privcmd_respond(struct privcmd_conn *c, uint32_t op, uint32_t id, int32_t rc,
                     const void *body, size_t len)
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

void privcmd_respond_err(struct privcmd_conn *c, uint32_t op, uint32_t id, int32_t rc,
                         const char *msg)
{
    privcmd_respond(c, op, id, rc, msg, strlen(msg) + 1);
}

void privcmd_respond_errf(struct privcmd_conn *c, uint32_t op, uint32_t id, int32_t rc,
                          const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    privcmd_respond_err(c, op, id, rc, msg);
}

void privcmd_respond_rc(struct privcmd_conn *c, uint32_t op, uint32_t id, int32_t rc,
                        const char *err)
{
    if (rc)
        privcmd_respond_err(c, op, id, rc, err);
    else
        privcmd_respond(c, op, id, 0, NULL, 0);
}

/* A reply that carries file descriptors goes out at once: the client
 * waits for it, so the socket has room; if not, the client is dropped. */
void privcmd_respond_fds(struct privcmd_conn *c, uint32_t op, uint32_t id, const void *body,
                         size_t len, const int *fds, int nfds)
{
    struct privcmd_hdr h = {
        .magic = PRIVCMD_MAGIC, .op = op, .id = id, .rc = 0, .len = (uint32_t)len,
    };
    flush_out(c);
    if (c->out_len || wire_send(c->fd, &h, body, len, fds, nfds) < 0)
        c->closing = true;
}

bool privcmd_body_is(struct privcmd_conn *c, size_t want)
{
    if (c->hdr.len == want)
        return true;
    privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -EINVAL,
                         "malformed request: operation %u carries %u bytes, expected %zu",
                         c->hdr.op, c->hdr.len, want);
    return false;
}

bool privcmd_body_take(struct privcmd_conn *c, void *out, size_t len)
{
    if (!privcmd_body_is(c, len))
        return false;
    memcpy(out, c->body, len);
    return true;
}

static void drop_fds(struct privcmd_conn *c)
{
    for (int i = 0; i < c->nfds; i++)
        close(c->fds[i]);
    c->nfds = 0;
    c->fd_overflow = false;
}

static void take_fds(struct privcmd_conn *c, struct msghdr *m)
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
static bool read_some(struct privcmd_conn *c)
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
                privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -EPROTO,
                                     c->hdr.magic != PRIVCMD_MAGIC
                                         ? "malformed request: bad magic 0x%08x"
                                         : "malformed request: payload of %u bytes is over "
                                           "the limit",
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
            privcmd_respond_err(c, c->hdr.op, c->hdr.id, -EINVAL,
                                "malformed request: too many file descriptors");
        else
            privcmd_dispatch(c);
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
    struct privcmd_conn *c = p->data;
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

/* Re-arms the poll handle only when what it must watch changes: every
 * uv_poll_start is a system call. */
static void update_events(struct privcmd_conn *c)
{
    int want = UV_READABLE | (c->out_len ? UV_WRITABLE : 0);
    if (c->fd >= 0 && want != c->events && !uv_is_closing((uv_handle_t *)&c->poll)) {
        uv_poll_start(&c->poll, want, on_conn_event);
        c->events = want;
    }
}

static void on_conn_closed(uv_handle_t *h)
{
    struct privcmd_conn *c = h->data;
    free(c->out);
    free(c);
}

static void conn_close(struct privcmd_conn *c)
{
    if (c->fd < 0)
        return;
    for (struct privcmd_conn **pp = &srv.conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    drop_fds(c);
    free(c->body);
    c->body = NULL;
    privcmd_conn_released(c);
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
    struct privcmd_conn *c = calloc(1, sizeof(*c));
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
    c->events = UV_READABLE;
}

int privcmd_transport_listen(uv_loop_t *loop, const char *rundir, gid_t admin_gid, char *err,
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
    uv_poll_init(loop, &srv.listen_poll, srv.listen_fd);
    uv_poll_start(&srv.listen_poll, UV_READABLE, on_listen);
    return 0;
}

void privcmd_transport_stop(void)
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
}
