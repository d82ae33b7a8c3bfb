/* The raw privcmd call, for the Dom0 libraries built on libxenctl. */
#ifndef XENOLITH_XENCTL_CALL_H
#define XENOLITH_XENCTL_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "dom0/xenctl.h"

/* 0 or -errno (message in xenctl_error). fds go with the request; the
 * reply's payload lands in out (*got: its full length) and its file
 * descriptors in rfds (*nrfds of them, the rest closed). */
int xenctl_call_fds(xenctl *xc, uint32_t op, const void *req, size_t reqlen, const int *fds,
                    int nfds, void *out, size_t outlen, size_t *got, int *rfds, int max_rfds,
                    int *nrfds);

#endif
