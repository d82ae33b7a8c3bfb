/*
 * The hypercalls test, one file per hypercall of doc/hypercalls.md.
 * Each part checks the good and the bad arguments that the contract
 * names, in an order that keeps the domain usable for the next part.
 */
#ifndef FRONTENDS_TESTS_HC_H
#define FRONTENDS_TESTS_HC_H

#include <stdint.h>

#include <xen/errno.h>

#include "kernel/hypercall.h"
#include "tests/runner.h"

/* Below the canonical limit but outside the 4 GiB the kernel maps. */
#define BAD_VA_UNMAPPED ((void *)0x0000700000000000ull)
/* Not canonical: bit 63 set, bits 62..47 clear. */
#define BAD_VA_NONCANONICAL ((void *)0x8000000000000000ull)
/* Mapped by the kernel's page tables (the last page below 4 GiB) but, in
 * any domain smaller than 4 GiB, not guest RAM. */
#define BAD_VA_NOT_RAM ((void *)0xfffff000ull)

/* Frames that cannot be RAM: far above anything a test domain gets. */
#define FAR_GPFN (1ull << 36)

void hc_xen_version(struct test *t);
void hc_console_io(struct test *t);
void hc_sched_op(struct test *t);
void hc_memory_op(struct test *t);
void hc_hvm_op(struct test *t);
void hc_vcpu_op(struct test *t);
void hc_platform(struct test *t);

/* The sched_op block check (woken by a timer), reused after the
 * vcpu_info moves. */
void hc_block_until_timer(struct test *t, const char *where);

/* A domid that is neither DOMID_SELF nor ours. */
uint16_t hc_other_domid(void);

#endif
