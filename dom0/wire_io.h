/* Framed message I/O on a stream socket, with SCM_RIGHTS for fds. */
#ifndef XENOLITH_WIRE_IO_H
#define XENOLITH_WIRE_IO_H

#include <stddef.h>

/* Sends hdr (hdrlen bytes) with fds attached, then body. 0 or -1/errno. */
int wire_send(int sock, const void *hdr, const void *body, size_t bodylen,
              const int *fds, int nfds);
/* Reads exactly len bytes; -1 with errno (EPIPE at end of stream). */
int wire_recv_exact(int sock, void *buf, size_t len);
/* The same, keeping up to maxfds file descriptors that arrive with them
 * (the rest are closed); *nfds says how many. */
int wire_recv_fds(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds);

#endif
