#include <stdarg.h>

#include <xen/errno.h>

#include "kernel/console.h"
#include "kernel/hypercall.h"
#include "kernel/shutdown.h"
#include "lib/format.h"
#include "lib/kstring.h"
#include "tests/registry.h"
#include "tests/runner.h"

#define NAME_MAX_LEN 64

static void record(struct test *t, const char *msg)
{
	if (!t->failures++)
		ksnprintf(t->first_failure, sizeof(t->first_failure), "%s",
			  msg);
	kprintf("  FAIL %s: %s\n", t->name, msg);
}

unsigned runner_shutdown_reason = SHUTDOWN_poweroff;

void test_fail(struct test *t, const char *fmt, ...)
{
	char msg[sizeof(t->first_failure)];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	record(t, msg);
}

static const char *errno_name(long v)
{
	switch (-v) {
	case XEN_EPERM:
		return " (-EPERM)";
	case XEN_ENOENT:
		return " (-ENOENT)";
	case XEN_EFAULT:
		return " (-EFAULT)";
	case XEN_EINVAL:
		return " (-EINVAL)";
	case XEN_ENOSYS:
		return " (-ENOSYS)";
	case XEN_EEXIST:
		return " (-EEXIST)";
	case XEN_ENOMEM:
		return " (-ENOMEM)";
	case XEN_EBUSY:
		return " (-EBUSY)";
	case XEN_EACCES:
		return " (-EACCES)";
	case XEN_ESRCH:
		return " (-ESRCH)";
	case XEN_ENOSPC:
		return " (-ENOSPC)";
	case XEN_ETIME:
		return " (-ETIME)";
	case XEN_EIO:
		return " (-EIO)";
	case XEN_E2BIG:
		return " (-E2BIG)";
	case XEN_EAGAIN:
		return " (-EAGAIN)";
	case XEN_ENODEV:
		return " (-ENODEV)";
	case XEN_ETIMEDOUT:
		return " (-ETIMEDOUT)";
	default:
		return "";
	}
}

void check_eq(struct test *t, long got, long want, const char *fmt, ...)
{
	char what[160], msg[sizeof(t->first_failure)];
	va_list ap;

	if (got == want)
		return;
	va_start(ap, fmt);
	kvsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ksnprintf(msg, sizeof(msg), "%s: expected %ld%s, got %ld%s (%#lx)",
		  what, want, errno_name(want), got, errno_name(got),
		  (unsigned long)got);
	record(t, msg);
}

bool check(struct test *t, bool ok, const char *fmt, ...)
{
	char msg[sizeof(t->first_failure)];
	va_list ap;

	if (ok)
		return true;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	record(t, msg);
	return false;
}

void test_info(const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("  %s\n", msg);
}

/* One test, one result line. */
static bool run_one(const char *name, size_t len)
{
	char copy[NAME_MAX_LEN + 1];
	struct test t = { .name = copy };
	const struct test_case *tc = test_find(name, len);

	if (len > NAME_MAX_LEN)
		len = NAME_MAX_LEN;
	memcpy(copy, name, len);
	copy[len] = '\0';

	if (!tc) {
		kprintf("guest-test %s: FAILED: unknown test\n", copy);
		return false;
	}
	tc->run(&t);
	if (!t.failures) {
		kprintf("guest-test %s: ok\n", copy);
		return true;
	}
	if (t.failures == 1)
		kprintf("guest-test %s: FAILED: %s\n", copy, t.first_failure);
	else
		kprintf("guest-test %s: FAILED: %s (and %u more)\n", copy,
			t.first_failure, t.failures - 1);
	return false;
}

void tests_run(const char *list)
{
	unsigned passed = 0, failed = 0;
	const char *p = list;

	while (*p && *p != ' ') {
		size_t len = 0;

		while (p[len] && p[len] != ',' && p[len] != ' ')
			len++;
		/* An empty name (as in "a,,b") is not a test; skip it. */
		if (len) {
			if (run_one(p, len))
				passed++;
			else
				failed++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	kprintf("guest-tests: %u passed, %u failed\n", passed, failed);
	/* A test may have been asked by the toolstack for a reboot. */
	guest_shutdown(failed ? SHUTDOWN_crash : runner_shutdown_reason);
}
