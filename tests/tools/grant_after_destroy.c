/*
 * xenolith-grant-after-destroy DOMID CONSOLE_LOG: maps a page the guest's
 * grant-pool test granted, destroys the domain under the mapping, and
 * checks the mapping still reads and writes and unmaps cleanly, with the
 * daemon still answering. Exits 0 when all of that held.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dom0/xenctl.h"
#include "dom0/xengnttab.h"

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    uint32_t domid = (uint32_t)strtoul(argv[1], NULL, 10);
    unsigned first = 0, count = 0;
    unsigned long gfn = 0;
    for (int tries = 0; tries < 300 && !count; tries++) {
        FILE *f = fopen(argv[2], "r");
        char line[256];
        while (f && fgets(line, sizeof(line), f)) {
            char *at = strstr(line, "grant-pool: first=");
            if (at)
                sscanf(at, "grant-pool: first=%u count=%u gfn=%lx", &first, &count, &gfn);
        }
        if (f)
            fclose(f);
        if (!count)
            usleep(100000);
    }
    if (!count) {
        fprintf(stderr, "the guest never announced its grant pool\n");
        return 1;
    }
    char err[256];
    xenctl *xc = xenctl_open(NULL, err, sizeof(err));
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    if (!xc || !xgt)
        return 1;
    uint8_t *p = xengnttab_map_grant_ref(xgt, domid, first, PROT_READ | PROT_WRITE);
    if (!p) {
        fprintf(stderr, "map: %s\n", xengnttab_error(xgt));
        return 1;
    }
    uint32_t tag;
    memcpy(&tag, p, 4);
    if (tag != 0x6e610000u) {
        fprintf(stderr, "the page does not hold the pool's tag (0x%x)\n", tag);
        return 1;
    }
    memcpy(p + 8, "before", 7);
    if (xenctl_domain_destroy(xc, domid) < 0) {
        fprintf(stderr, "destroy: %s\n", xenctl_error(xc));
        return 1;
    }
    struct privcmd_dominfo info;
    if (xenctl_domain_info(xc, domid, &info) != -ESRCH) {
        fprintf(stderr, "the domain is still there after destroy\n");
        return 1;
    }
    /* The page outlives the domain while mapped. */
    if (memcmp(p + 8, "before", 7) != 0) {
        fprintf(stderr, "the mapped page changed under destroy\n");
        return 1;
    }
    memcpy(p + 16, "after", 6);
    if (memcmp(p + 16, "after", 6) != 0 || xengnttab_unmap(xgt, p, 1) != 0) {
        fprintf(stderr, "the mapping did not survive or unmap failed: %s\n", xengnttab_error(xgt));
        return 1;
    }
    struct privcmd_hostinfo hi;
    if (xenctl_host_info(xc, &hi) < 0) {
        fprintf(stderr, "the daemon stopped answering\n");
        return 1;
    }
    printf("ok: mapping outlived domain %u and unmapped cleanly\n", domid);
    xengnttab_close(xgt);
    xenctl_close(xc);
    return 0;
}
