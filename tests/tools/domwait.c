/*
 * xenolith-domwait DOMID [SECONDS]: waits until a domain has shut down or
 * crashed and prints its final state in one line the integration tests
 * match on:  state=<xl letter> reason=<shutdown reason> crash=<why>
 * Exits 0 when the domain ended, 1 on an error, 3 on timeout.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dom0/xenctl.h"

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "xenolith-domwait: timed out\n";
    (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
    _exit(3);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: xenolith-domwait DOMID [SECONDS]\n");
        return 1;
    }
    char *end;
    unsigned long domid = strtoul(argv[1], &end, 10);
    if (*end || end == argv[1]) {
        fprintf(stderr, "xenolith-domwait: bad domain id '%s'\n", argv[1]);
        return 1;
    }
    signal(SIGALRM, on_alarm);
    alarm(argc == 3 ? (unsigned)atoi(argv[2]) : 60);

    char err[512];
    xenctl *xc = xenctl_open(NULL, err, sizeof(err));
    if (!xc) {
        fprintf(stderr, "xenolith-domwait: %s\n", err);
        return 1;
    }
    struct privcmd_dominfo info;
    int rc = xenctl_domain_wait(xc, (uint32_t)domid, &info);
    if (rc < 0) {
        fprintf(stderr, "xenolith-domwait: %s\n", xenctl_error(xc));
        xenctl_close(xc);
        return 1;
    }
    printf("state=%c reason=%s crash=%s\n", xenctl_state_letter(info.state),
           xenctl_shutdown_reason_name(info.shutdown_reason), info.crash_reason);
    xenctl_close(xc);
    return 0;
}
