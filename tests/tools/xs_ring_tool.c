/*
 * xenolith-xs-ring: shows or overwrites the fields of a domain's XenStore
 * ring page from Dom0, as a misbehaving guest would, so the tests can
 * check the daemon's index checks without a guest's help.
 *
 *   xenolith-xs-ring DOMID show              one line: every index and field
 *   xenolith-xs-ring DOMID set FIELD VALUE   req_cons, req_prod, rsp_cons,
 *                                            rsp_prod, error, connection
 *
 * The page is the one xl gives every guest (frame 0xfeff0).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "dom0/guest_memory.h"
#include "dom0/xenctl.h"
#include "xenstore-like/xs_wire.h"

#define STORE_GFN 0xfeff0ull

static int usage(void)
{
    fprintf(stderr, "usage: xenolith-xs-ring DOMID show | DOMID set FIELD VALUE\n"
                    "FIELD: req_cons req_prod rsp_cons rsp_prod error connection\n");
    return 2;
}

static uint32_t *field(struct xenstore_domain_interface *in, const char *name)
{
    if (strcmp(name, "req_cons") == 0)
        return &in->req_cons;
    if (strcmp(name, "req_prod") == 0)
        return &in->req_prod;
    if (strcmp(name, "rsp_cons") == 0)
        return &in->rsp_cons;
    if (strcmp(name, "rsp_prod") == 0)
        return &in->rsp_prod;
    if (strcmp(name, "error") == 0)
        return &in->error;
    if (strcmp(name, "connection") == 0)
        return &in->connection;
    return NULL;
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (!*s || *end || errno || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

int main(int argc, char **argv)
{
    uint32_t domid, value = 0;
    bool show = argc == 3 && strcmp(argv[2], "show") == 0;
    bool set = argc == 5 && strcmp(argv[2], "set") == 0;
    if ((!show && !set) || !parse_u32(argv[1], &domid))
        return usage();
    if (set && !parse_u32(argv[4], &value)) {
        fprintf(stderr, "xenolith-xs-ring: '%s' is not a 32-bit number\n", argv[4]);
        return 2;
    }
    char err[512];
    xenctl *xc = xenctl_open(NULL, err, sizeof(err));
    if (!xc) {
        fprintf(stderr, "xenolith-xs-ring: %s\n", err);
        return 1;
    }
    struct guest_memory gm;
    if (guest_memory_open(xc, domid, 0, &gm) < 0) {
        fprintf(stderr, "xenolith-xs-ring: domain %u: %s\n", domid, xenctl_error(xc));
        xenctl_close(xc);
        return 1;
    }
    struct xenstore_domain_interface *in = guest_memory_frame(&gm, STORE_GFN);
    int rc = 0;
    if (!in) {
        fprintf(stderr, "xenolith-xs-ring: domain %u has no frame %#llx\n", domid, STORE_GFN);
        rc = 1;
    } else if (show) {
        printf("req_cons=%u req_prod=%u rsp_cons=%u rsp_prod=%u error=%u connection=%u "
               "server_features=%#x\n",
               in->req_cons, in->req_prod, in->rsp_cons, in->rsp_prod, in->error,
               in->connection, in->server_features);
    } else {
        uint32_t *f = field(in, argv[3]);
        if (!f) {
            rc = usage();
        } else {
            __atomic_store_n(f, value, __ATOMIC_RELEASE);
        }
    }
    guest_memory_close(&gm);
    xenctl_close(xc);
    return rc;
}
