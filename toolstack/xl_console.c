#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "dom0/fd_io.h"
#include "toolstack/console_follow.h"
#include "toolstack/lib/xnl.h"
#include "toolstack/xl_console.h"
#include "toolstack/xl_util.h"

#define TTY_WAIT_MS 10000
/* After the domain stops, output still on its way through the ring and
 * consoled is shown until this long passes without any. */
#define DRAIN_QUIET_MS 300
#define STATE_POLL_MS 500

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char *read_key(struct xs_handle *xs, uint32_t domid, const char *key)
{
    char path[96];
    snprintf(path, sizeof(path), "/local/domain/%u/console/%s", domid, key);
    unsigned len;
    return xs_read(xs, XBT_NULL, path, &len);
}

/* The pty's path once consoled has published it; NULL after a message. */
static char *find_tty(const char *rundir, uint32_t domid, const char *name)
{
    char sock[4200];
    struct xs_handle *xs = xnl_xs_open(rundir, sock, sizeof(sock));
    if (!xs) {
        xl_err("cannot attach to the console of domain %u (%s): XenStore is not running "
               "(nothing at %s)", domid, name, sock);
        return NULL;
    }
    char *tty = NULL, *ring = read_key(xs, domid, "ring-ref");
    if (!ring) {
        xl_err("domain %u (%s) has no console: %s", domid, name,
               xnl_consoled_running(rundir) ? "it was created while xenolith-consoled was not running"
                                           : "xenolith-consoled is not running");
        goto out;
    }
    if (!xnl_consoled_running(rundir)) {
        xl_err("cannot attach to the console of domain %u (%s): xenolith-consoled is not running",
               domid, name);
        goto out;
    }
    /* A watch wakes us as soon as consoled writes the path (and fires
     * once when set, so nothing written before is missed). */
    char key[96];
    snprintf(key, sizeof(key), "/local/domain/%u/console/tty", domid);
    bool watching = xs_watch(xs, key, "tty");
    uint64_t start = now_ms();
    for (;;) {
        tty = read_key(xs, domid, "tty");
        if (tty && tty[0])
            break;
        free(tty);
        tty = NULL;
        uint64_t waited = now_ms() - start;
        if (waited >= TTY_WAIT_MS) {
            xl_err("xenolith-consoled gave domain %u (%s) no console pty within %d s; see its log",
                   domid, name, TTY_WAIT_MS / 1000);
            break;
        }
        struct pollfd p = {.fd = watching ? xs_fileno(xs) : -1, .events = POLLIN};
        int left = (int)(TTY_WAIT_MS - waited);
        poll(&p, 1, watching && left > 100 ? 100 : (left < 20 ? left : 20));
        char **ev;
        while (watching && (ev = xs_check_watch(xs)) != NULL)
            free(ev);
    }
out:
    free(ring);
    xs_close(xs);
    return tty;
}

static struct termios saved;
static bool raw_on;

static void restore_tty(void)
{
    if (raw_on)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    raw_on = false;
}

static void on_term(int sig)
{
    restore_tty();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Keys go to the guest untouched, but the guest's "\n" still starts a
 * new line on the user's screen. */
static void make_raw(void)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
        return;
    struct termios t = saved;
    cfmakeraw(&t);
    t.c_oflag |= OPOST | ONLCR;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0) {
        raw_on = true;
        atexit(restore_tty);
        signal(SIGTERM, on_term);
        signal(SIGHUP, on_term);
    }
}

static bool domain_running(const char *rundir, uint32_t domid)
{
    xenctl *xc = xenctl_open(rundir, NULL, 0);
    if (!xc)
        return false;
    struct privcmd_dominfo info;
    int rc = xenctl_domain_info(xc, domid, &info);
    xenctl_close(xc);
    return rc == 0 && info.state != PRIVCMD_STATE_SHUTDOWN &&
           info.state != PRIVCMD_STATE_CRASHED && info.state != PRIVCMD_STATE_DYING;
}

/* Copies both ways until detach, the pty's end or the domain's. */
int xl_console_parse_escape(const char *s)
{
    if (s[0] == '^' && s[1] && !s[2]) {
        char c = s[1];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < '@' || c > '_')
            return -1;
        return c - '@';
    }
    if (s[0] && !s[1])
        return (unsigned char)s[0];
    return -1;
}

static int relay(int tty, const char *rundir, uint32_t domid, int escape)
{
    char buf[4096];
    bool in_open = true, stopped = false;
    uint64_t next_check = now_ms() + STATE_POLL_MS, last_output = now_ms();
    for (;;) {
        struct pollfd p[2] = {{.fd = tty, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
        int n = poll(p, in_open ? 2 : 1, stopped ? DRAIN_QUIET_MS / 3 : STATE_POLL_MS);
        if (n < 0 && errno != EINTR)
            return -errno;
        if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t r = read(tty, buf, sizeof(buf));
            if (r <= 0 && !(r < 0 && (errno == EINTR || errno == EAGAIN)))
                return 0; /* consoled closed it: the domain is gone */
            if (r > 0) {
                last_output = now_ms();
                if (fd_write_all(STDOUT_FILENO, buf, (size_t)r) < 0)
                    return 0; /* nobody reads our output any more */
            }
        }
        if (n > 0 && in_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
            if (r <= 0 && !(r < 0 && errno == EINTR)) {
                in_open = false; /* no more input; keep showing output */
            } else if (r > 0) {
                char *esc = memchr(buf, escape, (size_t)r);
                size_t len = esc ? (size_t)(esc - buf) : (size_t)r;
                if (len && fd_write_all(tty, buf, len) < 0)
                    return 0;
                if (esc)
                    return 0;
            }
        }
        uint64_t now = now_ms();
        if (stopped && now - last_output >= DRAIN_QUIET_MS)
            return 0;
        if (!stopped && now >= next_check) {
            next_check = now + STATE_POLL_MS;
            if (!domain_running(rundir, domid)) {
                stopped = true;
                last_output = now;
            }
        }
    }
}

/* ENDED: the pty went away with a domain that has already stopped. */
#define ATTACH_ENDED 2

static int attach(const char *rundir, uint32_t domid, const char *name, int escape,
                  bool quiet_if_ended)
{
    char *path = find_tty(rundir, domid, name);
    if (!path)
        return 1;
    int tty = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty < 0) {
        int e = errno;
        if (quiet_if_ended && !domain_running(rundir, domid)) {
            free(path);
            return ATTACH_ENDED;
        }
        xl_err("cannot open %s, the console of domain %u (%s): %s", path, domid, name,
               strerror(e));
        free(path);
        return 1;
    }
    free(path);
    signal(SIGPIPE, SIG_IGN);
    make_raw();
    int rc = relay(tty, rundir, domid, escape);
    restore_tty();
    close(tty);
    if (rc < 0) {
        xl_err("console of domain %u (%s): %s", domid, name, strerror(-rc));
        return 1;
    }
    return 0;
}

int xl_console_attach(const char *rundir, uint32_t domid, const char *name, int escape)
{
    return attach(rundir, domid, name, escape, false);
}

int xl_console_after_create(const char *rundir, uint32_t domid, const char *name)
{
    char sock[4200];
    struct xs_handle *xs = xnl_consoled_running(rundir) ? xnl_xs_open(rundir, sock, sizeof(sock)) : NULL;
    char *ring = xs ? read_key(xs, domid, "ring-ref") : NULL;
    if (xs)
        xs_close(xs);
    if (ring) {
        free(ring);
        int rc = attach(rundir, domid, name, XL_CONSOLE_ESCAPE, true);
        if (rc != ATTACH_ENDED)
            return rc;
        /* A guest quicker than us: its whole output is still in the
         * hypervisor's log of the domain, shown from there instead. */
    }
    int e = console_follow(rundir, domid, STDOUT_FILENO);
    if (e < 0) {
        xl_err("cannot follow the console of domain %u (%s): %s", domid, name, strerror(-e));
        return 1;
    }
    return 0;
}
