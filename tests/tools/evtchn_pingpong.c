/*
 * xenolith-bench-evtchn echo|raw DOMID CONSOLE_LOG N: round trips between
 * this Dom0 program and a guest. `echo`: the guest's evtchn-echo test
 * answers every event on its port (the full path: libxenevtchn notify,
 * upcall, the guest's EVTCHNOP_send, the Dom0 eventfd). `raw`: the guest's
 * raw-echo test answers a bare irqfd with a bare ioeventfd write, no
 * event-channel logic at all: the floor. Prints median and p99 in ns.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dom0/xenctl_call.h"
#include "dom0/xenevtchn.h"

#define WARMUP 200

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static const char *wait_line(const char *log, const char *prefix, char *line, size_t len)
{
    for (int tries = 0; tries < 600; tries++) {
        FILE *f = fopen(log, "r");
        while (f && fgets(line, (int)len, f)) {
            char *at = strstr(line, prefix);
            if (at) {
                fclose(f);
                return at;
            }
        }
        if (f)
            fclose(f);
        usleep(50000);
    }
    return NULL;
}

static int wait_fd(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 5000) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: xenolith-bench-evtchn echo|raw DOMID CONSOLE_LOG N\n");
        return 2;
    }
    int raw = strcmp(argv[1], "raw") == 0;
    uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 10);
    int n = atoi(argv[4]);
    uint64_t *rtt = calloc((size_t)n, sizeof(*rtt));
    char line[256];
    if (!rtt || n <= 0)
        return 2;

    if (raw) {
        if (!wait_line(argv[3], "raw-echo: ready", line, sizeof(line))) {
            fprintf(stderr, "the guest never said raw-echo: ready\n");
            return 1;
        }
        char err[256];
        xenctl *xc = xenctl_open(NULL, err, sizeof(err));
        struct privcmd_domid req = {.domid = domid};
        int fds[2], nfds = 0;
        if (!xc || xenctl_call_fds(xc, PRIVCMD_OP_RAW_DOORBELL, &req, sizeof(req), NULL, 0, NULL, 0,
                                   NULL, fds, 2, &nfds) || nfds != 2) {
            fprintf(stderr, "no raw doorbell: %s\n", xc ? xenctl_error(xc) : err);
            return 1;
        }
        uint64_t v;
        for (int i = -WARMUP; i < n; i++) {
            uint64_t t0 = now_ns();
            (void)!write(fds[1], &(uint64_t){1}, sizeof(uint64_t));
            if (wait_fd(fds[0]) < 0 || read(fds[0], &v, sizeof(v)) != sizeof(v)) {
                fprintf(stderr, "the guest stopped answering after %d round trips\n", i + WARMUP);
                return 1;
            }
            if (i >= 0)
                rtt[i] = now_ns() - t0;
        }
    } else {
        const char *at = wait_line(argv[3], "evtchn-echo: port=", line, sizeof(line));
        unsigned port;
        if (!at || sscanf(at, "evtchn-echo: port=%u", &port) != 1) {
            fprintf(stderr, "the guest never announced its echo port\n");
            return 1;
        }
        xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
        int local = xce ? xenevtchn_bind_interdomain(xce, domid, port) : -1;
        if (local < 0) {
            fprintf(stderr, "cannot bind the echo port: %s\n", xce ? xenevtchn_error(xce) : "");
            return 1;
        }
        for (int i = -WARMUP; i < n; i++) {
            uint64_t t0 = now_ns();
            xenevtchn_notify(xce, (evtchn_port_t)local);
            for (;;) {
                if (wait_fd(xenevtchn_fd(xce)) < 0) {
                    fprintf(stderr, "the guest stopped echoing after %d round trips\n", i + WARMUP);
                    return 1;
                }
                if (xenevtchn_pending(xce) == local)
                    break;
            }
            if (i >= 0)
                rtt[i] = now_ns() - t0;
        }
        xenevtchn_close(xce);
    }
    qsort(rtt, (size_t)n, sizeof(*rtt), cmp);
    printf("median_ns=%llu p99_ns=%llu n=%d\n", (unsigned long long)rtt[n / 2],
           (unsigned long long)rtt[(size_t)n * 99 / 100], n);
    free(rtt);
    return 0;
}
