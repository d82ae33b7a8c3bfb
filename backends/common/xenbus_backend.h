/*
 * What every backend daemon needs from XenStore, as Linux's
 * xenbus_backend does for its drivers: watch
 * /local/domain/0/backend/<type>, find devices as the toolstack writes
 * them, follow each frontend's state, and walk the XenbusState machine:
 *
 *   new device     -> ops->probe (publish features)      -> InitWait
 *   frontend Initialised or Connected
 *                  -> ops->connect (map rings, bind)     -> Connected
 *   frontend Closing / Closed, backend online=0 with state Closing
 *                  -> ops->disconnect                    -> Closing, Closed
 *                     (Closed only once ops->busy says the requests of
 *                     the old connection are done, as Linux's blkback
 *                     waits for its in-flight I/O: until then the device
 *                     stays Closing and is neither closed nor connected
 *                     again, so a new ring never meets an old request)
 *   backend dir removed -> ops->disconnect, ops->remove (device freed)
 *
 * After a restart the daemon finds devices whose backend state is
 * Connected already and whose frontend is Connected: it calls
 * ops->connect with reconnect = true and stays Connected, so the rings
 * the guest set up before are served again without the guest's help.
 *
 * Runs in a libuv loop: the XenStore handle's watch fd is polled there;
 * all callbacks run on the loop thread. Reads and writes to the store
 * are synchronous (small and local).
 *
 * A failure in a device's callback (or xbb_fail) puts that device in
 * Closing with an "error" key; other devices are not affected.
 */
#ifndef XENOLITH_XENBUS_BACKEND_H
#define XENOLITH_XENBUS_BACKEND_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include <xenstore.h>

#include "include/xen_public.h"
#include <xen/io/xenbus.h>

struct xbb;

struct xbb_dev {
    struct xbb *be;
    uint32_t domid;
    uint32_t devid;
    char bpath[128];         /* /local/domain/0/backend/<type>/<domid>/<devid> */
    char fpath[128];         /* the frontend dir, from the backend's "frontend" key */
    enum xenbus_state state; /* ours, as last written */
    enum xenbus_state fstate; /* the frontend's, as last read */
    bool connected;          /* connect succeeded and no disconnect since */
    bool fe_closed;          /* the frontend closed since we did */
    bool kicked;             /* xbb_kick: walk again on the next loop turn */
    void *priv;              /* the type-specific code's */
};

struct xbb_ops {
    const char *type;   /* "vbd", "vif" */
    const char *daemon; /* "xenolith-blkback": who the log lines name */
    /* A new device: read its backend keys, open what it needs, publish
     * feature keys. 0, or -1 after xbb_fail (device goes to Closed). */
    int (*probe)(struct xbb_dev *d);
    /* The frontend is ready (or, with reconnect, was before we restarted):
     * read its ring refs and event channel, map, bind. 0, or -1. */
    int (*connect)(struct xbb_dev *d, bool reconnect);
    /* Stop serving: unbind, unmap. Called at most once per connect. */
    void (*disconnect)(struct xbb_dev *d);
    /* Whether requests taken before the last disconnect are still in
     * flight (NULL: never); the type's code calls xbb_kick when they are
     * done. */
    bool (*busy)(struct xbb_dev *d);
    /* The device is going away: free priv. */
    void (*remove)(struct xbb_dev *d);
    /* Connect only once the hotplug script has said hotplug-status
     * "connected", as Linux's netback does: a device whose script fails
     * (a missing bridge) is taken away by the toolstack, and a frontend
     * that had already connected to it would have served traffic into a
     * tap on no bridge. */
    bool wait_hotplug;
};

/* Connects to the store ($XENSTORED_PATH, else the rundir's socket),
 * watches backend/<type> and adds the poll to loop. NULL on failure
 * (message in the daemon's log). */
struct xbb *xbb_open(uv_loop_t *loop, const struct xbb_ops *ops, void *ctx);
void *xbb_ctx(struct xbb *be);

/* Values from the device's backend or frontend dir: malloc'd strings
 * (NULL when absent), or numbers (0, or -1 when absent or not a number
 * in [0, max]). */
char *xbb_read_back(struct xbb_dev *d, const char *key);
char *xbb_read_front(struct xbb_dev *d, const char *key);
int xbb_read_back_uint(struct xbb_dev *d, const char *key, unsigned long max,
                       unsigned long *out);
int xbb_read_front_uint(struct xbb_dev *d, const char *key, unsigned long max,
                        unsigned long *out);
int xbb_write_back(struct xbb_dev *d, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int xbb_set_state(struct xbb_dev *d, enum xenbus_state s);

/* Logs the reason, writes it to the backend's "error" key, disconnects
 * the device and sets it Closing. Safe from any callback. */
void xbb_fail(struct xbb_dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Walks d's state again on the next turn of the loop (after ops->busy
 * changed); safe from any callback, and from inside the type's I/O. */
void xbb_kick(struct xbb_dev *d);

/* A message on stderr prefixed with the device ("vbd 3/51712: "). */
void xbb_log(struct xbb_dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
