#!/bin/bash
# Both ways of catching the hypercall MSR work: the default the daemon
# probes for, and the MSR filter it falls back to (forced here).
. "$(dirname "$0")/lib.sh"

DAEMON_ARGS=--msr-filter start_daemon
grep -q "hypercall MSR via MSR filter" "$RUNDIR/daemon.log" ||
    fail "--msr-filter did not select the filter: $(cat "$RUNDIR/daemon.log")"
domid=$(create_guest viafilter hypercalls,cpuid)
expect_end "$domid" s poweroff >/dev/null
expect_console "$domid" "guest-tests: 2 passed, 0 failed"
exit 0
