/* The privcmd operations about the host and every domain at once, as
 * Xen's sysctl: HOST_INFO, DOMAIN_LIST. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/domain.h"
#include "hypervisor/hv.h"
#include "hypervisor/privcmd_ops.h"

void privcmd_op_host_info(struct privcmd_conn *c)
{
    if (!privcmd_body_is(c, 0))
        return;
    struct privcmd_hostinfo hi;
    hv_host_info(&hi);
    privcmd_respond(c, c->hdr.op, c->hdr.id, 0, &hi, sizeof(hi));
}

void privcmd_op_list(struct privcmd_conn *c)
{
    if (!privcmd_body_is(c, 0))
        return;
    size_t n = 1;
    for (struct domain *d = domain_next(0); d; d = domain_next(d->domid))
        n++;
    size_t len = sizeof(struct privcmd_domlist) + n * sizeof(struct privcmd_dominfo);
    uint8_t *buf = calloc(1, len);
    if (!buf) {
        privcmd_respond_err(c, c->hdr.op, c->hdr.id, -ENOMEM, "out of memory");
        return;
    }
    struct privcmd_domlist hdr = {.count = (uint32_t)n};
    memcpy(buf, &hdr, sizeof(hdr));
    struct privcmd_dominfo *info = (struct privcmd_dominfo *)(buf + sizeof(hdr));
    hv_dom0_info(&info[0]);
    size_t k = 1;
    for (struct domain *d = domain_next(0); d; d = domain_next(d->domid))
        domain_info(d, &info[k++]);
    privcmd_respond(c, c->hdr.op, c->hdr.id, 0, buf, len);
    free(buf);
}
