/*
 * What the event tests share: a port handler that records each delivery
 * (how many, on which vCPU, when), waits on such a record with a
 * timeout, and the "event channels are up" precondition.
 */
#ifndef FRONTENDS_TESTS_EVT_UTIL_H
#define FRONTENDS_TESTS_EVT_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/evtchn.h"
#include "tests/runner.h"

struct port_rec {
	volatile uint32_t count;
	volatile unsigned last_cpu;
	volatile uint32_t wrong_cpu;	/* deliveries not on expect_cpu */
	volatile evtchn_port_t last_port;
	volatile uint64_t last_ns;
	unsigned expect_cpu;
};

/* Handler for evtchn_set_handler(port, port_rec_handler, rec). */
void port_rec_handler(evtchn_port_t port, void *arg);

/* Point port at rec (cleared, expecting deliveries on expect_cpu). */
void port_rec_attach(struct port_rec *rec, evtchn_port_t port,
		     unsigned expect_cpu);

/* Block until rec->count >= count or timeout; true if reached. */
bool port_rec_wait(struct port_rec *rec, uint32_t count, uint64_t timeout_ns);

/* Fails the test (and returns false) unless the kernel has an upcall
 * vector and its timer port on this vCPU. */
bool events_ready(struct test *t);

/* Bring every vCPU up (tests/smp.c), checking on the way, the first
 * time, the vCPU ops that only a never-initialised vCPU answers.
 * Returns the number online. */
unsigned smp_test_start(struct test *t);

/* A domid no domain has (below the reserved ones, far above any test's). */
#define NO_SUCH_DOMID 0x7fe0

#endif
