#include <stdarg.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/console_ring.h"
#include "kernel/hypercall.h"
#include "kernel/percpu.h"
#include "lib/format.h"
#include "lib/kstring.h"

/* Long enough for any line the kernel prints; a longer one is sent in
 * pieces rather than lost. */
#define CONSOLE_LINE_MAX 512

static char line[CONSOLE_LINE_MAX];
static size_t line_len;

/* vCPUs share the line. The owner is remembered so that a fault taken
 * while printing can still report itself on the same vCPU instead of
 * waiting for itself forever. */
static struct spinlock lock;
static struct percpu *volatile owner;

static bool console_lock(void)
{
	struct percpu *me = this_cpu();

	if (owner == me)
		return false;
	spin_lock(&lock);
	owner = me;
	return true;
}

static void console_unlock(bool taken)
{
	if (!taken)
		return;
	owner = NULL;
	spin_unlock(&lock);
}

void debugcon_write(const char *s)
{
	while (*s)
		outb(DEBUGCON_PORT, (uint8_t)*s++);
}

static void emit(const char *s, size_t n)
{
	if (hypercalls_ready()) {
		HYPERVISOR_console_io(CONSOLEIO_write, n, s);
		console_ring_write(s, n);
		return;
	}
	while (n--)
		outb(DEBUGCON_PORT, (uint8_t)*s++);
}

static void flush_locked(void)
{
	if (line_len)
		emit(line, line_len);
	line_len = 0;
}

void console_flush(void)
{
	bool taken = console_lock();

	flush_locked();
	console_unlock(taken);
}

void console_write(const char *s, size_t n)
{
	bool taken = console_lock();

	/* Up to the next newline or the line's end in one copy, not a
	 * character at a time: every step costs on emulating hosts. */
	while (n) {
		size_t room = sizeof(line) - line_len;
		size_t chunk = n < room ? n : room;
		const char *nl = memchr(s, '\n', chunk);

		if (nl)
			chunk = (size_t)(nl - s) + 1;
		memcpy(line + line_len, s, chunk);
		line_len += chunk;
		s += chunk;
		n -= chunk;
		if (nl || line_len == sizeof(line))
			flush_locked();
	}
	console_unlock(taken);
}

int kprintf(const char *fmt, ...)
{
	char buf[CONSOLE_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, strnlen(buf, sizeof(buf)));
	return n;
}
