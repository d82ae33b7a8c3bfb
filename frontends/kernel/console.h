/*
 * The kernel console: whole lines go to HYPERVISOR_console_io, because
 * the hypervisor's console log and the tests reading it are
 * line-oriented. Before the hypercall page exists (or without Xen) the
 * bytes go to the 0xe9 debug port instead.
 */
#ifndef FRONTENDS_KERNEL_CONSOLE_H
#define FRONTENDS_KERNEL_CONSOLE_H

#include <stddef.h>

#define DEBUGCON_PORT 0xe9

void console_write(const char *s, size_t n);
void console_flush(void);
void debugcon_write(const char *s);

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
