/*
 * xenolith-privcmd-abuse: sends the privcmd socket what a broken or
 * hostile client might, and checks each answer. Prints one line per case
 * and exits 0 when every answer was the right one.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "dom0/rundir.h"
#include "dom0/wire_io.h"
#include "dom0/xenctl.h"
#include "dom0/xenevtchn.h"
#include "include/privcmd_abi.h"

static int failures;

static int dial(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", rundir_default(), PRIVCMD_SOCKET_NAME);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("connect");
        exit(1);
    }
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Reads one response; returns its rc and copies its message. */
static int answer(int fd, char *msg, size_t len)
{
    struct privcmd_hdr r;
    msg[0] = '\0';
    if (wire_recv_exact(fd, &r, sizeof(r)) < 0)
        return 1; /* no answer at all */
    char body[4096] = "";
    size_t n = r.len < sizeof(body) - 1 ? r.len : sizeof(body) - 1;
    if (n && wire_recv_exact(fd, body, n) < 0)
        return 1;
    snprintf(msg, len, "%s", body);
    return r.rc;
}

static bool closed_by_peer(int fd)
{
    /* Unread junk makes the daemon's close a reset rather than an EOF. */
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void expect(const char *what, bool ok, const char *msg)
{
    printf("%s %s: %s\n", ok ? "ok" : "WRONG", what, msg);
    if (!ok)
        failures++;
}

/* The toolstack's operations on a running guest: params and ports. */
static void toolstack_ops(uint32_t domid)
{
    char err[256];
    xenctl *xc = xenctl_open(NULL, err, sizeof(err));
    uint64_t v = 0;
    uint32_t port = 0;
    expect("toolstack sets STORE_PFN", xc && xenctl_domain_set_param(xc, domid, HVM_PARAM_STORE_PFN, 0x1234) == 0, "");
    expect("and reads it back", xc && xenctl_domain_get_param(xc, domid, HVM_PARAM_STORE_PFN, &v) == 0 && v == 0x1234, "");
    int rc = xc ? xenctl_domain_set_param(xc, domid, HVM_PARAM_CALLBACK_IRQ, 1) : 0;
    expect("a guest-owned param is refused", rc == -EINVAL, xc ? xenctl_error(xc) : "");
    rc = xc ? xenctl_evtchn_alloc_unbound(xc, domid, 0, &port) : -1;
    expect("an unbound port in the guest for Dom0", rc == 0 && port > 0, xc ? xenctl_error(xc) : "");
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    expect("Dom0 binds to it", xce && xenevtchn_bind_interdomain(xce, domid, port) > 0,
           xce ? xenevtchn_error(xce) : "");
    rc = xc ? xenctl_evtchn_alloc_unbound(xc, 4242, 0, &port) : 0;
    expect("no port in a missing domain", rc == -ESRCH, xc ? xenctl_error(xc) : "");
    struct privcmd_sched sc = {0};
    expect("default weight 256, no cap", xc && xenctl_sched_credit_get(xc, domid, &sc) == 0 &&
           sc.weight == 256 && sc.cap == 0, sc.cgroup);
    expect("sched-credit weight 512 cap 50", xc && xenctl_sched_credit_set(xc, domid, 512, 50) == 0,
           xc ? xenctl_error(xc) : "");
    rc = xc ? xenctl_sched_credit_set(xc, domid, 0, 0) : 0;
    expect("weight 0 refused", rc == -EINVAL, xc ? xenctl_error(xc) : "");
    rc = xc ? xenctl_sched_credit_set(xc, domid, 256, 1000) : 0;
    expect("a cap beyond the domain's vCPUs refused", rc == -EINVAL, xc ? xenctl_error(xc) : "");
    if (xc && xenctl_sched_credit_get(xc, domid, &sc) == 0)
        printf("cgroup %s\n", sc.cgroup);
    if (xce)
        xenevtchn_close(xce);
    if (xc)
        xenctl_close(xc);
}

int main(int argc, char **argv)
{
    char msg[512];
    if (argc > 1)
        toolstack_ops((uint32_t)strtoul(argv[1], NULL, 10));

    int fd = dial();
    static const char junk[] = "GET / HTTP/1.0\r\nHost: privcmd\r\n\r\n";
    (void)!write(fd, junk, sizeof(junk) - 1);
    int rc = answer(fd, msg, sizeof(msg));
    expect("bad magic answered with EPROTO and a message", rc == -EPROTO && strstr(msg, "bad magic"), msg);
    expect("bad magic closes that connection", closed_by_peer(fd), "");
    close(fd);

    fd = dial();
    struct privcmd_hdr h = {.magic = PRIVCMD_MAGIC, .op = PRIVCMD_OP_DOMAIN_LIST, .id = 7,
                            .len = PRIVCMD_MAX_PAYLOAD + 1};
    (void)!write(fd, &h, sizeof(h));
    rc = answer(fd, msg, sizeof(msg));
    expect("oversized payload refused", rc == -EPROTO && strstr(msg, "over the limit"), msg);
    close(fd);

    fd = dial();
    h = (struct privcmd_hdr){.magic = PRIVCMD_MAGIC, .op = 999, .id = 8};
    wire_send(fd, &h, NULL, 0, NULL, 0);
    rc = answer(fd, msg, sizeof(msg));
    expect("unknown operation gets ENOSYS", rc == -ENOSYS && strstr(msg, "unknown privcmd operation 999"), msg);

    /* The same connection still serves after an error it could frame. */
    struct privcmd_domid d = {.domid = 0};
    h = (struct privcmd_hdr){.magic = PRIVCMD_MAGIC, .op = PRIVCMD_OP_DOMAIN_INFO, .id = 9,
                             .len = 3};
    wire_send(fd, &h, &d, 3, NULL, 0);
    rc = answer(fd, msg, sizeof(msg));
    expect("short body refused with EINVAL", rc == -EINVAL && strstr(msg, "malformed request"), msg);

    h = (struct privcmd_hdr){.magic = PRIVCMD_MAGIC, .op = PRIVCMD_OP_DOMAIN_DESTROY, .id = 10,
                             .len = sizeof(d)};
    d.domid = 0;
    wire_send(fd, &h, &d, sizeof(d), NULL, 0);
    rc = answer(fd, msg, sizeof(msg));
    expect("destroying Domain-0 refused", rc == -EPERM, msg);

    d.domid = 4242;
    wire_send(fd, &h, &d, sizeof(d), NULL, 0);
    rc = answer(fd, msg, sizeof(msg));
    expect("destroying a missing domain gives ESRCH", rc == -ESRCH && strstr(msg, "4242"), msg);

    struct privcmd_create_req cr = {.memory_kib = 32768, .vcpus = 0, .type = PRIVCMD_TYPE_PVH};
    memcpy(cr.name, "x", 2);
    h = (struct privcmd_hdr){.magic = PRIVCMD_MAGIC, .op = PRIVCMD_OP_DOMAIN_CREATE, .id = 11,
                             .len = sizeof(cr)};
    wire_send(fd, &h, &cr, sizeof(cr), NULL, 0);
    rc = answer(fd, msg, sizeof(msg));
    expect("zero vCPUs refused", rc == -EINVAL && strstr(msg, "vCPUs"), msg);

    memset(cr.name, 'n', sizeof(cr.name));
    cr.vcpus = 1;
    wire_send(fd, &h, &cr, sizeof(cr), NULL, 0);
    rc = answer(fd, msg, sizeof(msg));
    expect("unterminated name refused", rc == -EINVAL && strstr(msg, "name"), msg);

    /* A file descriptor where none belongs. */
    int extra = dup(0);
    h = (struct privcmd_hdr){.magic = PRIVCMD_MAGIC, .op = PRIVCMD_OP_HOST_INFO, .id = 12};
    wire_send(fd, &h, NULL, 0, &extra, 1);
    close(extra);
    rc = answer(fd, msg, sizeof(msg));
    expect("stray file descriptor refused", rc == -EINVAL && strstr(msg, "file descriptors"), msg);

    /* And a good request still works on the same connection. */
    wire_send(fd, &h, NULL, 0, NULL, 0);
    rc = answer(fd, msg, sizeof(msg));
    expect("host info after all that", rc == 0, "");
    close(fd);

    /* A client that vanishes mid-header costs the daemon nothing. */
    fd = dial();
    (void)!write(fd, &h, 5);
    close(fd);

    printf("%d wrong\n", failures);
    return failures ? 1 : 0;
}
