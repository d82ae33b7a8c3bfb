/*
 * Which domains have a console. As xenconsoled does: XenStore's
 * @introduceDomain and @releaseDomain say something changed, the domain
 * list says what, and console/ring-ref and console/port (written by xl
 * before it introduces the domain) say where its ring is. VIRQ_DOM_EXC
 * catches a domain destroyed after it was released.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/consoled/consoled.h"

/* A XenStore value as an unsigned number; false when absent or not one. */
static bool read_num(struct xs_handle *xs, uint32_t domid, const char *key, uint64_t *out)
{
    char path[96];
    snprintf(path, sizeof(path), "/local/domain/%u/console/%s", domid, key);
    unsigned len = 0;
    char *v = xs_read(xs, XBT_NULL, path, &len);
    if (!v)
        return false;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 0);
    bool ok = len && !*end && !errno && v[0] != '-';
    free(v);
    *out = n;
    return ok;
}

static void attach(struct consoled *cd, const struct privcmd_dominfo *di)
{
    uint64_t gfn, port;
    if (!read_num(cd->xs, di->domid, "ring-ref", &gfn) || !read_num(cd->xs, di->domid, "port", &port))
        return; /* no console (yet): created without one, or xl is still writing */
    if (port == 0 || port > UINT32_MAX) {
        consoled_log("domain %u: console/port %llu is no port", di->domid,
                     (unsigned long long)port);
        port = 0;
    }
    char name[sizeof(di->name) + 1];
    memcpy(name, di->name, sizeof(di->name));
    name[sizeof(di->name)] = '\0';
    cd->by_id[di->domid] = cons_dom_open(cd, di->domid, name, gfn, (uint32_t)port);
}

void consoled_scan(struct consoled *cd)
{
    struct privcmd_dominfo *list;
    size_t n;
    int rc = xenctl_domain_list(cd->xc, &list, &n);
    if (rc < 0) {
        consoled_log("cannot list the domains: %s", xenctl_error(cd->xc));
        return;
    }
    static bool live[DOMID_FIRST_RESERVED];
    /* When each console's domain was created: an id seen again with
     * another time is a new domain, whose console is not the old one. */
    static uint64_t created[DOMID_FIRST_RESERVED];
    memset(live, 0, sizeof(live));
    for (size_t i = 0; i < n; i++) {
        uint32_t id = list[i].domid;
        if (id == 0 || id >= DOMID_FIRST_RESERVED || list[i].state == PRIVCMD_STATE_DYING)
            continue;
        if (cd->by_id[id] && created[id] != list[i].create_time_ns) {
            cons_dom_close(cd->by_id[id]);
            cd->by_id[id] = NULL;
        }
        live[id] = true;
        if (!cd->by_id[id]) {
            attach(cd, &list[i]);
            created[id] = list[i].create_time_ns;
        }
    }
    free(list);
    for (uint32_t id = 1; id < DOMID_FIRST_RESERVED; id++) {
        if (cd->by_id[id] && !live[id]) {
            cons_dom_close(cd->by_id[id]);
            cd->by_id[id] = NULL;
        }
    }
}

static void on_xs(uv_poll_t *p, int status, int events)
{
    (void)events;
    struct consoled *cd = p->data;
    if (status < 0)
        return;
    bool any = false;
    char **ev;
    while ((ev = xs_check_watch(cd->xs)) != NULL) {
        free(ev);
        any = true;
    }
    if (any)
        consoled_scan(cd);
}

static void on_virq(uv_poll_t *p, int status, int events)
{
    (void)events;
    struct consoled *cd = p->data;
    if (status < 0)
        return;
    while (xenevtchn_pending(cd->virq) >= 0)
        ;
    consoled_scan(cd);
}

int consoled_watch(struct consoled *cd)
{
    if (!xs_watch(cd->xs, "@introduceDomain", "introduce") ||
        !xs_watch(cd->xs, "@releaseDomain", "release")) {
        consoled_log("cannot watch @introduceDomain and @releaseDomain: %s", strerror(errno));
        return -1;
    }
    uv_poll_init(cd->loop, &cd->xs_poll, xs_fileno(cd->xs));
    cd->xs_poll.data = cd;
    uv_poll_start(&cd->xs_poll, UV_READABLE, on_xs);
    cd->xs_polling = true;

    cd->virq = xenevtchn_open(NULL, 0);
    if (!cd->virq || xenevtchn_bind_virq(cd->virq, VIRQ_DOM_EXC) < 0) {
        consoled_log("cannot bind VIRQ_DOM_EXC: %s", cd->virq ? xenevtchn_error(cd->virq)
                                                               : strerror(errno));
        return -1;
    }
    uv_poll_init(cd->loop, &cd->virq_poll, xenevtchn_fd(cd->virq));
    cd->virq_poll.data = cd;
    uv_poll_start(&cd->virq_poll, UV_READABLE, on_virq);
    cd->virq_polling = true;
    consoled_scan(cd);
    return 0;
}

void consoled_unwatch(struct consoled *cd)
{
    for (uint32_t id = 1; id < DOMID_FIRST_RESERVED; id++) {
        if (cd->by_id[id]) {
            cons_dom_close(cd->by_id[id]);
            cd->by_id[id] = NULL;
        }
    }
    if (cd->xs_polling)
        uv_close((uv_handle_t *)&cd->xs_poll, NULL);
    if (cd->virq_polling)
        uv_close((uv_handle_t *)&cd->virq_poll, NULL);
    cd->xs_polling = cd->virq_polling = false;
}
