/* Where the daemons keep their sockets, pid files and logs (doc/design.md,
 * "Daemons and the runtime directory"). */
#ifndef XENOLITH_RUNDIR_H
#define XENOLITH_RUNDIR_H

#include <stddef.h>
#include <stdint.h>

#define RUNDIR_MAX 256
#define RUNDIR_SYSTEM "/run/xenolith"

/* $XENOLITH_RUNDIR if set and non-empty, else /run/xenolith. */
const char *rundir_default(void);
/* <rundir>/log/console-<domid>.log; 0 or -ENAMETOOLONG. */
int rundir_console_log_path(const char *rundir, uint32_t domid, char *buf, size_t len);
/* mkdir -p with the given mode; 0 or -errno. */
int rundir_mkdirs(const char *path, unsigned mode);

#endif
