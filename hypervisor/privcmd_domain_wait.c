/* PRIVCMD_OP_DOMAIN_WAIT: answered when the domain stops or goes, which
 * the vCPU threads signal from any thread through hv.state_changed; the
 * event loop then serves every wait (serve_waiters). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "hypervisor/domain.h"
#include "hypervisor/hv.h"
#include "hypervisor/privcmd_ops.h"

/* A DOMAIN_WAIT that is answered when its domain stops or goes. */
struct waiter {
    struct waiter *next;
    struct privcmd_conn *c;
    uint32_t id;
    uint32_t domid;
};

static struct {
    uv_async_t state_async;
    struct waiter *list;
} waits;

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
    struct waiter **pp = &waits.list;
    while (*pp) {
        struct waiter *w = *pp;
        struct domain *d = domain_find(w->domid);
        if (d && !domain_finished(d)) {
            pp = &w->next;
            continue;
        }
        if (d) {
            struct privcmd_dominfo info;
            domain_info(d, &info);
            privcmd_respond(w->c, PRIVCMD_OP_DOMAIN_WAIT, w->id, 0, &info, sizeof(info));
        } else {
            privcmd_respond_errf(w->c, PRIVCMD_OP_DOMAIN_WAIT, w->id, -ESRCH,
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
    uv_async_send(&waits.state_async);
}

void privcmd_op_domain_wait(struct privcmd_conn *c)
{
    struct privcmd_domid r;
    if (!privcmd_body_take(c, &r, sizeof(r)))
        return;
    if (r.domid == 0) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -EPERM,
                            "that operation does not apply to Domain-0");
        return;
    }
    if (!domain_find(r.domid)) {
        privcmd_respond_errf(c, c->hdr.op, c->hdr.id, -ESRCH, "no domain %u", r.domid);
        return;
    }
    struct waiter *w = calloc(1, sizeof(*w));
    if (!w) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    *w = (struct waiter){.next = waits.list, .c = c, .id = c->hdr.id, .domid = r.domid};
    waits.list = w;
    serve_waiters();
}

void privcmd_wait_forget(struct privcmd_conn *c)
{
    for (struct waiter **pp = &waits.list; *pp;) {
        if ((*pp)->c == c) {
            struct waiter *w = *pp;
            *pp = w->next;
            free(w);
        } else {
            pp = &(*pp)->next;
        }
    }
}

void privcmd_wait_start(uv_loop_t *loop)
{
    uv_async_init(loop, &waits.state_async, on_state_async);
    hv.state_changed = state_changed;
}

void privcmd_wait_stop(void)
{
    hv.state_changed = NULL;
    uv_close((uv_handle_t *)&waits.state_async, NULL);
}
