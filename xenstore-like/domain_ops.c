#include "config.h"

#include "xenstore-like/conn.h"
#include "xenstore-like/store.h"

int xs_introduce(struct xs_store *st, uint32_t domid, uint64_t gfn, uint32_t port)
{
    if (domid == 0)
        return EINVAL;
    struct xs_domain *d = xs_domain_get(&st->doms, domid);
    if (!d)
        return ENOMEM;
    if (d->introduced)
        /* The toolstack repeats INTRODUCE after a resume; same ring, same answer. */
        return d->gfn == gfn && d->port == port ? 0 : EEXIST;
    d->gfn = gfn;
    d->port = port;
    if (st->ring.attach) {
        int err = st->ring.attach(st->ring.ctx, st, d);
        if (err)
            return err;
    }
    d->introduced = true;
    d->shutdown_reported = false;
    xs_store_log(st, "domain %u introduced (store gfn %#llx, port %u)", domid,
                 (unsigned long long)gfn, port);
    xs_fire_special(st, 0);
    return 0;
}

/* Forgets the domain's connections, watches and transactions, and its ring. */
static void drop_domain(struct xs_store *st, struct xs_domain *d)
{
    while (d->conns)
        xs_conn_close_now(d->conns);
    if (st->ring.detach)
        st->ring.detach(st->ring.ctx, st, d);
    d->introduced = false;
    d->shutdown_reported = false;
    d->target = XS_NO_TARGET;
    d->gfn = 0;
    d->port = 0;
}

int xs_release(struct xs_store *st, uint32_t domid)
{
    struct xs_domain *d = xs_domain_find(&st->doms, domid);
    if (!d || !d->introduced || domid == 0)
        return ENOENT;
    drop_domain(st, d);
    xs_store_log(st, "domain %u released", domid);
    xs_fire_special(st, 1);
    return 0;
}

int xs_resume(struct xs_store *st, uint32_t domid)
{
    struct xs_domain *d = xs_domain_find(&st->doms, domid);
    if (!d || !d->introduced)
        return ENOENT;
    d->shutdown_reported = false;
    return 0;
}

int xs_store_set_target(struct xs_store *st, uint32_t domid, uint32_t target)
{
    struct xs_domain *d = xs_domain_find(&st->doms, domid);
    if (!d || !d->introduced)
        return ENOENT;
    if (target == domid)
        return EINVAL;
    d->target = target;
    return 0;
}

bool xs_is_introduced(struct xs_store *st, uint32_t domid)
{
    struct xs_domain *d = xs_domain_find(&st->doms, domid);
    return d && d->introduced;
}

void xs_domains_check(struct xs_store *st, xs_dom_probe probe, void *ctx)
{
    bool notify = false;
    for (uint32_t id = 1; id < DOMID_FIRST_RESERVED; id++) {
        struct xs_domain *d = st->doms.by_id[id];
        if (!d || !d->introduced)
            continue;
        switch (probe(ctx, id)) {
        case XS_DOM_RUNNING:
            break;
        case XS_DOM_SHUTDOWN:
            if (!d->shutdown_reported) {
                d->shutdown_reported = true;
                notify = true;
            }
            break;
        case XS_DOM_GONE:
            drop_domain(st, d);
            xs_store_log(st, "domain %u is gone", id);
            notify = true;
            break;
        }
    }
    if (notify)
        xs_fire_special(st, 1);
    xs_store_flush(st);
}
