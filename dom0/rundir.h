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
/*
 * Whether the daemons (root) may trust directory `dir` with their sockets,
 * pid files, journals and logs: a directory itself (not a link), owned by
 * root or by us, that neither group nor others may write to. 0, or -EPERM
 * with why naming the directory and the fault.
 */
int rundir_check(const char *dir, char *why, size_t len);
/* mkdir -p with the given mode (path: a directory in the run directory);
 * 0 or -errno. The directory and the one holding it, when they were
 * already there, must pass rundir_check, and the ones above the same but
 * that root's sticky ones (/tmp) pass; else -EPERM with why (when given)
 * saying which directory and what is wrong. */
int rundir_prepare(const char *path, unsigned mode, char *why, size_t len);
int rundir_mkdirs(const char *path, unsigned mode);

#endif
