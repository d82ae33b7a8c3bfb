#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/evtchn_table.h"

int evtchn_table_init(struct evtchn_table *t, unsigned nr_ports)
{
    t->ports = calloc(nr_ports, sizeof(*t->ports));
    if (!t->ports)
        return -ENOMEM;
    t->nr_ports = nr_ports;
    t->ports[0].state = EVTCHN_STATE_RESERVED;
    return 0;
}

void evtchn_table_free(struct evtchn_table *t)
{
    free(t->ports);
    t->ports = NULL;
    t->nr_ports = 0;
}

int evtchn_table_alloc(struct evtchn_table *t)
{
    for (unsigned p = 1; p < t->nr_ports; p++) {
        if (t->ports[p].state == EVTCHNSTAT_closed) {
            memset(&t->ports[p], 0, sizeof(t->ports[p]));
            t->ports[p].state = EVTCHNSTAT_unbound;
            return (int)p;
        }
    }
    return -ENOSPC;
}

struct evtchn_port *evtchn_table_get(struct evtchn_table *t, unsigned port)
{
    if (port == 0 || port >= t->nr_ports)
        return NULL;
    return &t->ports[port];
}

void evtchn_table_release(struct evtchn_table *t, unsigned port)
{
    if (port > 0 && port < t->nr_ports)
        memset(&t->ports[port], 0, sizeof(t->ports[port]));
}
