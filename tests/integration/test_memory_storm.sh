#!/bin/bash
# A guest's memory hypercalls hold up no other domain (issue 11, item 6):
# one guest hands back 128 MiB at a time in a loop, with a 64-frame grant
# table, while another measures event round trips on a loopback channel;
# the bystander's slowest stays under half a second.
. "$(dirname "$0")/lib.sh"
start_daemon

# The bystander first, so that it measures from before the storm starts.
bystander=$(create_guest bystander evtchn-latency)
storm=$(create_guest storm memory-storm 'memory = 32' 'maxmem = 168')
expect_end "$storm" s poweroff >/dev/null
expect_console "$storm" "guest-test memory-storm: ok"
"$DOMWAIT" "$bystander" 120 >/dev/null
note "$(console_of "$storm" | grep -F 'memory-storm:' | head -n 1)"
note "$(console_of "$bystander" | grep -F 'evtchn-latency:' | head -n 1)"
expect_end "$bystander" s poweroff >/dev/null
expect_console "$bystander" "guest-test evtchn-latency: ok"

daemon_alive || fail "xenolithd died"
exit 0
