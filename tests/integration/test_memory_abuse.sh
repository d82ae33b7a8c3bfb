#!/bin/bash
# A guest gets no host memory it was not given (issue 11, item 8):
# - a guest that writes to pages it gave back, or to RAM above memory=
#   it never populated, is crashed with the reason, and the host backs
#   none of what it wrote (its memory file has no more blocks);
# - a domain is admitted for its maxmem, which it may populate unasked.
# Item 6 (memory hypercalls holding up others) has no integration test yet:
# the in-guest memory-storm and evtchn-latency tests are its parts.
. "$(dirname "$0")/lib.sh"
start_daemon

touch_test() {
    local name=$1 test=$2 d before after
    d=$(create_guest "$name" "$test" 'maxmem = 48')
    wait_console "$d" "are not ours, touching them in 3 s"
    before=$(backed_kib "$d")
    expect_end "$d" c crash | grep -q 'crash=vCPU 0 touched memory it does not have' ||
        fail "$test: not crashed for touching memory it does not have: $("$DOMWAIT" "$d" 5; console_of "$d" | tail -n 5)"
    after=$(backed_kib "$d")
    note "$test: $before KiB backed before the guest wrote 8 MiB it does not have, $after KiB after"
    [ $((after - before)) -lt 1024 ] ||
        fail "$test: the host backed $((after - before)) KiB more for pages the guest was not given"
    grep -q "domain $d ($name) crashed: vCPU 0 touched memory it does not have" "$RUNDIR/daemon.log" ||
        fail "$test: the daemon did not log why domain $d crashed"
    "$XL" destroy "$name" || fail "xl destroy $name failed"
}
touch_test given balloon-touch
touch_test beyond maxmem-touch

# Admission counts maxmem when it is above memory=.
free=$("$XL" info free_memory) || fail "xl info free_memory failed"
cfg=$(write_cfg big service "maxmem = $((free + 16))")
out=$("$XL" create "$cfg" 2>&1) && fail "a domain with maxmem $((free + 16)) MiB was admitted with $free MiB free"
echo "$out" | grep -q "not enough memory: domain \"big\" needs $((free + 16)) MiB (its maxmem)" ||
    fail "unexpected refusal: $out"

daemon_alive || fail "xenolithd died"
exit 0
