/*
 * xenolith-xs-tool: what xenstore-utils lacks, for tests and admins.
 * Debian's xenstore-control is a dangling link, and the CLI has no domain
 * verbs; these go through libxenstore like any toolstack. "abuse" speaks
 * raw bytes to the socket instead, to show how the daemon takes garbage.
 *
 *   control ARG...            CONTROL (log on|off, quota ..., stats, check)
 *   introduce DOMID GFN PORT  INTRODUCE
 *   release DOMID             RELEASE
 *   resume DOMID              RESUME
 *   is-introduced DOMID       prints T or F
 *   domain-path DOMID         GET_DOMAIN_PATH
 *   set-target DOMID TARGET   SET_TARGET
 *   abuse                     malformed requests; one line per case
 *   send                      copies standard input to the socket raw
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenstore.h>

#include "xenstore-like/xs_wire.h"

static int usage(void)
{
    fprintf(stderr, "usage: xenolith-xs-tool control ARG...|introduce D GFN PORT|release D|"
                    "resume D|is-introduced D|domain-path D|set-target D T|abuse\n");
    return 2;
}

static int fail(const char *what)
{
    fprintf(stderr, "xenolith-xs-tool: %s: %s\n", what, strerror(errno));
    return 1;
}

static int raw_connect(void)
{
    const char *path = getenv("XENSTORED_PATH");
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (!path || strlen(path) >= sizeof(a.sun_path))
        return -1;
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends header + payload (len may lie); prints the reply and whether the
 * daemon then hung up. */
static void raw_case(const char *name, uint32_t type, uint32_t tx, uint32_t len,
                     const void *payload, size_t plen)
{
    int fd = raw_connect();
    if (fd < 0) {
        printf("%s connect-failed\n", name);
        return;
    }
    struct xsd_sockmsg h = {.type = type, .req_id = 42, .tx_id = tx, .len = len};
    char buf[sizeof(h) + 8192];
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), payload, plen);
    if (write(fd, buf, sizeof(h) + plen) < 0) {
        printf("%s write-failed\n", name);
        close(fd);
        return;
    }
    struct xsd_sockmsg r;
    char body[XENSTORE_PAYLOAD_MAX + 1] = "";
    ssize_t n = read(fd, &r, sizeof(r));
    if (n != (ssize_t)sizeof(r)) {
        printf("%s no-reply\n", name);
        close(fd);
        return;
    }
    if (r.len && read(fd, body, r.len) != (ssize_t)r.len) {
        printf("%s short-reply\n", name);
        close(fd);
        return;
    }
    body[r.len] = '\0';
    printf("%s %s %s", name, r.type == XS_ERROR ? "ERROR" : "OK", body);
    if (r.req_id != 42)
        printf(" wrong-req-id");
    /* Still connected? A further request must get an answer. */
    static const char probe[] = "/\0";
    struct xsd_sockmsg ph = {.type = XS_DIRECTORY, .req_id = 43, .len = 2};
    memcpy(buf, &ph, sizeof(ph));
    memcpy(buf + sizeof(ph), probe, 2);
    bool alive = write(fd, buf, sizeof(ph) + 2) > 0 && read(fd, &r, sizeof(r)) == sizeof(r);
    printf(" %s\n", alive ? "connected" : "closed");
    close(fd);
}

static int abuse(void)
{
    /* The daemon hangs up on some cases; a write then must not kill us. */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    raw_case("unterminated", XS_READ, 0, 6, "/local", 6);
    raw_case("unknown-type", 999, 0, 1, "", 1);
    raw_case("invalid-path", XS_READ, 0, 6, "/a//b", 6);
    raw_case("bad-chars", XS_WRITE, 0, 7, "/a b\0x", 7);
    raw_case("bad-perms", XS_SET_PERMS, 0, 10, "/local\0x5", 10);
    raw_case("no-such-tx", XS_READ, 0x777, 7, "/local", 7);
    raw_case("watch-event-from-client", XS_WATCH_EVENT, 0, 5, "/a\0t", 5);
    char junk[64];
    memset(junk, 0xa5, sizeof(junk));
    raw_case("length-over-4096", XS_WRITE, 0, XENSTORE_PAYLOAD_MAX + 1, junk, sizeof(junk));
    raw_case("garbage-header", 0xa5a5a5a5, 0xa5a5a5a5, 0xa5a5a5a5, junk, sizeof(junk));
    return 0;
}

/* Raw bytes in, whatever the daemon answers is discarded. */
static int send_stdin(void)
{
    signal(SIGPIPE, SIG_IGN);
    int fd = raw_connect();
    if (fd < 0)
        return fail("connect");
    char buf[4096];
    ssize_t n;
    while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
        if (write(fd, buf, (size_t)n) < 0)
            break; /* dropped by the daemon: what garbage earns */
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "abuse") == 0)
        return abuse();
    if (strcmp(cmd, "send") == 0)
        return send_stdin();
    struct xs_handle *h = xs_open(0);
    if (!h)
        return fail("xs_open");
    int rc = 0;
    if (strcmp(cmd, "control") == 0 && argc >= 3) {
        /* CONTROL's payload: the words, each NUL-terminated. */
        char buf[XENSTORE_PAYLOAD_MAX];
        size_t len = 0;
        for (int i = 3; i < argc; i++) {
            size_t l = strlen(argv[i]) + 1;
            if (len + l > sizeof(buf))
                return usage();
            memcpy(buf + len, argv[i], l);
            len += l;
        }
        char *r = xs_control_command(h, argv[2], buf, (unsigned)len);
        if (!r)
            rc = fail("control");
        else {
            fputs(r, stdout);
            if (!*r || r[strlen(r) - 1] != '\n')
                putchar('\n');
            free(r);
        }
    } else if (strcmp(cmd, "introduce") == 0 && argc == 5) {
        if (!xs_introduce_domain(h, (unsigned)atoi(argv[2]), strtoul(argv[3], NULL, 0),
                                 (unsigned)atoi(argv[4])))
            rc = fail("introduce");
    } else if (strcmp(cmd, "release") == 0 && argc == 3) {
        if (!xs_release_domain(h, (unsigned)atoi(argv[2])))
            rc = fail("release");
    } else if (strcmp(cmd, "resume") == 0 && argc == 3) {
        if (!xs_resume_domain(h, (unsigned)atoi(argv[2])))
            rc = fail("resume");
    } else if (strcmp(cmd, "is-introduced") == 0 && argc == 3) {
        puts(xs_is_domain_introduced(h, (unsigned)atoi(argv[2])) ? "T" : "F");
    } else if (strcmp(cmd, "domain-path") == 0 && argc == 3) {
        char *p = xs_get_domain_path(h, (unsigned)atoi(argv[2]));
        if (!p)
            rc = fail("domain-path");
        else {
            puts(p);
            free(p);
        }
    } else if (strcmp(cmd, "set-target") == 0 && argc == 4) {
        if (!xs_set_target(h, (unsigned)atoi(argv[2]), (unsigned)atoi(argv[3])))
            rc = fail("set-target");
    } else {
        rc = usage();
    }
    xs_close(h);
    return rc;
}
