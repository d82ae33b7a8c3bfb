/* The requests of io/xs_wire.h: parse, check, run, reply. */
#ifndef XENOLITH_XS_PROTO_H
#define XENOLITH_XS_PROTO_H

#include "xenstore-like/conn.h"

/* Handles one whole message (payload is h->len bytes, writable). */
void xs_proto_handle(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload);

/* CONTROL (control.c): argv are the request's strings. Replies itself. */
void xs_control(struct xs_conn *c, const struct xsd_sockmsg *h, const char **argv, int argc);

#endif
