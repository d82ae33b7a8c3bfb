/* Loading a PVH kernel into a created, paused domain. */
#ifndef XENOLITH_DOMAIN_LOAD_H
#define XENOLITH_DOMAIN_LOAD_H

#include <stddef.h>
#include <stdint.h>

/* Reads the kernel (an ELF with a PVH entry note, or a bzImage around
 * one) and the ramdisk (ramdisk_fd -1: none) from the caller's fds, which
 * stay the caller's, and readies vCPU 0 to start there with cmdline. 0,
 * or -errno with a message in err. Once per domain. */
int domain_load_pvh(uint32_t domid, int kernel_fd, int ramdisk_fd, const char *cmdline,
                    char *err, size_t errlen);

#endif
