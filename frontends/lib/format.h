/*
 * printf-style formatting into a buffer: %s %c %d %i %u %x %X %p %%, the
 * l and ll length modifiers, width, '0' and '-' padding and '#'.
 * Output is always NUL-terminated and silently truncated.
 */
#ifndef FRONTENDS_LIB_FORMAT_H
#define FRONTENDS_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
