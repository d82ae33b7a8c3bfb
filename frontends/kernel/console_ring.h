/*
 * The guest's half of its console ring (struct xencons_interface of
 * io/console.h, the page and port of HVM_PARAM_CONSOLE_PFN/_EVTCHN):
 * the user's console, which xenolith-consoled puts on a pty for
 * `xl console` and into a log. Output goes into out[]; what the user
 * types arrives in in[].
 *
 * Without the params (no consoled when the domain was built) there is
 * no ring and every call here does nothing.
 */
#ifndef FRONTENDS_KERNEL_CONSOLE_RING_H
#define FRONTENDS_KERNEL_CONSOLE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/xen_public.h"
#include <xen/io/console.h>

/* How long a write waits for the backend to make room before it gives
 * up; after that the ring is written only as far as it has room, until
 * the backend is seen to move again. */
#define CONSOLE_RING_WAIT_NS (2ull * 1000000000ull)

/* Finds the ring (hypercalls only). Output written from here on waits in
 * the ring for the backend, but a full ring drops it. */
void console_ring_init(void);
/* Events and timers work: adopt the port and let writes wait for room. */
void console_ring_events_ready(void);
bool console_ring_active(void);

/* Called with the console lock held. */
void console_ring_write(const char *s, size_t n);

/* Up to len bytes typed on the console; 0 when none are waiting. */
size_t console_ring_read(char *buf, size_t len);
/* Blocks until input waits or timeout_ns passes; true if it does. */
bool console_ring_wait_input(uint64_t timeout_ns);

/* The page, and stop using it (a test about to break its indices). */
struct xencons_interface *console_ring_interface(void);
evtchn_port_t console_ring_port(void);
void console_ring_detach(void);

#endif
