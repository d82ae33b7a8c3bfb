#!/bin/bash
# A hostile guest (test=hostile-net) posts a receive buffer with a grant
# it never gave (its response must be an error), sends a good packet over
# three slots (all OKAY, Dom0 answers), then sends each class of
# bad transmit request: too many slots, a size over a page, offset+size past the
# page, a grant it never gave, a size under an Ethernet header, a GSO
# extra it was not offered; netback
# answers each with errors (the vif still carries a good packet after),
# then disconnects that vif alone when the guest's producer index jumps
# more than a ring ahead. Meanwhile a second guest keeps answering Dom0,
# and a third with two vCPUs sends to Dom0 on two queues of its vif.
. "$(dirname "$0")/net.bash"
start_net

A=$(net_guest good net 10.99.0.2)
wait_console "$A" "net: serving"
H=$(net_guest bad hostile-net 10.99.0.66)
expect_end "$H" s poweroff >/dev/null
expect_console "$H" "guest-test hostile-net: ok"
for what in "too many slots: 20 of 20" "size over a page: 1 of 1" "offset+size past the page: 1 of 1" \
    "bad grant ref: 1 of 1" "size smaller than a header: 1 of 1"; do
    expect_console "$H" "hostile-net: $what slots answered NETIF_RSP_ERROR"
done
expect_console "$H" "hostile-net: bad rx grant: response status -1"
expect_console "$H" "hostile-net: three-slot packet: all slots OKAY, Dom0 answered"
expect_console "$H" "hostile-net: gso extra (not offered): statuses -1, 1"
expect_console "$H" "hostile-net: producer a ring ahead: backend state 5"
proc_running "$NB_PID" || fail "xenolith-netback died"
grep -qE "vif$H\.0: rx copy to grant [0-9]+: status -" "$RUNDIR/log/netback.out" ||
    fail "netback did not log the failed rx copy"
grep -qE "vif $H/0: disconnecting: tx producer [0-9]+ is more than a ring ahead" "$RUNDIR/log/netback.out" ||
    fail "netback did not say why it dropped vif $H/0"
grep -qE "vif $A/0: disconnecting" "$RUNDIR/log/netback.out" && fail "the good guest's vif was dropped too"
[ "$(xenstore-read "/local/domain/0/backend/vif/$H/0/state")" = 5 ] || fail "the hostile vif is not Closing"

# Multi-queue alongside: a guest with two vCPUs sends on two queues of
# its vif at once, to a sink in Dom0.
start_client "$RUNDIR/sink.out" nsenter --net="/run/netns/$NS" "$PROBE" sink 5001 2
M=$(net_guest mq net-blast 10.99.0.7 'vcpus = 2' \
    'extra = "test=net-blast blast=10.99.0.1:5001 blast_secs=3 blast_queues=2"')
expect_end "$M" s poweroff >/dev/null
expect_console "$M" "guest-test net-blast: ok"
expect_console "$M" "net-blast: sending on 2 queues"
grep -qE "vif $M/0: connected \(vif$M\.0, 2 queues" "$RUNDIR/log/netback.out" ||
    fail "netback did not connect two queues: $(grep "vif $M/" "$RUNDIR/log/netback.out")"
for _ in $(seq 100); do grep -q "^sink: [0-9]* bytes" "$RUNDIR/sink.out" && break; sleep 0.1; done
grep -qE "^sink: [1-9][0-9]* bytes" "$RUNDIR/sink.out" || fail "nothing reached Dom0 from the two queues: $(cat "$RUNDIR/sink.out")"
note "two queues: $(grep "net-blast: sent" "$RUNDIR/log/console-$M.log"); $(grep "^sink: [0-9]" "$RUNDIR/sink.out")"

out=$(in_ns "$PROBE" ping 10.99.0.2 3 10000) || fail "the good guest stopped answering: $out"
out=$(in_ns "$PROBE" udp 10.99.0.2 7 3 10000) || fail "the good guest's UDP echo stopped: $out"
"$XL" shutdown good >/dev/null 2>&1 || fail "xl shutdown good"
expect_end "$A" s poweroff >/dev/null
expect_console "$A" "guest-test net: ok"
note "$(console_of "$H" | grep -c "NETIF_RSP_ERROR") error classes answered; vif $H/0 dropped alone"
