/*
 * xl's side of xenolith-consoled: the relay between
 * the user's terminal (or any stdin/stdout) and a domain's console pty,
 * for `xl console` and `xl create -c`.
 */
#ifndef XENOLITH_XL_CONSOLE_H
#define XENOLITH_XL_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

/* Ctrl-]: typed on the console, detaches (as in xl). */
#define XL_CONSOLE_ESCAPE 0x1d

/* xl console -e: "^X" for Ctrl-X, or one character. The byte, or -1. */
int xl_console_parse_escape(const char *s);

/*
 * Attaches stdin/stdout to domain domid's console pty: stdin goes to the
 * guest (raw when it is a terminal; Ctrl-] detaches), the guest's output
 * to stdout, until the domain has stopped or gone or the user typed
 * escape (XL_CONSOLE_ESCAPE unless xl console -e said otherwise).
 * Waits up to 10 s for xenolith-consoled to publish the pty. 0, or 1
 * after a message naming the domain and why.
 */
int xl_console_attach(const char *rundir, uint32_t domid, const char *name, int escape);

/* xl create -c: the pty when the domain has one, else xenolithd's log
 * of the domain's console_io output (console_follow). 0 or 1. */
int xl_console_after_create(const char *rundir, uint32_t domid, const char *name);

#endif
