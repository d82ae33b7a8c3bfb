/*
 * The XenStore client (xenbus): the ring page and port the toolstack
 * gives the domain in HVM_PARAM_STORE_PFN and HVM_PARAM_STORE_EVTCHN,
 * and the wire protocol of io/xs_wire.h over it.
 *
 * One request is outstanding at a time: a call writes its request,
 * notifies, and waits (blocking, with a timeout) until the reply is
 * complete. Watch events that arrive meanwhile are queued for
 * xenbus_wait_event(). The waiting uses the calling vCPU's singleshot
 * timer and the port's upcall, which goes to vCPU 0, so xenbus is used
 * from vCPU 0 only; nothing here locks.
 *
 * Every call returns 0 (or a length or count) on success and a negative
 * XEN_E* value on failure: the daemon's XS_ERROR name turned into its
 * number, -XEN_ETIMEDOUT when no reply came in time, -XEN_EIO when the
 * ring's indices or a message make no sense (the connection is then
 * unusable), -XEN_ENODEV before a successful xenbus_init().
 *
 * Paths not starting with '/' are relative to /local/domain/<domid>; the
 * daemon resolves them.
 */
#ifndef FRONTENDS_KERNEL_XENBUS_H
#define FRONTENDS_KERNEL_XENBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/xen_public.h"
#include <xen/io/xs_wire.h>

/* How long a request waits for its reply unless told otherwise. */
#define XENBUS_TIMEOUT_NS (10ull * 1000000000ull)

/* Watch events waiting to be taken; more are counted and dropped. */
#define XENBUS_EVENT_QUEUE 8
/* The longest event path and token kept; longer events are dropped
 * (counted) rather than handed out cut short. */
#define XENBUS_EVENT_PATH_MAX 256
#define XENBUS_TOKEN_MAX 64

struct xenbus_event {
	char path[XENBUS_EVENT_PATH_MAX];
	char token[XENBUS_TOKEN_MAX];
};

/* Find the ring and port, and take upcalls on the port (once; later
 * calls return the first result). -XEN_ENOENT when STORE_PFN is 0: the
 * toolstack gave this domain no XenStore. */
long xenbus_init(void);
bool xenbus_ready(void);

/* What xenbus_init found (for messages and the hostile test). */
uint64_t xenbus_store_gfn(void);
evtchn_port_t xenbus_store_port(void);
struct xenstore_domain_interface *xenbus_interface(void);

/* Tell the daemon to look at the ring. */
long xenbus_notify(void);

/* One request of type with tx_id tx and payload made of nparts pieces;
 * the reply's payload is copied into reply (NUL-terminated, cut to
 * reply_size - 1 bytes; reply may be NULL). Returns the reply payload's
 * full length. */
struct xenbus_part {
	const void *data;
	size_t len;
};
long xenbus_request(enum xsd_sockmsg_type type, uint32_t tx,
		    const struct xenbus_part *parts, unsigned nparts,
		    char *reply, size_t reply_size, uint64_t timeout_ns);

/* The value at path into buf (NUL-terminated); its length, or -XEN_E2BIG
 * when it does not fit. */
long xenbus_read(uint32_t tx, const char *path, char *buf, size_t size);
long xenbus_write(uint32_t tx, const char *path, const char *value);
long xenbus_rm(uint32_t tx, const char *path);

/* The children of path into buf, each NUL-terminated, one after the
 * other; the number of children, or -XEN_E2BIG when they do not fit. */
long xenbus_directory(uint32_t tx, const char *path, char *buf, size_t size);
/* True if the list xenbus_directory returned (count names in buf)
 * has name. */
bool xenbus_dir_has(const char *buf, long count, const char *name);

long xenbus_transaction_start(uint32_t *tx);
/* Commit (or abort); a commit that lost against another writer gives
 * -XEN_EAGAIN and changed nothing. */
long xenbus_transaction_end(uint32_t tx, bool commit);
/* Run fn in a transaction and commit it, starting over while the commit
 * says -XEN_EAGAIN, at most tries times. An error from fn aborts the
 * transaction and is returned. */
long xenbus_transact(long (*fn)(uint32_t tx, void *arg), void *arg,
		     unsigned tries);

/* The daemon fires a new watch once at once, then on every change to
 * path and below. */
long xenbus_watch(const char *path, const char *token);
long xenbus_unwatch(const char *path, const char *token);

/* The oldest queued watch event, waiting up to timeout_ns for one;
 * 0, or -XEN_ETIMEDOUT. */
long xenbus_wait_event(struct xenbus_event *ev, uint64_t timeout_ns);
/* Events dropped because the queue was full or they were too long. */
unsigned xenbus_events_dropped(void);

#endif
