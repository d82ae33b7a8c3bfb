#include <xen/errno.h>

#include "arch/atomic.h"
#include "kernel/evtchn.h"
#include "kernel/hypercall.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "lib/format.h"
#include "lib/kstring.h"

#define PAGE_SHIFT 12
/* The kernel's identity map ends at 4 GiB (boot.S). */
#define MAPPED_LIMIT (1ull << 32)

/* Error names as the daemon spells them in XS_ERROR, with their values:
 * the list of xen/errno.h, included a second time with our own
 * XEN_ERRNO() (the form that header provides for this). */
static const struct {
	const char *name;
	int value;
} errnames[] = {
#define XEN_ERRNO(name, value) { #name, value },
#include <xen/errno.h>
};

static bool initialised;
static long init_rc;
static uint64_t store_gfn;
static evtchn_port_t store_port;
static struct xenstore_domain_interface *intf;

/* Bumped by the port's upcall; waiters only need to be woken, the ring
 * itself says what arrived. */
static volatile uint32_t upcalls;

/* Set once the ring or the daemon broke the protocol: nothing that
 * follows on the ring can be trusted to line up. */
static bool broken;

/*
 * The message being read off rsp[]. A message can be longer than the
 * ring, so it is gathered across several waits; a complete reply stays
 * here (and the ring is not read further) until its request takes it.
 */
static struct {
	struct xsd_sockmsg hdr;
	uint32_t have;		/* bytes of header and body so far */
	bool complete;		/* a reply waits for its request */
	char body[XENSTORE_PAYLOAD_MAX + 1];
} in;

static uint32_t next_req_id = 1;
static uint32_t waiting_id;	/* the outstanding request's req_id */
static bool waiting;

static struct xenbus_event events[XENBUS_EVENT_QUEUE];
static unsigned ev_head, ev_count, ev_dropped;

static void store_upcall(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	upcalls++;
}

static long get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);

	*value = p.value;
	return rc;
}

long xenbus_init(void)
{
	uint64_t pfn = 0, port = 0;

	if (initialised)
		return init_rc;
	initialised = true;
	init_rc = get_param(HVM_PARAM_STORE_PFN, &pfn);
	if (!init_rc)
		init_rc = get_param(HVM_PARAM_STORE_EVTCHN, &port);
	if (init_rc)
		return init_rc;
	if (!pfn)
		return init_rc = -XEN_ENOENT;
	/* Anything outside the identity map would fault on first touch. */
	if (pfn >= MAPPED_LIMIT >> PAGE_SHIFT || port >= EVTCHN_HANDLED_PORTS)
		return init_rc = -XEN_EINVAL;
	store_gfn = pfn;
	store_port = (evtchn_port_t)port;
	intf = (void *)(pfn << PAGE_SHIFT);
	evtchn_adopt(store_port);
	evtchn_set_handler(store_port, store_upcall, NULL);
	return 0;
}

bool xenbus_ready(void)
{
	return initialised && !init_rc;
}

uint64_t xenbus_store_gfn(void)
{
	return store_gfn;
}

evtchn_port_t xenbus_store_port(void)
{
	return store_port;
}

struct xenstore_domain_interface *xenbus_interface(void)
{
	return intf;
}

long xenbus_notify(void)
{
	return evtchn_send(store_port);
}

static long error_value(const char *name)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcmp(errnames[i].name, name))
			return -errnames[i].value;
	/* A name this kernel does not know is still a failure. */
	return -XEN_EIO;
}

static void queue_event(void)
{
	const char *path = in.body;
	size_t plen = strnlen(path, in.hdr.len);
	const char *token = path + plen + 1;
	size_t tlen;

	/* path NUL token NUL: anything shorter is not an event. */
	if (plen + 1 >= in.hdr.len) {
		ev_dropped++;
		return;
	}
	tlen = strnlen(token, in.hdr.len - plen - 1);
	if (ev_count == XENBUS_EVENT_QUEUE || plen >= XENBUS_EVENT_PATH_MAX ||
	    tlen >= XENBUS_TOKEN_MAX) {
		ev_dropped++;
		return;
	}
	struct xenbus_event *e =
		&events[(ev_head + ev_count) % XENBUS_EVENT_QUEUE];
	memcpy(e->path, path, plen);
	e->path[plen] = '\0';
	memcpy(e->token, token, tlen);
	e->token[tlen] = '\0';
	ev_count++;
}

/* A whole message is in `in`: an event goes to the queue, the awaited
 * reply stays, anything else (a reply to a request that gave up
 * waiting) is dropped. */
static void deliver(void)
{
	in.body[in.hdr.len] = '\0';
	if (in.hdr.type == XS_WATCH_EVENT) {
		queue_event();
		in.have = 0;
		return;
	}
	if (waiting && in.hdr.req_id == waiting_id) {
		in.complete = true;
		return;
	}
	in.have = 0;
}

/*
 * Take what the daemon has produced, up to the end of a reply. The
 * daemon writes the bytes before it moves rsp_prod, so they are read
 * only after rsp_prod is; and rsp_cons moves only after they are read,
 * or the daemon could overwrite them first. x86 orders loads with loads
 * and loads before later stores, so the compiler is all that needs
 * stopping.
 */
static void pump(void)
{
	const uint32_t hsize = sizeof(in.hdr);
	XENSTORE_RING_IDX cons, prod;
	bool moved = false;

	if (broken || in.complete)
		return;
	cons = READ_ONCE(intf->rsp_cons);
	prod = READ_ONCE(intf->rsp_prod);
	barrier();
	if (prod - cons > XENSTORE_RING_SIZE) {
		broken = true;
		return;
	}
	while (cons != prod && !in.complete) {
		uint32_t need = in.have < hsize ? hsize - in.have
						: hsize + in.hdr.len - in.have;
		uint32_t off = MASK_XENSTORE_IDX(cons);
		uint32_t n = prod - cons;
		char *to = in.have < hsize ? (char *)&in.hdr + in.have
					   : in.body + (in.have - hsize);

		if (n > need)
			n = need;
		if (n > XENSTORE_RING_SIZE - off)
			n = XENSTORE_RING_SIZE - off;
		memcpy(to, intf->rsp + off, n);
		cons += n;
		in.have += n;
		moved = true;
		if (in.have < hsize)
			continue;
		if (in.hdr.len > XENSTORE_PAYLOAD_MAX) {
			broken = true;
			break;
		}
		if (in.have == hsize + in.hdr.len)
			deliver();
	}
	barrier();
	WRITE_ONCE(intf->rsp_cons, cons);
	/* The daemon may be waiting for room to write the rest. */
	if (moved)
		xenbus_notify();
}

static bool reply_or_broken(void *arg)
{
	(void)arg;
	pump();
	return in.complete || broken;
}

static bool room_or_broken(void *arg)
{
	XENSTORE_RING_IDX used =
		READ_ONCE(intf->req_prod) - READ_ONCE(intf->req_cons);

	(void)arg;
	/* Replies and events still flow while a request waits for room;
	 * keep them moving, or a daemon that cannot write may stop
	 * reading. */
	pump();
	return used != XENSTORE_RING_SIZE || broken;
}

static uint64_t remaining(uint64_t deadline)
{
	uint64_t now = time_now();

	return now < deadline ? deadline - now : 0;
}

/*
 * Append bytes to req[]. The daemon reads req_cons' slots before it
 * moves req_cons, so they are written only after req_cons is read (x86
 * keeps a load before a later store); and req_prod moves only after the
 * bytes are in place (x86 keeps stores in order).
 */
static long put(const void *data, size_t len, uint64_t deadline)
{
	const char *p = data;

	while (len) {
		XENSTORE_RING_IDX cons = READ_ONCE(intf->req_cons);
		XENSTORE_RING_IDX prod = READ_ONCE(intf->req_prod);
		uint32_t off = MASK_XENSTORE_IDX(prod);
		uint32_t n;

		barrier();
		if (prod - cons > XENSTORE_RING_SIZE) {
			broken = true;
			return -XEN_EIO;
		}
		n = XENSTORE_RING_SIZE - (prod - cons);
		if (!n) {
			xenbus_notify();
			if (!wait_for(room_or_broken, NULL, remaining(deadline)))
				return -XEN_ETIMEDOUT;
			if (broken)
				return -XEN_EIO;
			continue;
		}
		if (n > len)
			n = (uint32_t)len;
		if (n > XENSTORE_RING_SIZE - off)
			n = XENSTORE_RING_SIZE - off;
		memcpy(intf->req + off, p, n);
		barrier();
		WRITE_ONCE(intf->req_prod, prod + n);
		p += n;
		len -= n;
	}
	return 0;
}

long xenbus_request(enum xsd_sockmsg_type type, uint32_t tx,
		    const struct xenbus_part *parts, unsigned nparts,
		    char *reply, size_t reply_size, uint64_t timeout_ns)
{
	uint64_t deadline = time_now() + timeout_ns;
	struct xsd_sockmsg hdr = { .type = type, .tx_id = tx };
	size_t total = 0;
	long rc;

	if (!xenbus_ready())
		return -XEN_ENODEV;
	if (broken)
		return -XEN_EIO;
	for (unsigned i = 0; i < nparts; i++)
		total += parts[i].len;
	if (total > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;

	/* A reply to a request that timed out is dropped by deliver()
	 * when it comes, its req_id no longer matching; a message half
	 * read stays half read. */
	if (in.complete) {
		in.complete = false;
		in.have = 0;
	}
	hdr.req_id = next_req_id++;
	hdr.len = (uint32_t)total;
	waiting_id = hdr.req_id;
	waiting = true;

	rc = put(&hdr, sizeof(hdr), deadline);
	for (unsigned i = 0; !rc && i < nparts; i++)
		rc = put(parts[i].data, parts[i].len, deadline);
	if (!rc) {
		rc = xenbus_notify();
		if (rc)
			rc = -XEN_EIO;
	}
	if (!rc && !wait_for(reply_or_broken, NULL, remaining(deadline)))
		rc = -XEN_ETIMEDOUT;
	if (!rc && broken)
		rc = -XEN_EIO;
	waiting = false;
	if (rc)
		return rc;

	uint32_t len = in.hdr.len;
	if (in.hdr.type == XS_ERROR)
		rc = error_value(in.body);
	else if (in.hdr.type != (uint32_t)type)
		rc = -XEN_EIO;
	else
		rc = len;
	if (rc >= 0 && reply && reply_size) {
		size_t n = len < reply_size - 1 ? len : reply_size - 1;

		memcpy(reply, in.body, n);
		reply[n] = '\0';
	}
	in.complete = false;
	in.have = 0;
	return rc;
}

static long simple(enum xsd_sockmsg_type type, uint32_t tx, const char *a,
		   const char *b, bool b_nul, char *reply, size_t size)
{
	struct xenbus_part parts[2] = {
		{ a, strlen(a) + 1 },
		{ b, b ? strlen(b) + (b_nul ? 1 : 0) : 0 },
	};

	return xenbus_request(type, tx, parts, b ? 2 : 1, reply, size,
			      XENBUS_TIMEOUT_NS);
}

long xenbus_read(uint32_t tx, const char *path, char *buf, size_t size)
{
	long rc = simple(XS_READ, tx, path, NULL, false, buf, size);

	if (rc >= 0 && (size_t)rc >= size)
		return -XEN_E2BIG;
	return rc;
}

long xenbus_write(uint32_t tx, const char *path, const char *value)
{
	/* The value is the rest of the payload, without a NUL. */
	long rc = simple(XS_WRITE, tx, path, value, false, NULL, 0);

	return rc < 0 ? rc : 0;
}

long xenbus_rm(uint32_t tx, const char *path)
{
	long rc = simple(XS_RM, tx, path, NULL, false, NULL, 0);

	return rc < 0 ? rc : 0;
}

long xenbus_directory(uint32_t tx, const char *path, char *buf, size_t size)
{
	long rc = simple(XS_DIRECTORY, tx, path, NULL, false, buf, size);
	long count = 0;

	if (rc < 0)
		return rc;
	if ((size_t)rc >= size)
		return -XEN_E2BIG;
	for (long i = 0; i < rc; i++)
		if (!buf[i])
			count++;
	return count;
}

bool xenbus_dir_has(const char *buf, long count, const char *name)
{
	for (long i = 0; i < count; i++) {
		if (!strcmp(buf, name))
			return true;
		buf += strlen(buf) + 1;
	}
	return false;
}

long xenbus_transaction_start(uint32_t *tx)
{
	char reply[16];
	uint32_t v = 0;
	long rc = simple(XS_TRANSACTION_START, 0, "", NULL, false, reply,
			 sizeof(reply));

	if (rc < 0)
		return rc;
	for (const char *p = reply; *p; p++) {
		if (*p < '0' || *p > '9')
			return -XEN_EIO;
		v = v * 10 + (uint32_t)(*p - '0');
	}
	/* Transaction 0 means "none"; a reply of 0 would be a daemon bug. */
	if (!v)
		return -XEN_EIO;
	*tx = v;
	return 0;
}

long xenbus_transaction_end(uint32_t tx, bool commit)
{
	long rc = simple(XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL,
			 false, NULL, 0);

	return rc < 0 ? rc : 0;
}

long xenbus_transact(long (*fn)(uint32_t tx, void *arg), void *arg,
		     unsigned tries)
{
	long rc = -XEN_EAGAIN;

	for (unsigned i = 0; i < tries && rc == -XEN_EAGAIN; i++) {
		uint32_t tx;

		rc = xenbus_transaction_start(&tx);
		if (rc)
			return rc;
		rc = fn(tx, arg);
		if (rc) {
			xenbus_transaction_end(tx, false);
			return rc;
		}
		rc = xenbus_transaction_end(tx, true);
	}
	return rc;
}

long xenbus_watch(const char *path, const char *token)
{
	long rc = simple(XS_WATCH, 0, path, token, true, NULL, 0);

	return rc < 0 ? rc : 0;
}

long xenbus_unwatch(const char *path, const char *token)
{
	long rc = simple(XS_UNWATCH, 0, path, token, true, NULL, 0);

	return rc < 0 ? rc : 0;
}

static bool event_or_broken(void *arg)
{
	(void)arg;
	pump();
	return ev_count || broken;
}

long xenbus_wait_event(struct xenbus_event *ev, uint64_t timeout_ns)
{
	if (!xenbus_ready())
		return -XEN_ENODEV;
	if (!ev_count && !wait_for(event_or_broken, NULL, timeout_ns))
		return -XEN_ETIMEDOUT;
	if (!ev_count)
		return -XEN_EIO;
	*ev = events[ev_head];
	ev_head = (ev_head + 1) % XENBUS_EVENT_QUEUE;
	ev_count--;
	return 0;
}

unsigned xenbus_events_dropped(void)
{
	return ev_dropped;
}
