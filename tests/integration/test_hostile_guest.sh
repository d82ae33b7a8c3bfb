#!/bin/bash
# A guest can end only itself: garbage hypercalls are answered, a triple
# fault crashes that domain alone, and another domain runs on unharmed.
. "$(dirname "$0")/lib.sh"
start_daemon

# A bystander busy for a few seconds (200000 hypercalls and as many raw
# exits), started first so that it is running while the others misbehave.
steady=$(create_guest steady bench-hcall)
garbage=$(create_guest garbage hostile)
faulty=$(create_guest faulty triple-fault)

expect_end "$faulty" c crash | grep -q 'crash=vCPU 0 triple fault' ||
    fail "the triple fault was not reported as the crash reason: $("$DOMWAIT" "$faulty" 5)"
"$XL" list | grep -qE "^steady +$steady .*(r-----|-b----)" ||
    fail "the bystander is not running while its neighbour crashed: $("$XL" list)"

expect_end "$garbage" s poweroff >/dev/null
expect_console "$garbage" "guest-test hostile: ok"

expect_end "$steady" s poweroff >/dev/null
expect_console "$steady" "guest-tests: 1 passed, 0 failed"

daemon_alive || fail "xenolithd died"
grep -q "domain $faulty (faulty) crashed: vCPU 0 triple fault" "$RUNDIR/daemon.log" ||
    fail "the daemon did not log why domain $faulty crashed"
exit 0
