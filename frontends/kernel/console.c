#include <stdarg.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "kernel/console.h"
#include "kernel/hypercall.h"
#include "lib/format.h"
#include "lib/kstring.h"

/* Long enough for any line the kernel prints; a longer one is sent in
 * pieces rather than lost. */
#define CONSOLE_LINE_MAX 512

static char line[CONSOLE_LINE_MAX];
static size_t line_len;

void debugcon_write(const char *s)
{
	while (*s)
		outb(DEBUGCON_PORT, (uint8_t)*s++);
}

static void emit(const char *s, size_t n)
{
	if (hypercalls_ready()) {
		HYPERVISOR_console_io(CONSOLEIO_write, n, s);
		return;
	}
	while (n--)
		outb(DEBUGCON_PORT, (uint8_t)*s++);
}

void console_flush(void)
{
	if (line_len)
		emit(line, line_len);
	line_len = 0;
}

void console_write(const char *s, size_t n)
{
	for (; n; n--, s++) {
		line[line_len++] = *s;
		if (*s == '\n' || line_len == sizeof(line))
			console_flush();
	}
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
