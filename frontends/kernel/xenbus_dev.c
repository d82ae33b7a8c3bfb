/* The guest side of a split-driver device in XenStore (xenbus_dev.h). */
#include <xen/errno.h>

#include "kernel/xenbus_dev.h"

#include "kernel/parse.h"
#include "kernel/time.h"
#include "kernel/xenbus.h"
#include "lib/format.h"
#include "lib/kstring.h"

long xenbus_dev_list(const char *type, uint32_t *ids, unsigned max)
{
	char path[64], buf[512];
	ksnprintf(path, sizeof(path), "device/%s", type);
	long n = xenbus_directory(0, path, buf, sizeof(buf));
	if (n == -XEN_ENOENT)
		return 0;
	if (n < 0)
		return n;
	unsigned count = 0;
	const char *p = buf;
	for (long i = 0; i < n; i++, p += strlen(p) + 1) {
		uint64_t v;
		if (!parse_u64(p, &v) || v > UINT32_MAX || count >= max)
			continue;
		/* Insertion keeps them ascending. */
		unsigned j = count++;
		while (j > 0 && ids[j - 1] > v) {
			ids[j] = ids[j - 1];
			j--;
		}
		ids[j] = (uint32_t)v;
	}
	return count;
}

long xenbus_dev_open(struct xenbus_dev *dev, const char *type, uint32_t devid)
{
	memset(dev, 0, sizeof(*dev));
	ksnprintf(dev->type, sizeof(dev->type), "%s", type);
	dev->devid = devid;
	ksnprintf(dev->nodename, sizeof(dev->nodename), "device/%s/%u", type, devid);
	long rc = xenbus_dev_read(dev, "backend", dev->otherend, sizeof(dev->otherend));
	if (rc < 0)
		return rc;
	char id[16];
	uint64_t v;
	rc = xenbus_dev_read(dev, "backend-id", id, sizeof(id));
	if (rc < 0)
		return rc;
	if (!parse_u64(id, &v) || v >= DOMID_FIRST_RESERVED)
		return -XEN_EINVAL;
	dev->otherend_id = (domid_t)v;
	return 0;
}

static long read_under(const char *dir, const char *key, char *buf, unsigned size)
{
	char path[XENBUS_DEV_PATH_MAX + 64];
	ksnprintf(path, sizeof(path), "%s/%s", dir, key);
	return xenbus_read(0, path, buf, size);
}

long xenbus_dev_read(const struct xenbus_dev *dev, const char *key, char *buf, unsigned size)
{
	return read_under(dev->nodename, key, buf, size);
}

long xenbus_dev_read_other(const struct xenbus_dev *dev, const char *key, char *buf,
			   unsigned size)
{
	return read_under(dev->otherend, key, buf, size);
}

long xenbus_dev_read_other_u64(const struct xenbus_dev *dev, const char *key, uint64_t def,
			       uint64_t *out)
{
	char buf[32];
	long rc = xenbus_dev_read_other(dev, key, buf, sizeof(buf));
	if (rc == -XEN_ENOENT) {
		*out = def;
		return 0;
	}
	if (rc < 0)
		return rc;
	return parse_u64(buf, out) ? 0 : -XEN_EINVAL;
}

long xenbus_dev_write(const struct xenbus_dev *dev, uint32_t tx, const char *key,
		      const char *value)
{
	char path[XENBUS_DEV_PATH_MAX + 64];
	ksnprintf(path, sizeof(path), "%s/%s", dev->nodename, key);
	return xenbus_write(tx, path, value);
}

long xenbus_dev_write_u64(const struct xenbus_dev *dev, uint32_t tx, const char *key,
			  uint64_t value)
{
	char v[24];
	ksnprintf(v, sizeof(v), "%llu", (unsigned long long)value);
	return xenbus_dev_write(dev, tx, key, v);
}

long xenbus_dev_switch_state(const struct xenbus_dev *dev, enum xenbus_state s)
{
	return xenbus_dev_write_u64(dev, 0, "state", (uint64_t)s);
}

enum xenbus_state xenbus_dev_other_state(const struct xenbus_dev *dev)
{
	uint64_t v;
	if (xenbus_dev_read_other_u64(dev, "state", XenbusStateUnknown, &v) < 0 ||
	    v > XenbusStateReconfigured)
		return XenbusStateUnknown;
	return (enum xenbus_state)v;
}

static bool device_gone(const struct xenbus_dev *dev)
{
	char buf[XENBUS_DEV_PATH_MAX];
	return xenbus_dev_read(dev, "backend", buf, sizeof(buf)) == -XEN_ENOENT;
}

long xenbus_dev_wait_other(const struct xenbus_dev *dev, bool (*ok)(enum xenbus_state),
			   uint64_t timeout_ns)
{
	char path[XENBUS_DEV_PATH_MAX + 16], token[40];
	ksnprintf(path, sizeof(path), "%s/state", dev->otherend);
	ksnprintf(token, sizeof(token), "xbdev-%s-%u", dev->type, dev->devid);
	long rc = xenbus_watch(path, token);
	if (rc < 0)
		return rc;
	uint64_t deadline = time_now() + timeout_ns;
	long result = -XEN_ETIMEDOUT;
	for (;;) {
		enum xenbus_state s = xenbus_dev_other_state(dev);
		if (ok(s)) {
			result = s;
			break;
		}
		/* The toolstack took the device away (an attach whose hotplug
		 * script failed is rolled back): nothing will ever answer. */
		if (s == XenbusStateUnknown && device_gone(dev)) {
			result = -XEN_ENODEV;
			break;
		}
		uint64_t now = time_now();
		if (now >= deadline)
			break;
		struct xenbus_event ev;
		/* Any event (ours or another watch's) is a reason to look again;
		 * the short slice covers events dropped from a full queue. */
		uint64_t slice = deadline - now;
		if (slice > 500000000ull)
			slice = 500000000ull;
		xenbus_wait_event(&ev, slice);
	}
	xenbus_unwatch(path, token);
	return result;
}
