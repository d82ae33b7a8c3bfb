/* The Linux tap device that stands for a vif in Dom0. */
#ifndef XENOLITH_NETBACK_TAP_H
#define XENOLITH_NETBACK_TAP_H

#include <stddef.h>

/*
 * Opens (creating if need be) the persistent tap `name`, non-blocking.
 * Persistent, so that when netback dies the interface keeps its bridge
 * port and a restarted netback re-attaches to the same one. Its MAC is
 * fe:ff:ff:ff:ff:ff, as Xen's vifs, so a bridge never takes it for its
 * own address. The fd, or -errno with the reason in err.
 */
int tap_open(const char *name, char *err, size_t errlen);
/* Closes fd and deletes the interface. */
void tap_destroy(int fd);

#endif
