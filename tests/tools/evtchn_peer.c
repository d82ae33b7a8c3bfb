/*
 * xenolith-evtchn-peer DOMID CONSOLE_LOG: the Dom0 half of the guest's
 * `dom0-peer` test (frontends/tests/dom0_peer.h): binds the guest's
 * unbound port, maps the page it granted, drives the phases, checks the
 * statuses a bad map gets and the guest clock's rate against the host's,
 * then waits for VIRQ_DOM_EXC as the guest powers off. Prints what it saw;
 * exits 0 when every check held.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "dom0/xenevtchn.h"
#include "dom0/xengnttab.h"

/* The shared page's head, as the guest lays it out. */
struct peer_page {
    uint32_t phase;
    uint32_t pad;
    uint64_t guest_ns[2];
};
#define PATTERN_OFF 1024
#define PATTERN_LEN 2048

static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "WRONG", what);
    if (!ok)
        failures++;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Waits up to ms for `port` to fire; other ports' events are set aside. */
static int wait_port(xenevtchn_handle *xce, int port, int ms, int *other)
{
    uint64_t end = now_ns() + (uint64_t)ms * 1000000ull;
    for (;;) {
        int p = xenevtchn_pending(xce);
        if (p == port)
            return 0;
        if (p > 0 && other)
            *other = p;
        if (p > 0)
            continue;
        uint64_t now = now_ns();
        if (now >= end)
            return -1;
        struct pollfd pfd = {.fd = xenevtchn_fd(xce), .events = POLLIN};
        poll(&pfd, 1, (int)((end - now) / 1000000ull) + 1);
    }
}

static int find_announcement(const char *log, unsigned *port, unsigned *ref, unsigned *ref7)
{
    for (int tries = 0; tries < 300; tries++) {
        FILE *f = fopen(log, "r");
        char line[512];
        while (f && fgets(line, sizeof(line), f)) {
            const char *at = strstr(line, "dom0-peer: port=");
            if (at && sscanf(at, "dom0-peer: port=%u ref=%u ref7=%u", port, ref, ref7) == 3) {
                fclose(f);
                return 0;
            }
        }
        if (f)
            fclose(f);
        usleep(100000);
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: xenolith-evtchn-peer DOMID CONSOLE_LOG\n");
        return 2;
    }
    uint32_t domid = (uint32_t)strtoul(argv[1], NULL, 10);
    unsigned port, ref, ref7;
    if (find_announcement(argv[2], &port, &ref, &ref7) < 0) {
        fprintf(stderr, "the guest never announced its port and refs in %s\n", argv[2]);
        return 1;
    }
    printf("guest %u: port %u, ref %u, ref7 %u\n", domid, port, ref, ref7);

    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    if (!xce || !xgt) {
        fprintf(stderr, "cannot open the Dom0 event-channel or grant library: %s\n", strerror(errno));
        return 1;
    }
    int dom_exc = xenevtchn_bind_virq(xce, VIRQ_DOM_EXC);
    check(dom_exc > 0, "bind VIRQ_DOM_EXC");
    int local = xenevtchn_bind_interdomain(xce, domid, port);
    check(local > 0, "bind to the guest's unbound port");
    if (local <= 0) {
        fprintf(stderr, "%s\n", xenevtchn_error(xce));
        return 1;
    }
    check(xenevtchn_bind_interdomain(xce, domid, port) < 0 && errno == EINVAL,
          "binding the same port twice is refused");

    /* Refs Dom0 must not get: past the table, a missing domain, a page
     * granted to someone else. */
    uint32_t doms[3] = {domid, 4242, domid}, refs[3] = {ref + 100000, ref, ref7};
    int16_t st[3] = {0};
    void *bad = xengnttab_map_grant_refs_status(xgt, 3, doms, refs, PROT_READ | PROT_WRITE, st);
    check(bad == NULL, "a batch with bad refs is refused whole");
    check(st[0] == GNTST_bad_gntref, "a ref past the table: GNTST_bad_gntref");
    check(st[1] == GNTST_bad_domain, "a missing domain: GNTST_bad_domain");
    check(st[2] == GNTST_permission_denied, "a ref granted to domain 7: GNTST_permission_denied");

    uint8_t *page = xengnttab_map_grant_ref(xgt, domid, ref, PROT_READ | PROT_WRITE);
    check(page != NULL, "map the granted page read-write");
    if (!page) {
        fprintf(stderr, "%s\n", xengnttab_error(xgt));
        return 1;
    }
    volatile struct peer_page *pp = (volatile struct peer_page *)page;
    for (unsigned i = 0; i < PATTERN_LEN; i++)
        page[PATTERN_OFF + i] = (uint8_t)((i * 7 + 3) & 0xff);

    uint64_t ta = now_ns();
    __atomic_store_n(&pp->phase, 1, __ATOMIC_SEQ_CST);
    xenevtchn_notify(xce, (evtchn_port_t)local);
    int r = wait_port(xce, local, 30000, NULL);
    uint64_t tb = now_ns();
    check(r == 0 && pp->phase == 2, "the guest checked the pattern and answered (phase 2)");

    sleep(3);
    uint64_t tc = now_ns();
    __atomic_store_n(&pp->phase, 3, __ATOMIC_SEQ_CST);
    xenevtchn_notify(xce, (evtchn_port_t)local);
    r = wait_port(xce, local, 30000, NULL);
    uint64_t td = now_ns();
    check(r == 0 && pp->phase == 4, "the guest stamped its clock again (phase 4)");

    /* Each guest stamp lies between a notify and its answer on the host;
     * the rate must agree within 100 ppm over the ~3 s in between. */
    double guest = (double)(pp->guest_ns[1] - pp->guest_ns[0]);
    double host_mid = (double)((tc + td) / 2 - (ta + tb) / 2);
    double lo = (double)(tc - tb) * (1 - 100e-6), hi = (double)(td - ta) * (1 + 100e-6);
    printf("clock: guest %.0f ns, host %.0f ns, %+.1f ppm (bracket %.0f..%.0f ns)\n", guest,
           host_mid, (guest - host_mid) / host_mid * 1e6, lo, hi);
    check(guest >= lo && guest <= hi, "the PV clock runs within 100 ppm of the host's");

    /* Read the pattern back through a grant copy, then unmap, then set
     * phase 5 through a grant copy too: the page is no longer mapped. */
    uint8_t back[PATTERN_LEN];
    xengnttab_grant_copy_segment_t rd = {
        .source.foreign = {.ref = ref, .offset = PATTERN_OFF, .domid = (domid_t)domid},
        .dest.virt = back, .len = PATTERN_LEN, .flags = GNTCOPY_source_gref,
    };
    check(xengnttab_grant_copy(xgt, 1, &rd) == 0 && rd.status == GNTST_okay &&
              memcmp(back, page + PATTERN_OFF, PATTERN_LEN) == 0,
          "grant copy reads the page as mapped");
    check(xengnttab_unmap(xgt, page, 1) == 0, "unmap the page");
    uint32_t five = 5;
    xengnttab_grant_copy_segment_t wr = {
        .source.virt = &five,
        .dest.foreign = {.ref = ref, .offset = 0, .domid = (domid_t)domid},
        .len = sizeof(five), .flags = GNTCOPY_dest_gref,
    };
    xengnttab_grant_copy_segment_t nope = {
        .source.virt = &five,
        .dest.foreign = {.ref = ref7, .offset = 0, .domid = (domid_t)domid},
        .len = sizeof(five), .flags = GNTCOPY_dest_gref,
    };
    check(xengnttab_grant_copy(xgt, 1, &nope) == 0 && nope.status == GNTST_permission_denied,
          "grant copy into a page granted to domain 7 is refused");
    check(xengnttab_grant_copy(xgt, 1, &wr) == 0 && wr.status == GNTST_okay,
          "grant copy writes phase 5");
    xenevtchn_notify(xce, (evtchn_port_t)local);

    /* The guest powers off after phase 5: Dom0 hears of it. */
    r = wait_port(xce, dom_exc, 30000, NULL);
    check(r == 0, "VIRQ_DOM_EXC fired when the guest stopped");

    xengnttab_close(xgt);
    xenevtchn_close(xce);
    printf("%d wrong\n", failures);
    return failures ? 1 : 0;
}
