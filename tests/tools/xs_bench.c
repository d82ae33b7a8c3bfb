/*
 * The XenStore benchmark's driver (bench/xenstore-ops runs it): Debian's
 * libxenstore against several daemons in the same run (ours, Debian's C
 * xenstored, oxenstored), slice by slice in turn so that the machine's
 * load weighs on all alike, and a bare unix-socket request/response
 * ping-pong with the same message sizes: the most any daemon on a socket
 * could do.
 *
 * Usage: xenolith-xs-bench SECONDS CLIENTS NAME=SOCKET...
 *            SECONDS per measurement and daemon, CLIENTS connections at
 *            once for the many-clients measurement
 *        xenolith-xs-bench introduce N     N domains, as a toolstack makes
 *            them, on $XENSTORED_PATH
 * Prints one "name value" or "daemon name value" line per measurement, and
 * "ratio_vs_DAEMON name value": the first daemon's rate over DAEMON's, the
 * median of the per-slice ratios.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "xenstore-like/xs_wire.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "xenolith-xs-bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static bool io_all(int fd, void *buf, size_t len, bool wr)
{
    char *p = buf;
    while (len) {
        ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/*
 * The limit: a peer process that reads each request (header, then
 * payload) and writes a reply of the daemon's size, one write per
 * message; the client writes each request whole and reads the reply.
 * Requests alternate the shapes of a write+read pair.
 */
static int pp_fd = -1;
static pid_t pp_pid;
static const size_t pp_sizes[2][2] = {
    {sizeof(struct xsd_sockmsg) + sizeof("/bench/key\0value") - 1, sizeof(struct xsd_sockmsg) + 3},
    {sizeof(struct xsd_sockmsg) + sizeof("/bench/key"), sizeof(struct xsd_sockmsg) + 5},
};

static void pingpong_start(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        die("socketpair");
    pp_pid = fork();
    if (pp_pid < 0)
        die("fork");
    if (pp_pid == 0) {
        close(sv[0]);
        char buf[8192];
        for (unsigned i = 0;; i ^= 1) {
            struct xsd_sockmsg h;
            if (!io_all(sv[1], &h, sizeof(h), false) ||
                (h.len && !io_all(sv[1], buf, h.len, false)))
                _exit(0);
            memset(buf, 0, sizeof(h));
            if (!io_all(sv[1], buf, pp_sizes[i][1], true))
                _exit(0);
        }
    }
    close(sv[1]);
    pp_fd = sv[0];
}

static void pingpong_stop(void)
{
    close(pp_fd);
    waitpid(pp_pid, NULL, 0);
}

/* Round trips per second over about secs. */
static double pingpong(double secs)
{
    char msg[256], rep[256];
    memset(msg, 0, sizeof(msg));
    unsigned long rts = 0;
    double start = now(), end = start + secs;
    while (now() < end) {
        for (unsigned i = 0; i < 2; i++) {
            struct xsd_sockmsg h = {.type = XS_READ,
                                    .len = (uint32_t)(pp_sizes[i][0] - sizeof(h))};
            memcpy(msg, &h, sizeof(h));
            if (!io_all(pp_fd, msg, pp_sizes[i][0], true) ||
                !io_all(pp_fd, rep, pp_sizes[i][1], false))
                die("ping-pong");
        }
        rts += 2;
    }
    return (double)rts / (now() - start);
}

/* libxenstore finds the daemon's socket in XENSTORED_PATH when it opens. */
static struct xs_handle *open_xs_at(const char *socket_path)
{
    if (socket_path && setenv("XENSTORED_PATH", socket_path, 1) < 0)
        die("setenv");
    struct xs_handle *h = xs_open(0);
    if (!h) {
        fprintf(stderr, "xenolith-xs-bench: xs_open %s: %s\n",
                socket_path ? socket_path : "(XENSTORED_PATH)", strerror(errno));
        exit(1);
    }
    return h;
}

static struct xs_handle *open_xs(void)
{
    return open_xs_at(NULL);
}

static double bench_write_read(struct xs_handle *h, double secs)
{
    unsigned long n = 0;
    double start = now(), end = start + secs;
    while (now() < end) {
        for (int i = 0; i < 64; i++) {
            unsigned len;
            if (!xs_write(h, XBT_NULL, "/bench/key", "value", 5))
                die("xs_write");
            char *v = xs_read(h, XBT_NULL, "/bench/key", &len);
            if (!v || len != 5)
                die("xs_read");
            free(v);
        }
        n += 64;
    }
    return (double)n / (now() - start);
}

static double bench_directory(struct xs_handle *h, double secs)
{
    char path[64];
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof(path), "/bench/dir/entry-%03d", i);
        if (!xs_write(h, XBT_NULL, path, "x", 1))
            die("xs_write");
    }
    unsigned long n = 0;
    double start = now(), end = start + secs;
    while (now() < end) {
        for (int i = 0; i < 32; i++) {
            unsigned num;
            char **d = xs_directory(h, XBT_NULL, "/bench/dir", &num);
            if (!d || num != 100)
                die("xs_directory");
            free(d);
        }
        n += 32;
    }
    return (double)n / (now() - start);
}

static double bench_transaction(struct xs_handle *h, double secs)
{
    unsigned long n = 0;
    double start = now(), end = start + secs;
    while (now() < end) {
        for (int i = 0; i < 32; i++) {
            xs_transaction_t t = xs_transaction_start(h);
            if (t == XBT_NULL)
                die("xs_transaction_start");
            if (!xs_write(h, t, "/bench/tx", "value", 5))
                die("xs_write in transaction");
            if (!xs_transaction_end(h, t, false))
                die("xs_transaction_end");
        }
        n += 32;
    }
    return (double)n / (now() - start);
}

/* A write on one connection to the event on another. */
static double bench_watch(struct xs_handle *writer, const char *socket_path, double secs)
{
    struct xs_handle *watcher = open_xs_at(socket_path);
    if (!xs_watch(watcher, "/bench/watched", "tok"))
        die("xs_watch");
    unsigned num;
    char **ev = xs_read_watch(watcher, &num); /* the one at registration */
    free(ev);
    unsigned long n = 0;
    double start = now(), end = start + secs;
    while (now() < end) {
        for (int i = 0; i < 16; i++) {
            if (!xs_write(writer, XBT_NULL, "/bench/watched/x", "1", 1))
                die("xs_write");
            ev = xs_read_watch(watcher, &num);
            if (!ev)
                die("xs_read_watch");
            free(ev);
        }
        n += 16;
    }
    double rate = (double)n / (now() - start);
    xs_close(watcher);
    return rate;
}

static void must(bool ok, const char *what)
{
    if (!ok)
        die(what);
}

/* What libxl writes for a domain with one disk and one nic, in one
 * transaction, then INTRODUCE; retried on EAGAIN as libxl does. */
static void make_domain(struct xs_handle *h, unsigned d)
{
    static const char *const keys[][2] = {
        {"name", "guest"}, {"domid", NULL}, {"vm", "/vm/uuid"},
        {"memory/static-max", "262144"}, {"memory/target", "262144"},
        {"cpu/0/availability", "online"}, {"store/port", "1"}, {"store/ring-ref", "1044476"},
        {"console/port", "2"}, {"console/ring-ref", "1044477"}, {"console/type", "xenconsoled"},
        {"control/platform-feature-multiprocessor-suspend", "1"},
        {"device/vbd/51712/backend", "/local/domain/0/backend/vbd"},
        {"device/vbd/51712/state", "1"}, {"device/vif/0/backend", "/local/domain/0/backend/vif"},
        {"device/vif/0/state", "1"}, {"device/vif/0/mac", "00:16:3e:00:00:01"},
    };
    char path[128], val[32];
    for (;;) {
        xs_transaction_t t = xs_transaction_start(h);
        must(t != XBT_NULL, "transaction");
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            snprintf(path, sizeof(path), "/local/domain/%u/%s", d, keys[i][0]);
            snprintf(val, sizeof(val), "%u", d);
            const char *v = keys[i][1] ? keys[i][1] : val;
            must(xs_write(h, t, path, v, (unsigned)strlen(v)), "write");
        }
        snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u/51712/state", d);
        must(xs_write(h, t, path, "1", 1), "write");
        snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/0/state", d);
        must(xs_write(h, t, path, "1", 1), "write");
        struct xs_permissions perms[2] = {{.id = 0, .perms = XS_PERM_NONE},
                                          {.id = d, .perms = XS_PERM_READ}};
        snprintf(path, sizeof(path), "/local/domain/%u", d);
        must(xs_set_permissions(h, t, path, perms, 2), "set_permissions");
        if (xs_transaction_end(h, t, false))
            break;
        must(errno == EAGAIN, "transaction_end");
    }
    must(xs_introduce_domain(h, d, 0x100000 + d, 1), "introduce");
}

static int introduce(unsigned n)
{
    struct xs_handle *h = open_xs();
    unsigned batch = n >= 100 ? 100 : n;
    double t0 = now(), first = 0, last = 0, worst = 0;
    for (unsigned d = 1; d <= n; d++) {
        make_domain(h, d);
        if (d % batch == 0) {
            double t = now(), us = (t - t0) * 1e6 / batch;
            printf("introduce_batch_us_per_domain %u %.1f\n", d, us);
            if (d == batch)
                first = us;
            last = us;
            worst = us > worst ? us : worst;
            t0 = t;
        }
    }
    printf("introduce_first_batch_us %.1f\n", first);
    printf("introduce_last_batch_us %.1f\n", last);
    printf("introduce_worst_batch_us %.1f\n", worst);
    for (unsigned d = 1; d <= n; d++)
        must(xs_release_domain(h, d), "release");
    xs_close(h);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A daemon under test: its name in the output and one connection to it. */
struct daemon {
    const char *name;
    const char *socket_path;
    struct xs_handle *h;
};

/*
 * CLIENTS processes, each with its own connection, doing write+read pairs
 * on a key of its own for secs at once: pairs per second, all together.
 */
static double bench_many_clients(const struct daemon *d, unsigned clients, double secs)
{
    int ready[2], go[2], counts[2];
    if (pipe(ready) < 0 || pipe(go) < 0 || pipe(counts) < 0)
        die("pipe");
    pid_t pids[clients];
    for (unsigned c = 0; c < clients; c++) {
        pids[c] = fork();
        if (pids[c] < 0)
            die("fork");
        if (pids[c] == 0) {
            close(ready[0]), close(go[1]), close(counts[0]);
            struct xs_handle *h = open_xs_at(d->socket_path);
            char key[64], b = 0;
            snprintf(key, sizeof(key), "/bench/client-%u", c);
            if (write(ready[1], &b, 1) != 1 || read(go[0], &b, 1) != 0)
                _exit(1);
            unsigned long n = 0;
            double end = now() + secs;
            while (now() < end) {
                for (int i = 0; i < 16; i++) {
                    unsigned len;
                    if (!xs_write(h, XBT_NULL, key, "value", 5))
                        die("xs_write");
                    char *v = xs_read(h, XBT_NULL, key, &len);
                    if (!v || len != 5)
                        die("xs_read");
                    free(v);
                }
                n += 16;
            }
            xs_close(h);
            _exit(write(counts[1], &n, sizeof(n)) == sizeof(n) ? 0 : 1);
        }
    }
    close(ready[1]), close(go[0]), close(counts[1]);
    char b;
    for (unsigned c = 0; c < clients; c++)
        if (read(ready[0], &b, 1) != 1)
            die("a client did not connect");
    double start = now();
    close(go[1]); /* all of them start at once */
    unsigned long total = 0, n;
    unsigned got = 0;
    while (read(counts[0], &n, sizeof(n)) == sizeof(n)) {
        total += n;
        got++;
    }
    double elapsed = now() - start;
    bool failed = got != clients;
    for (unsigned c = 0; c < clients; c++) {
        int status;
        waitpid(pids[c], &status, 0);
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    close(ready[0]), close(counts[0]);
    if (failed) {
        fprintf(stderr, "xenolith-xs-bench: a client against %s failed\n", d->name);
        exit(1);
    }
    return (double)total / elapsed;
}

enum measure { M_WRITE_READ, M_MANY, M_DIRECTORY, M_TX, M_WATCH, M_COUNT };
static const char *const measure_name[M_COUNT] = {
    [M_WRITE_READ] = "write_read_pairs_per_s",
    [M_MANY] = "many_clients_write_read_pairs_per_s",
    [M_DIRECTORY] = "directory100_per_s",
    [M_TX] = "tx_start_write_end_per_s",
    [M_WATCH] = "watch_roundtrip_per_s",
};

static double measure(enum measure m, const struct daemon *d, unsigned clients, double secs)
{
    switch (m) {
    case M_WRITE_READ:
        return bench_write_read(d->h, secs);
    case M_MANY:
        return bench_many_clients(d, clients, secs);
    case M_DIRECTORY:
        return bench_directory(d->h, secs);
    case M_TX:
        return bench_transaction(d->h, secs);
    case M_WATCH:
        return bench_watch(d->h, d->socket_path, secs);
    case M_COUNT:
        break;
    }
    abort();
}

#define SLICES 7
#define MAX_DAEMONS 4

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "introduce") == 0)
        return introduce((unsigned)atoi(argv[2]));
    if (argc < 4 || argc - 3 > MAX_DAEMONS) {
        fprintf(stderr, "usage: xenolith-xs-bench SECONDS CLIENTS NAME=SOCKET... (1 to %d)\n"
                        "       xenolith-xs-bench introduce N\n", MAX_DAEMONS);
        return 2;
    }
    double secs = atof(argv[1]);
    int clients = atoi(argv[2]);
    if (secs <= 0 || clients < 1 || clients > 256) {
        fprintf(stderr, "xenolith-xs-bench: SECONDS must be > 0 and CLIENTS 1 to 256\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int nd = argc - 3;
    struct daemon ds[MAX_DAEMONS];
    for (int i = 0; i < nd; i++) {
        char *eq = strchr(argv[3 + i], '=');
        if (!eq || eq == argv[3 + i] || !eq[1]) {
            fprintf(stderr, "xenolith-xs-bench: '%s' is not NAME=SOCKET\n", argv[3 + i]);
            return 2;
        }
        *eq = '\0';
        ds[i] = (struct daemon){.name = argv[3 + i], .socket_path = eq + 1};
        ds[i].h = open_xs_at(ds[i].socket_path);
        bench_write_read(ds[i].h, 0.05);
    }
    pingpong_start();
    pingpong(0.05);
    /*
     * Short slices, each daemon in turn, and medians: the machine's load
     * changes from second to second, and this way it weighs on all alike.
     */
    double slice = secs / SLICES;
    double rate[M_COUNT][MAX_DAEMONS][SLICES], ratio[M_COUNT][MAX_DAEMONS][SLICES];
    double pp[SLICES], vs_pp[SLICES];
    for (int s = 0; s < SLICES; s++) {
        pp[s] = pingpong(slice) / 2; /* a pair is two round trips */
        for (int m = 0; m < M_COUNT; m++) {
            for (int i = 0; i < nd; i++)
                rate[m][i][s] = measure((enum measure)m, &ds[i], (unsigned)clients, slice);
            for (int i = 1; i < nd; i++)
                ratio[m][i][s] = rate[m][0][s] / rate[m][i][s];
        }
        vs_pp[s] = rate[M_WRITE_READ][0][s] / pp[s];
    }
    pingpong_stop();
    printf("pingpong_pairs_per_s %.0f\n", median(pp, SLICES));
    printf("write_read_vs_pingpong %.3f\n", median(vs_pp, SLICES));
    for (int m = 0; m < M_COUNT; m++)
        for (int i = 0; i < nd; i++) {
            printf("%s %s %.0f\n", ds[i].name, measure_name[m], median(rate[m][i], SLICES));
            if (i > 0)
                printf("ratio_vs_%s %s %.3f\n", ds[i].name, measure_name[m],
                       median(ratio[m][i], SLICES));
        }
    for (int i = 0; i < nd; i++)
        xs_close(ds[i].h);
    return 0;
}
