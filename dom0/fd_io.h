/* Whole-buffer writes on file descriptors, for Dom0 programs. */
#ifndef XENOLITH_FD_IO_H
#define XENOLITH_FD_IO_H

#include <stddef.h>

/* Writes all of buf, retrying short writes and EINTR. 0 or -errno. */
int fd_write_all(int fd, const void *buf, size_t len);

#endif
