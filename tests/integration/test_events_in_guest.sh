#!/bin/bash
# Event channels, timers, the PV clock, SMP and grant tables as a 4-vCPU
# guest sees them: the guest kernel's own tests of issue 3.
. "$(dirname "$0")/lib.sh"
start_daemon

domid=$(create_guest events evtchn,timers,pvclock,smp,grants "vcpus = 4")
expect_end "$domid" s poweroff >/dev/null
for t in evtchn timers pvclock smp grants; do
    expect_console "$domid" "guest-test $t: ok"
done
expect_console "$domid" "guest-tests: 5 passed, 0 failed"
exit 0
