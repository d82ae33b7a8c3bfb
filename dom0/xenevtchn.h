/*
 * Event channels for Dom0 programs, with libxenevtchn's interface, so a
 * backend written for Xen's library reads the same here. Each port is an
 * eventfd under the handle's epoll fd; a notify to a guest sets the
 * guest's pending bits and signals its vCPU's irqfd from this process.
 * Errors: -1 with errno; xenevtchn_error() says more. Every port is
 * below DOM0_EVTCHN_PORTS, so a backend may index a table by port.
 */
#ifndef XENOLITH_XENEVTCHN_H
#define XENOLITH_XENEVTCHN_H

#include <stdint.h>

#include "include/privcmd_abi.h" /* DOM0_EVTCHN_PORTS */
#include "include/xen_public.h"

typedef struct xenevtchn_handle xenevtchn_handle;
typedef int xenevtchn_port_or_error_t;

/* logger is accepted for compatibility and ignored; the privcmd socket
 * comes from $XENOLITH_RUNDIR. */
xenevtchn_handle *xenevtchn_open(void *logger, unsigned open_flags);
int xenevtchn_close(xenevtchn_handle *xce);
/* Readable when a port is pending; then call xenevtchn_pending. */
int xenevtchn_fd(xenevtchn_handle *xce);
int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port);
xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid);
xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port);
xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq);
int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port);
/* The next pending port, or -1 with errno EAGAIN when none is. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce);
int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port);
const char *xenevtchn_error(xenevtchn_handle *xce);

#endif
