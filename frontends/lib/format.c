#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"
#include "lib/kstring.h"

struct out {
	char *buf;
	size_t size;
	size_t len;	/* what would have been written, as C's snprintf */
};

/* Whole runs at once: on hosts that emulate guest kernel code each
 * instruction of a per-character loop is an emulation, while a run is a
 * couple of `rep` instructions (lib/kstring.c). */
static size_t room(const struct out *o)
{
	return o->size > o->len + 1 ? o->size - 1 - o->len : 0;
}

static inline void put_run(struct out *o, const char *s, size_t n)
{
	size_t r = room(o);

	memcpy(o->buf + o->len, s, n < r ? n : r);
	o->len += n;
}

static void put_fill(struct out *o, char c, size_t n)
{
	size_t r = room(o);

	memset(o->buf + o->len, c, n < r ? n : r);
	o->len += n;
}

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width,
		       bool left, char pad)
{
	size_t fill = width > (int)n ? (size_t)(width - (int)n) : 0;

	/* Zero padding goes after a sign, space padding before it. */
	if (!left && pad == '0' && n && *s == '-') {
		put(o, *s++);
		n--;
	}
	if (!left && fill)
		put_fill(o, pad, fill);
	put_run(o, s, n);
	if (left && fill)
		put_fill(o, ' ', fill);
}

/* Digits from the lowest up, stored from the end of a scratch buffer
 * down, so they come out in order without a reversing pass. */
static size_t utoa(char *tmp, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	char *p = rev + sizeof(rev);

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	size_t n = (size_t)(rev + sizeof(rev) - p);

	memcpy(tmp, p, n);
	return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	const char *end = fmt + strlen(fmt);

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			const char *pct = memchr(fmt, '%', (size_t)(end - fmt));
			const char *stop = pct ? pct : end;

			put_run(&o, fmt, (size_t)(stop - fmt));
			fmt = stop - 1;
			continue;
		}
		fmt++;

		bool left = false, alt = false;
		char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int longs = 0;
		while (*fmt == 'l')
			longs++, fmt++;
		if (*fmt == 'z')
			longs = 1, fmt++;

		char tmp[32];
		size_t n = 0;
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = longs ? va_arg(ap, long) : va_arg(ap, int);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			if (v < 0)
				tmp[n++] = '-';
			n += utoa(tmp + n, mag, 10, false);
			put_padded(&o, tmp, n, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = longs ? va_arg(ap, unsigned long) :
					     va_arg(ap, unsigned int);
			if (alt && *fmt != 'u') {
				tmp[n++] = '0';
				tmp[n++] = 'x';
			}
			n += utoa(tmp + n, v, *fmt == 'u' ? 10 : 16,
				  *fmt == 'X');
			put_padded(&o, tmp, n, width, left, pad);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			tmp[n++] = '0';
			tmp[n++] = 'x';
			n += utoa(tmp + n, v, 16, false);
			put_padded(&o, tmp, n, width, left, pad);
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			put_padded(&o, s, strlen(s), width, left, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
