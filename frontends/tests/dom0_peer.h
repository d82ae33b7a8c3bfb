/*
 * The guest <-> Dom0 test's protocol, shared by the guest kernel's
 * `dom0-peer` test and the Dom0 program that drives the other half (which
 * keeps a copy of these definitions; change both together).
 *
 * 1. The guest grants one zeroed page read-write to domain 0 (ref R),
 *    grants a second page to domain DOM0_PEER_OTHER_DOMID (ref R7, which
 *    Dom0 must not be able to map), allocates an unbound port P for
 *    remote domain 0, binds nothing else, and prints exactly
 *      dom0-peer: port=P ref=R ref7=R7
 *    then waits for events on P.
 * 2. Dom0 maps R, writes DOM0_PEER_PATTERN(i) at byte
 *    DOM0_PEER_PATTERN_OFFSET + i for i = 0 .. DOM0_PEER_PATTERN_LEN - 1,
 *    sets phase = 1 and notifies P.
 *    The guest, on phase 1: checks the pattern, checks that ending access
 *    to R fails (it is mapped), records its pvclock in guest_ns[0], sets
 *    phase = 2 and sends on P.
 * 3. Dom0, on phase 2: records the host time, waits about 3 s, sets
 *    phase = 3 and notifies.
 *    The guest, on phase 3: records its pvclock in guest_ns[1], sets
 *    phase = 4 and sends.
 * 4. Dom0, on phase 4: compares guest_ns[1] - guest_ns[0] with the host
 *    time between its phase 2 and phase 3 steps, unmaps R, sets phase = 5
 *    and notifies.
 *    The guest, on phase 5: checks that ending access to R now succeeds
 *    and prints `guest-test dom0-peer: ok` (or FAILED with why).
 * Any other phase, or DOM0_PEER_TIMEOUT_SEC without progress, fails the
 * guest's test.
 *
 * Plain C (stdint.h only), so that a hosted Dom0 program can include it.
 */
#ifndef FRONTENDS_TESTS_DOM0_PEER_H
#define FRONTENDS_TESTS_DOM0_PEER_H

#include <stdint.h>

/* At the start of the page granted to Dom0. */
struct dom0_peer_page {
	uint32_t phase;
	uint32_t pad;
	uint64_t guest_ns[2];
};

#define DOM0_PEER_PHASE_START 0		/* as granted: the page is zero */
#define DOM0_PEER_PHASE_PATTERN 1	/* Dom0 wrote the pattern */
#define DOM0_PEER_PHASE_CHECKED 2	/* guest checked it, guest_ns[0] */
#define DOM0_PEER_PHASE_WAITED 3	/* Dom0 waited ~3 s */
#define DOM0_PEER_PHASE_STAMPED 4	/* guest_ns[1] */
#define DOM0_PEER_PHASE_UNMAPPED 5	/* Dom0 unmapped R */

#define DOM0_PEER_PATTERN_OFFSET 1024
#define DOM0_PEER_PATTERN_LEN 2048
#define DOM0_PEER_PATTERN(i) ((uint8_t)(((i) * 7 + 3) & 0xff))

/* The domain the second page (ref7) is granted to instead of Dom0. */
#define DOM0_PEER_OTHER_DOMID 7

#define DOM0_PEER_WAIT_SEC 3
#define DOM0_PEER_TIMEOUT_SEC 30

#endif
