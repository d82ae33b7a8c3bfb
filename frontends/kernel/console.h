/*
 * The kernel console: whole lines go to HYPERVISOR_console_io, because
 * the hypervisor's console log and the tests reading it are
 * line-oriented. Before the hypercall page exists (or without Xen) the
 * bytes go to the 0xe9 debug port instead.
 *
 * The same lines also go to the console ring when the domain has one
 * (console_ring.h). The two have different readers, as on Xen: the
 * hypercall path is the hypervisor's debug log of the guest (Xen's
 * guest_loglvl output; here RUNDIR/log/console-DOMID.log, what the tests
 * and the boot benchmark read), the ring is the user's console
 * (xenolith-consoled's pty for `xl console`, and its log).
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
