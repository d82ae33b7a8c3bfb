/* What every Xenolith daemon does to start: hold its pid file, detach. */
#ifndef XENOLITH_DAEMON_H
#define XENOLITH_DAEMON_H

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

#endif
