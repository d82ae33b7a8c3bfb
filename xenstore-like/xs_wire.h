/*
 * Xen's XenStore wire header. It uses uint32_t without including
 * <stdint.h>, and builds its errno-name table only when <errno.h> has been
 * seen, so both come first. Every constant and layout comes from it.
 */
#ifndef XENOLITH_XS_WIRE_H
#define XENOLITH_XS_WIRE_H

#include <errno.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

/* Xen's name for an errno, for ERROR replies; EIO for one it lacks. */
const char *xs_errno_name(int err);
/* The inverse, for clients and tests; 0 when the name is unknown. */
int xs_errno_from_name(const char *name);
/* A message type's name for the trace log ("READ", "WATCH_EVENT", ...). */
const char *xs_type_name(uint32_t type);

#endif
