/*
 * xenolith-netback: the network backend daemon (man/xenolith-netback.8).
 * Serves every vif under /local/domain/0/backend/vif.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "backends/netback/netback.h"
#include "dom0/daemon.h"

void nb_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    daemon_vlog("xenolith-netback", fmt, ap);
    va_end(ap);
}

static void on_event(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    struct netback *nb = p->data;
    int port;
    while ((port = xenevtchn_pending(nb->xce)) >= 0) {
        xenevtchn_unmask(nb->xce, (evtchn_port_t)port);
        struct vq *q = vq_by_port(nb, (evtchn_port_t)port);
        if (!q)
            continue;
        vif_tx_work(q);
        vif_rx_work(q->v);
    }
}

int main(int argc, char **argv)
{
    struct daemon dm = {.name = "xenolith-netback",
                        .summary = "The Xenolith network backend: vifs on tap devices."};
    int rc = daemon_init(&dm, argc, argv);
    if (rc >= 0)
        return rc;
    /* Detach before any handle or loop exists: they do not survive the
     * forks. The pid is written once the vifs are served, so whoever
     * started us can tell (xenolith-commons). */
    daemon_background(&dm);

    struct netback nb = {.loop = uv_default_loop()};
    nb.segs = calloc(256, sizeof(*nb.segs));
    nb.buf = malloc(1024 * 1024);
    nb.xce = xenevtchn_open(NULL, 0);
    if (!nb.xce) {
        fprintf(stderr, "xenolith-netback: cannot reach xenolithd for event channels: %s\n",
                strerror(errno));
        return 1;
    }
    nb.xgt = xengnttab_open(NULL, 0);
    if (!nb.xgt || !nb.segs || !nb.buf) {
        fprintf(stderr, "xenolith-netback: cannot reach xenolithd for grants: %s\n",
                strerror(errno));
        return 1;
    }
    uv_poll_init(nb.loop, &nb.evt_poll, xenevtchn_fd(nb.xce));
    nb.evt_poll.data = &nb;
    uv_poll_start(&nb.evt_poll, UV_READABLE, on_event);
    if (nb_xs_start(&nb) < 0)
        return 1;
    daemon_serving(&dm, nb.loop);
    nb_log("started (pid %d)", (int)getpid());
    uv_run(nb.loop, UV_RUN_DEFAULT);
    nb_log("stopping");
    nb_xs_stop(&nb);
    daemon_finish(&dm);
    xengnttab_close(nb.xgt);
    xenevtchn_close(nb.xce);
    return 0;
}
