#!/bin/bash
# The privcmd socket is root's alone, and a client that sends garbage is
# answered and dropped without disturbing anyone else.
. "$(dirname "$0")/lib.sh"
start_daemon
ABUSE="$BUILD/tests/integration/xenolith-privcmd-abuse"

# A guest runs throughout, to show the daemon keeps serving domains.
domid=$(create_guest bystander bench-hcall)

out=$("$ABUSE" "$domid" 2>&1) || fail "privcmd abuse: $out"
note "$(echo "$out" | tail -n 1)"

# Anyone but root is turned away by xenolithd itself (SO_PEERCRED), even
# when the file permissions would let them in.
chmod 0755 "$RUNDIR"
chmod 0666 "$RUNDIR/privcmd.sock"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$XL" list 2>&1) &&
    fail "xl list as nobody succeeded: $out"
echo "$out" | grep -q "only root may control xenolithd" ||
    fail "xl list as nobody was not refused by the daemon: $out"
grep -q "refused a privcmd connection from uid 65534" "$RUNDIR/daemon.log" ||
    fail "the daemon did not log the refusal"

expect_end "$domid" s poweroff >/dev/null
expect_console "$domid" "guest-tests: 1 passed, 0 failed"
"$XL" list >/dev/null || fail "xl list failed after the abuse"
daemon_alive || fail "xenolithd died"
exit 0
