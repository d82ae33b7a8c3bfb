/*
 * A table of event-channel ports: who each port belongs to and where it
 * leads. The same shape serves a guest's ports and Dom0's (whose ports
 * are held by Dom0 programs through the privcmd socket). Plain data, so
 * that save/restore can copy it.
 */
#ifndef XENOLITH_EVTCHN_TABLE_H
#define XENOLITH_EVTCHN_TABLE_H

#include <stdint.h>

#include "dom0/evtchn_2l.h"

/* States are Xen's EVTCHNSTAT_* values; port 0 is never handed out. */
#define EVTCHN_STATE_RESERVED 0xff

struct evtchn_port {
    uint8_t state;        /* EVTCHNSTAT_closed (free), _unbound, _interdomain, _virq, _ipi */
    uint8_t pad;
    uint16_t vcpu;        /* which vCPU is notified */
    uint16_t remote_dom;  /* unbound: who may bind; interdomain: the peer */
    uint16_t pad2;
    uint32_t remote_port; /* interdomain: the peer's port; virq: the VIRQ */
};

struct evtchn_table {
    unsigned nr_ports; /* ports 1..nr_ports-1 are usable */
    struct evtchn_port *ports;
};

/* 0, or -ENOMEM. */
int evtchn_table_init(struct evtchn_table *t, unsigned nr_ports);
void evtchn_table_free(struct evtchn_table *t);
/* The lowest free port, marked unbound; -ENOSPC when none is left. */
int evtchn_table_alloc(struct evtchn_table *t);
/* The port's entry when port is in range (closed ones included), else NULL. */
struct evtchn_port *evtchn_table_get(struct evtchn_table *t, unsigned port);
void evtchn_table_release(struct evtchn_table *t, unsigned port);

#endif
