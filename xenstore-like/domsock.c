#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "xenstore-like/domsock.h"
#include "xenstore-like/sock.h"

struct domsock {
    uv_loop_t *loop;
    char dir[4096];
};

static int ds_attach(void *ctx, struct xs_store *st, struct xs_domain *d)
{
    struct domsock *ds = ctx;
    char path[4200];
    snprintf(path, sizeof(path), "%s/domain/%u", ds->dir, d->domid);
    int err;
    d->transport = xs_listen(ds->loop, st, path, d->domid, &err);
    return d->transport ? 0 : err;
}

static void ds_detach(void *ctx, struct xs_store *st, struct xs_domain *d)
{
    (void)ctx;
    (void)st;
    if (d->transport)
        xs_listener_close(d->transport);
    d->transport = NULL;
}

int xs_domsock_install(struct xs_store *st, uv_loop_t *loop, const char *dir)
{
    struct domsock *ds = calloc(1, sizeof(*ds));
    if (!ds)
        return ENOMEM;
    ds->loop = loop;
    snprintf(ds->dir, sizeof(ds->dir), "%s", dir);
    char path[4200];
    snprintf(path, sizeof(path), "%s/domain", dir);
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        int err = errno;
        free(ds);
        return err;
    }
    st->ring = (struct xs_ring_ops){.attach = ds_attach, .detach = ds_detach, .ctx = ds};
    return 0;
}
