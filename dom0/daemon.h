/* What every Xenolith daemon does to start: its command line, rundir,
 * pid file, detaching, log lines and stopping on a signal. */
#ifndef XENOLITH_DAEMON_H
#define XENOLITH_DAEMON_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <uv.h>

#include "dom0/rundir.h"

/* Opens and flocks the pid file, so a second daemon on the same rundir is
 * refused rather than stealing the socket. The fd, or -1 after a message
 * on stderr naming `who` (the program) and the running daemon's pid. */
int daemon_lock_pidfile(const char *who, const char *path);
/* Writes this process's pid into the locked file. */
void daemon_write_pid(int fd);
/* Forks twice into a new session; stdin/stdout to /dev/null, stderr to
 * logpath. The flock stays with the surviving child. */
void daemon_detach(const char *who, const char *logpath);
/* Raises the soft open-file limit to the hard one: a daemon keeps a few
 * descriptors per domain, and hundreds of domains pass the usual 1024. */
void daemon_raise_nofile(void);

/* "YYYY-MM-DD HH:MM:SS who: message" on stderr (the log once detached). */
void daemon_vlog(const char *who, const char *fmt, va_list ap);

/* One daemon's start-up: fill in the first fields, then call
 * daemon_init, daemon_background (where the daemon
 * may detach: handles made before it must survive a fork) and, once it
 * serves, daemon_serving; daemon_finish when the loop has stopped. */
struct daemon {
    const char *name;        /* "xenolith-netback" */
    const char *summary;     /* usage's second line */
    /* Usage lines of the daemon's own options, and those options (val
     * 256 and up, or a letter also in extra_short; ending with a zeroed
     * entry); may be NULL. */
    const char *extra_help;
    const struct option *extra_opts;
    const char *extra_short; /* getopt letters, as "g:" */
    /* Called for each of them: 0, or the exit code. */
    int (*extra_opt)(int opt, const char *arg, void *ctx);
    void *ctx;

    const char *rundir;
    bool foreground;
    char logpath[RUNDIR_MAX + 64];
    char pidpath[RUNDIR_MAX + 64];
    int pidfd;
    uv_signal_t sigterm, sigint;
    int stop_signal; /* the signal that stopped the loop, once one has */
};

/* Reads -F/--foreground, -r/--rundir DIR, -h/--help, -V/--version and
 * the extra options; creates RUNDIR/log, locks the pid file (left empty
 * until daemon_serving: a pid in it means the daemon serves, which
 * xenolith-commons waits for), points XENOLITH_RUNDIR and, unless the
 * user set it, XENSTORED_PATH at the rundir, ignores SIGPIPE and raises
 * the open-file limit. -1 to go on, else the exit code (0 after -h or
 * -V, 2 for a bad command line, 1 when the rundir or pid file fails). */
int daemon_init(struct daemon *d, int argc, char **argv);
/* Detaches into the log file unless -F. */
void daemon_background(struct daemon *d);
/* Writes the pid and makes SIGTERM and SIGINT stop loop (and set
 * stop_signal, for a daemon that runs the loop in steps). */
void daemon_serving(struct daemon *d, uv_loop_t *loop);
/* Closes the signal handles and removes the pid file. */
void daemon_finish(struct daemon *d);

#endif
