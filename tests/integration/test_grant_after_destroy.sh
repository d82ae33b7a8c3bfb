#!/bin/bash
# A domain destroyed while Dom0 has its grants mapped goes away safely:
# the mapping stays valid until unmapped, and nothing crashes.
. "$(dirname "$0")/lib.sh"
start_daemon
domid=$(create_guest pool grant-pool)
out=$("$BUILD/tests/tools/xenolith-grant-after-destroy" "$domid" "$RUNDIR/log/console-$domid.log" 2>&1) ||
    fail "$out"
daemon_alive || fail "xenolithd died"
"$XL" list | grep -q '^pool ' && fail "the destroyed domain is still listed"
grep -q "destroyed domain $domid" "$RUNDIR/daemon.log" || fail "no destroy in the daemon log"
exit 0
