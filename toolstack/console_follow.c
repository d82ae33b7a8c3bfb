#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dom0/rundir.h"
#include "dom0/xenctl.h"
#include "toolstack/console_follow.h"
#include "dom0/fd_io.h"

/* After the domain stops, xenolithd may still write a last partial line
 * when it closes the log; wait this long for more before calling the log
 * complete. */
#define SETTLE_MS 250

struct follower {
    char path[4096];
    const char *base; /* the log's name within its directory */
    int fd;           /* the log, once it exists */
    int out;
};

/* Copies everything the log holds beyond what was already copied. */
static int drain(struct follower *f)
{
    if (f->fd < 0) {
        f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (f->fd < 0)
            return errno == ENOENT ? 0 : -errno;
    }
    char buf[8192];
    for (;;) {
        ssize_t n = read(f->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        int rc = fd_write_all(f->out, buf, (size_t)n);
        if (rc < 0)
            return rc;
    }
}

/* Consumes pending inotify events; true when the daemon closed our log,
 * which it does once the domain is torn down. */
static bool read_events(int ino, const char *base)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool closed = false;
    for (;;) {
        ssize_t n = read(ino, buf, sizeof(buf));
        if (n <= 0)
            return closed;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if ((ev->mask & IN_CLOSE_WRITE) && ev->len && strcmp(ev->name, base) == 0)
                closed = true;
            p += sizeof(*ev) + ev->len;
        }
    }
}

/* A child that blocks in xenctl_domain_wait on its own connection and
 * then exits; its end of the pipe closing is the parent's signal. */
static pid_t start_waiter(const char *rundir, uint32_t domid, int *rfd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        xenctl *xc = xenctl_open(rundir, NULL, 0);
        if (xc) {
            struct privcmd_dominfo info;
            xenctl_domain_wait(xc, domid, &info);
        }
        _exit(0);
    }
    close(p[1]);
    *rfd = p[0];
    return pid;
}

int console_follow(const char *rundir, uint32_t domid, int out_fd)
{
    struct follower f = {.fd = -1, .out = out_fd};
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/log", rundir);
    if (rundir_console_log_path(rundir, domid, f.path, sizeof(f.path)) < 0)
        return -ENAMETOOLONG;
    f.base = strrchr(f.path, '/') + 1;
    rundir_mkdirs(dir, 0755);

    /* Watching the directory, not the file, also sees the log appear
     * when the guest has not written anything yet. */
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ino < 0)
        return -errno;
    if (inotify_add_watch(ino, dir, IN_CREATE | IN_MODIFY | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
        int e = errno;
        close(ino);
        return -e;
    }
    int done_fd = -1;
    pid_t waiter = start_waiter(rundir, domid, &done_fd);
    if (waiter < 0) {
        int e = errno;
        close(ino);
        return -e;
    }

    int rc = drain(&f);
    bool closed = false;
    while (rc == 0) {
        struct pollfd pf[2] = {{.fd = ino, .events = POLLIN}, {.fd = done_fd, .events = POLLIN}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (pf[0].revents) {
            closed = read_events(ino, f.base);
            rc = drain(&f);
        }
        if (pf[1].revents)
            break;
    }
    while (rc == 0 && !closed) {
        struct pollfd pf = {.fd = ino, .events = POLLIN};
        int n = poll(&pf, 1, SETTLE_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        closed = read_events(ino, f.base);
        rc = drain(&f);
    }
    if (rc == 0)
        rc = drain(&f);

    close(done_fd);
    close(ino);
    if (f.fd >= 0)
        close(f.fd);
    /* On an early error the waiter may still be blocked in the daemon. */
    kill(waiter, SIGTERM);
    while (waitpid(waiter, NULL, 0) < 0 && errno == EINTR)
        ;
    return rc;
}
