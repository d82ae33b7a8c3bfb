/*
 * What a frontend driver does in XenStore (the guest side of
 * Linux's xenbus_probe_frontend): find its devices under
 * device/<type>, learn each one's backend (path and domain), write its
 * own state, and wait for the backend's state through a watch.
 *
 * Uses xenbus, so vCPU 0 only. Errors are negative XEN_E* values.
 */
#ifndef FRONTENDS_KERNEL_XENBUS_DEV_H
#define FRONTENDS_KERNEL_XENBUS_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "include/xen_public.h"
#include <xen/io/xenbus.h>

#define XENBUS_DEV_PATH_MAX 128
#define XENBUS_DEV_MAX 16

struct xenbus_dev {
	char type[16];
	uint32_t devid;
	char nodename[XENBUS_DEV_PATH_MAX]; /* device/<type>/<devid> */
	char otherend[XENBUS_DEV_PATH_MAX]; /* the backend's directory */
	domid_t otherend_id;
};

/* The devids under device/<type>, ascending, into ids; the count (at
 * most max), or an error. */
long xenbus_dev_list(const char *type, uint32_t *ids, unsigned max);

/* Fill dev for device/<type>/<devid>: reads backend and backend-id. */
long xenbus_dev_open(struct xenbus_dev *dev, const char *type, uint32_t devid);

/* Our own key under nodename, or the backend's under otherend. */
long xenbus_dev_read(const struct xenbus_dev *dev, const char *key, char *buf, unsigned size);
long xenbus_dev_read_other(const struct xenbus_dev *dev, const char *key, char *buf,
			   unsigned size);
/* A number from the backend's dir; def when absent. Error when present
 * but not a number. */
long xenbus_dev_read_other_u64(const struct xenbus_dev *dev, const char *key, uint64_t def,
			       uint64_t *out);
/* Write a key under nodename, in transaction tx (0 for none). */
long xenbus_dev_write(const struct xenbus_dev *dev, uint32_t tx, const char *key,
		      const char *value);
long xenbus_dev_write_u64(const struct xenbus_dev *dev, uint32_t tx, const char *key,
			  uint64_t value);

long xenbus_dev_switch_state(const struct xenbus_dev *dev, enum xenbus_state s);
/* The backend's state now (XenbusStateUnknown when absent). */
enum xenbus_state xenbus_dev_other_state(const struct xenbus_dev *dev);

/* Waits until the backend's state satisfies ok(state) (a watch on its
 * state node), at most timeout_ns; the state it reached, -XEN_ETIMEDOUT,
 * or -XEN_ENODEV once our device node and the backend's are gone. */
long xenbus_dev_wait_other(const struct xenbus_dev *dev, bool (*ok)(enum xenbus_state),
			   uint64_t timeout_ns);

#endif
