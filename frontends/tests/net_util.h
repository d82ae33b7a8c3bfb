/* What the network tests share (net.c, net_hostile.c). */
#ifndef FRONTENDS_TESTS_NET_UTIL_H
#define FRONTENDS_TESTS_NET_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/ipstack.h"
#include "kernel/netfront.h"
#include "tests/runner.h"

/* Events, XenStore, grants and pages, or the test fails. */
bool net_prepare(struct test *t);
/* Connects vif devid and sets up its stack with the vif's address;
 * prints "net: vif N connected ...". 0, or an error (the test failed). */
long net_open_vif(struct test *t, struct netfront *nf, struct ipstack *s, uint32_t devid);
/* The same with nq queues (nf[0..nq-1]); the stack sends on nf[0]. */
long net_open_vif_queues(struct test *t, struct netfront *nf, unsigned nq, struct ipstack *s,
			 uint32_t devid);

#endif
