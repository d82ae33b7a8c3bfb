#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dom0/wire_io.h"
#include "include/privcmd_abi.h"

int wire_send(int sock, const void *hdr, const void *body, size_t bodylen,
              const int *fds, int nfds)
{
    struct iovec iov[2] = {
        {.iov_base = (void *)hdr, .iov_len = sizeof(struct privcmd_hdr)},
        {.iov_base = (void *)body, .iov_len = bodylen},
    };
    union {
        char buf[CMSG_SPACE(sizeof(int) * PRIVCMD_MAX_REPLY_FDS)];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = bodylen ? 2 : 1};
    if (nfds > PRIVCMD_MAX_REPLY_FDS) {
        errno = EINVAL;
        return -1;
    }
    if (nfds > 0) {
        memset(&ctl, 0, sizeof(ctl));
        msg.msg_control = ctl.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    size_t total = iov[0].iov_len + bodylen;
    size_t sent = 0;
    while (sent < total) {
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        sent += (size_t)n;
        /* The fds went with the first chunk; advance past what was sent. */
        msg.msg_control = NULL;
        msg.msg_controllen = 0;
        size_t skip = (size_t)n;
        while (msg.msg_iovlen && skip >= msg.msg_iov->iov_len) {
            skip -= msg.msg_iov->iov_len;
            msg.msg_iov++;
            msg.msg_iovlen--;
        }
        if (msg.msg_iovlen) {
            msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + skip;
            msg.msg_iov->iov_len -= skip;
        }
    }
    return 0;
}

int wire_recv_fds(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds)
{
    size_t got = 0;
    *nfds = 0;
    while (got < len) {
        union {
            char b[CMSG_SPACE(sizeof(int) * PRIVCMD_MAX_REPLY_FDS)];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = (char *)buf + got, .iov_len = len - got};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                           .msg_controllen = sizeof(ctl.b)};
        ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
        if (n == 0) {
            errno = EPIPE;
            return -1;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            int *in = (int *)CMSG_DATA(c);
            for (int i = 0; i < k; i++) {
                if (*nfds < maxfds)
                    fds[(*nfds)++] = in[i];
                else
                    close(in[i]);
            }
        }
        got += (size_t)n;
    }
    return 0;
}

int wire_recv_exact(int sock, void *buf, size_t len)
{
    /* Descriptors nobody asked for are closed, as the kernel does. */
    int nfds;
    return wire_recv_fds(sock, buf, len, NULL, 0, &nfds);
}
