/* The privcmd socket: Dom0 programs' way in (include/privcmd_abi.h). The
 * transport is privcmd_transport.c, the operations privcmd_ops.h's files. */
#ifndef XENOLITH_PRIVCMD_SERVER_H
#define XENOLITH_PRIVCMD_SERVER_H

#include <sys/types.h>
#include <uv.h>

/* Listens on <rundir>/privcmd.sock; admin_gid (or -1) may connect
 * besides root. 0, or -errno with a message. */
int privcmd_server_start(uv_loop_t *loop, const char *rundir, gid_t admin_gid, char *err,
                         size_t errlen);
void privcmd_server_stop(void);

#endif
