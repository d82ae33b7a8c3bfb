/*
 * One domain's console: its ring page mapped from the guest's memory,
 * its port bound, a pty (path in console/tty, as xenconsoled writes it)
 * and a log. Guest output goes to both; what is typed on the pty goes
 * into the ring's in[]. A guest that corrupts its ring indices loses its
 * console (logged once), nothing else.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "backends/consoled/consoled.h"
#include "backends/consoled/logfile.h"
#include "backends/consoled/ring.h"
#include "dom0/guest_memory.h"

/* Ring reads per wake-up before the loop gets a turn: a guest printing
 * without pause must not starve the other consoles. */
#define READS_PER_SERVICE 32

struct cons_dom {
    struct consoled *cd;
    uint32_t domid;
    char name[64];
    struct guest_memory gm;
    struct cons_ring ring;
    xenevtchn_handle *xce;
    int local_port;
    int master, slave;
    char tty[64];
    struct cons_log log;
    uv_poll_t evt_poll, pty_poll;
    uv_timer_t kick;
    bool handles, pty_polling, broken;
    int open_handles; /* freed when the last has closed */
    /* Typed bytes waiting for room in the ring. */
    char in_buf[1024];
    size_t in_len;
    uint64_t pty_dropped;
};

/* The guest broke the protocol: stop reading its console, say so once. */
static void corrupt(struct cons_dom *d)
{
    if (d->broken)
        return;
    d->broken = true;
    consoled_log("domain %u (%s): console ring corrupt: %s; no longer serving its console",
                 d->domid, d->name, d->ring.why);
    uv_poll_stop(&d->evt_poll);
    uv_poll_stop(&d->pty_poll);
    uv_timer_stop(&d->kick);
    d->pty_polling = false;
}

static void output(struct cons_dom *d, const char *buf, size_t n)
{
    int rc = cons_log_write(&d->log, buf, n);
    if (rc < 0 && d->log.fd >= 0)
        consoled_log("domain %u: cannot write %s: %s", d->domid, d->log.path, strerror(-rc));
    /* Nobody reading the pty: its buffer fills and the rest is dropped
     * (the log has it all). */
    while (n) {
        ssize_t w = write(d->master, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            d->pty_dropped += n;
            break;
        }
        buf += w;
        n -= (size_t)w;
    }
}

static void on_pty(uv_poll_t *p, int status, int events);

static void pty_poll(struct cons_dom *d, bool on)
{
    if (on == d->pty_polling || d->broken)
        return;
    d->pty_polling = on;
    if (on)
        uv_poll_start(&d->pty_poll, UV_READABLE, on_pty);
    else
        uv_poll_stop(&d->pty_poll);
}

static void on_kick(uv_timer_t *t);

/* Moves what there is both ways; the guest is notified once at the end. */
static void service(struct cons_dom *d)
{
    char buf[sizeof(d->ring.intf->out)];
    bool moved = false;
    for (int i = 0; !d->broken; i++) {
        if (i == READS_PER_SERVICE) {
            uv_timer_start(&d->kick, on_kick, 0, 0);
            break;
        }
        ssize_t n = cons_ring_read(&d->ring, buf, sizeof(buf));
        if (n < 0)
            corrupt(d);
        if (n <= 0)
            break;
        moved = true;
        output(d, buf, (size_t)n);
    }
    if (!d->broken && d->in_len) {
        ssize_t n = cons_ring_write(&d->ring, d->in_buf, d->in_len);
        if (n < 0) {
            corrupt(d);
        } else if (n > 0) {
            memmove(d->in_buf, d->in_buf + n, d->in_len - (size_t)n);
            d->in_len -= (size_t)n;
            moved = true;
        }
    }
    if (d->broken)
        return;
    pty_poll(d, d->in_len == 0);
    if (moved && xenevtchn_notify(d->xce, (evtchn_port_t)d->local_port) < 0)
        consoled_log("domain %u: cannot notify its console port: %s", d->domid,
                     xenevtchn_error(d->xce));
}

static void on_kick(uv_timer_t *t)
{
    service(t->data);
}

static void on_event(uv_poll_t *p, int status, int events)
{
    (void)events;
    struct cons_dom *d = p->data;
    if (status < 0)
        return;
    /* Cleared first: a notify that comes while we work wakes us again. */
    while (xenevtchn_pending(d->xce) >= 0)
        ;
    service(d);
}

static void on_pty(uv_poll_t *p, int status, int events)
{
    (void)events;
    struct cons_dom *d = p->data;
    if (status < 0 || d->in_len)
        return;
    ssize_t n = read(d->master, d->in_buf, sizeof(d->in_buf));
    if (n <= 0)
        return;
    d->in_len = (size_t)n;
    service(d);
}

static void on_closed(uv_handle_t *h)
{
    struct cons_dom *d = h->data;
    if (--d->open_handles == 0)
        free(d);
}

static void release(struct cons_dom *d)
{
    if (d->xce) {
        if (d->local_port > 0)
            xenevtchn_unbind(d->xce, (evtchn_port_t)d->local_port);
        xenevtchn_close(d->xce);
        d->xce = NULL;
    }
    if (d->master >= 0)
        close(d->master);
    if (d->slave >= 0)
        close(d->slave);
    d->master = d->slave = -1;
    cons_log_close(&d->log);
    if (d->gm.fd >= 0)
        guest_memory_close(&d->gm);
}

/* The domain is gone but its memory is still mapped here: what it wrote
 * last (often why it stopped) may not have raised its event yet. */
static void drain(struct cons_dom *d)
{
    char buf[sizeof(d->ring.intf->out)];
    for (int i = 0; !d->broken && d->ring.intf && i < READS_PER_SERVICE; i++) {
        ssize_t n = cons_ring_read(&d->ring, buf, sizeof(buf));
        if (n < 0)
            corrupt(d);
        if (n <= 0)
            break;
        output(d, buf, (size_t)n);
    }
}

void cons_dom_close(struct cons_dom *d)
{
    if (d->handles)
        drain(d);
    if (d->pty_dropped)
        consoled_log("domain %u (%s): %llu bytes of output found its pty full and went only to "
                     "the log", d->domid, d->name, (unsigned long long)d->pty_dropped);
    consoled_log("domain %u (%s): console closed", d->domid, d->name);
    if (d->handles) {
        /* Stopped before their fds are closed under libuv. */
        uv_close((uv_handle_t *)&d->evt_poll, on_closed);
        uv_close((uv_handle_t *)&d->pty_poll, on_closed);
        uv_close((uv_handle_t *)&d->kick, on_closed);
    }
    release(d);
    if (!d->handles)
        free(d);
}

/* A file name from a domain name: nothing that leaves the directory. */
static void log_name(char *out, size_t len, const char *name, uint32_t domid)
{
    char safe[64];
    size_t i = 0;
    for (; name[i] && i < sizeof(safe) - 1; i++) {
        char c = name[i];
        safe[i] = (c == '/' || c == '\\' || (unsigned char)c < 0x20) ? '_' : c;
    }
    safe[i] = '\0';
    if (!safe[0] || !strcmp(safe, ".") || !strcmp(safe, ".."))
        snprintf(safe, sizeof(safe), "dom%u", domid);
    snprintf(out, len, "guest-%s.log", safe);
}

static int open_pty(struct cons_dom *d)
{
    if (openpty(&d->master, &d->slave, NULL, NULL, NULL) < 0)
        return -errno;
    /* Raw: the guest's bytes and the user's keys pass untouched (no echo,
     * no line editing, no CR/NL mapping). */
    struct termios t;
    if (tcgetattr(d->slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(d->slave, TCSANOW, &t);
    }
    fcntl(d->master, F_SETFL, fcntl(d->master, F_GETFL) | O_NONBLOCK);
    fcntl(d->master, F_SETFD, FD_CLOEXEC);
    fcntl(d->slave, F_SETFD, FD_CLOEXEC);
    /* We keep the slave open too, so the master never reads EIO when no
     * `xl console` is attached, and output waits in the pty for one. */
    if (ttyname_r(d->slave, d->tty, sizeof(d->tty)) != 0)
        return -ENAMETOOLONG;
    return 0;
}

static bool setup(struct cons_dom *d, uint64_t gfn, uint32_t port)
{
    struct consoled *cd = d->cd;
    int rc = guest_memory_open(cd->xc, d->domid, 0, &d->gm);
    if (rc < 0) {
        consoled_log("domain %u: cannot map its memory: %s", d->domid, xenctl_error(cd->xc));
        return false;
    }
    struct xencons_interface *intf = guest_memory_frame(&d->gm, gfn);
    if (!intf) {
        consoled_log("domain %u: console ring-ref %#llx is not a frame of it", d->domid,
                     (unsigned long long)gfn);
        return false;
    }
    cons_ring_attach(&d->ring, intf);
    d->xce = xenevtchn_open(NULL, 0);
    if (!d->xce) {
        consoled_log("domain %u: cannot open an event channel handle: %s", d->domid,
                     strerror(errno));
        return false;
    }
    d->local_port = xenevtchn_bind_interdomain(d->xce, d->domid, port);
    if (d->local_port < 0) {
        consoled_log("domain %u: cannot bind its console port %u: %s", d->domid, port,
                     xenevtchn_error(d->xce));
        return false;
    }
    rc = open_pty(d);
    if (rc < 0) {
        consoled_log("domain %u: cannot open a pty: %s", d->domid, strerror(-rc));
        return false;
    }
    char file[128], path[sizeof(cd->logdir) + sizeof(file)];
    log_name(file, sizeof(file), d->name, d->domid);
    snprintf(path, sizeof(path), "%s/%s", cd->logdir, file);
    rc = cons_log_open(&d->log, path, cd->log_max);
    if (rc < 0)
        consoled_log("domain %u: cannot open %s: %s; output goes to the pty only", d->domid,
                     path, strerror(-rc));
    char key[96];
    snprintf(key, sizeof(key), "/local/domain/%u/console/tty", d->domid);
    if (!xs_write(cd->xs, XBT_NULL, key, d->tty, strlen(d->tty)))
        consoled_log("domain %u: cannot write %s: %s", d->domid, key, strerror(errno));
    return true;
}

struct cons_dom *cons_dom_open(struct consoled *cd, uint32_t domid, const char *name,
                               uint64_t gfn, uint32_t port)
{
    struct cons_dom *d = calloc(1, sizeof(*d));
    if (!d) {
        consoled_log("domain %u: out of memory", domid);
        return NULL;
    }
    d->cd = cd;
    d->domid = domid;
    d->master = d->slave = -1;
    d->log.fd = -1;
    d->gm.fd = -1;
    snprintf(d->name, sizeof(d->name), "%s", name);
    if (!setup(d, gfn, port)) {
        /* Kept, doing nothing, so the next scan does not try again. */
        release(d);
        d->broken = true;
        return d;
    }
    uv_poll_init(cd->loop, &d->evt_poll, xenevtchn_fd(d->xce));
    uv_poll_init(cd->loop, &d->pty_poll, d->master);
    uv_timer_init(cd->loop, &d->kick);
    d->evt_poll.data = d->pty_poll.data = d->kick.data = d;
    d->handles = true;
    d->open_handles = 3;
    uv_poll_start(&d->evt_poll, UV_READABLE, on_event);
    pty_poll(d, true);
    /* Output the guest wrote before we bound raised no event for us. */
    uv_timer_start(&d->kick, on_kick, 0, 0);
    consoled_log("domain %u (%s): console on %s, log %s", domid, d->name, d->tty, d->log.path);
    return d;
}
