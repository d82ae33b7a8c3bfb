#!/bin/bash
# Guest <-> Dom0: a Dom0 program binds a guest's port, maps the page it
# granted, exchanges notifications and clock stamps, is refused the refs
# it has no right to, and hears VIRQ_DOM_EXC when the guest stops; another
# guest guessing the first one's refs copies nothing.
. "$(dirname "$0")/lib.sh"
start_daemon
PEER="$BUILD/tests/tools/xenolith-evtchn-peer"

owner=$(create_guest owner dom0-peer)
prober=$(create_guest prober grant-probe "extra = \"test=grant-probe peer=$owner\"")
expect_end "$prober" s poweroff >/dev/null
expect_console "$prober" "guest-test grant-probe: ok"

out=$("$PEER" "$owner" "$RUNDIR/log/console-$owner.log" 2>&1) || fail "Dom0 side: $out"
note "$(echo "$out" | grep clock:)"
expect_end "$owner" s poweroff >/dev/null
expect_console "$owner" "guest-test dom0-peer: ok"
exit 0
