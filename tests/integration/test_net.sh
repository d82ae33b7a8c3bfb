#!/bin/bash
# Networking end to end, in a private namespace with a bridge: two guests
# (test=net) with a vif each (the second's with two queues); Dom0 pings one and exchanges UDP with its
# echo service; the second pings the first across the bridge; a vif
# attached to the running guest answers and goes again on detach (its tap
# with it); xenolith-netback killed with SIGKILL is started again and
# traffic resumes on the same rings; network-list shows what xl list's
# peers expect.
. "$(dirname "$0")/net.bash"
start_net

A=$(net_guest na net 10.99.0.2)
# B's vif has two queues: Dom0's flows to it are spread over both.
B=$(net_guest nb net 10.99.0.3 'extra = "test=net net_ping=10.99.0.2 net_queues=2"')
wait_console "$A" "net: serving"
wait_console "$B" "net: serving"
expect_console "$A" "net: vif 0 connected mac 00:16:3e:"
[ -d "/sys/class/net/vif$A.0" ] && fail "tap vif$A.0 leaked into the host's namespace"
in_ns test -d "/sys/class/net/vif$A.0/brport" || fail "tap vif$A.0 is not on bridge $BR"
[ "$(in_ns cat "/sys/class/net/vif$A.0/brport/bridge/uevent" | sed -n 's/^INTERFACE=//p')" = "$BR" ] ||
    fail "tap vif$A.0 is on another bridge"

out=$(in_ns "$PROBE" ping 10.99.0.2 3 10000) || fail "Dom0 ping of guest $A: $out"
note "$out"
out=$(in_ns "$PROBE" udp 10.99.0.2 7 3 10000) || fail "UDP echo from guest $A: $out"
note "$out"
wait_console "$B" "net: ping 10.99.0.2: reply"
grep -qE "vif $B/0: connected \(vif$B\.0, 2 queues" "$RUNDIR/log/netback.out" ||
    fail "netback did not connect B's two queues: $(grep "vif $B/" "$RUNDIR/log/netback.out")"
for _ in 1 2 3 4; do
    out=$(in_ns "$PROBE" udp 10.99.0.3 7 1 10000) || fail "UDP echo from guest $B (two queues): $out"
done
out=$(in_ns "$PROBE" ping 10.99.0.3 2 10000) || fail "Dom0 ping of guest $B (two queues): $out"

list=$("$XL" network-list na) || fail "xl network-list na failed"
echo "$list" | head -n 1 | grep -qE '^Idx BE Mac Addr\. +handle state evt-ch +tx-/rx-ring-ref BE-path' ||
    fail "network-list header: $list"
echo "$list" | grep -qE "^0 +0 +00:16:3e:..:..:.. +0 +4 +[0-9]+ +[0-9]+/[0-9]+ +/local/domain/0/backend/vif/$A/0" ||
    fail "network-list row for vif 0: $list"

# A bridge that is not there: a clear error, and no vif left behind.
in_ns "$XL" network-attach na bridge=nosuchbr >"$RUNDIR/attach-bad.out" 2>&1 &&
    fail "network-attach to a missing bridge succeeded"
grep -q "bridge nosuchbr does not exist" "$RUNDIR/attach-bad.out" ||
    fail "network-attach to a missing bridge said: $(cat "$RUNDIR/attach-bad.out")"
[ "$("$XL" network-list na | grep -c "/backend/vif/$A/")" = 1 ] ||
    fail "a failed attach left a vif: $("$XL" network-list na)"

# Hot-plug, through an admin's own script (which logs how it was called
# and hands over to vif-bridge): the guest connects the new vif and
# answers on its address.
{
    echo '#!/bin/bash'
    echo "echo \"\$* XENBUS_TYPE=\$XENBUS_TYPE XENBUS_PATH=\$XENBUS_PATH vif=\$vif\" >>'$RUNDIR/my-vif.calls'"
    # shellcheck disable=SC2016 # expanded by the script, not here
    echo "exec '$SRC/dom0/scripts/vif-bridge' "'"$@"'
} >"$RUNDIR/my-vif"
chmod +x "$RUNDIR/my-vif"
in_ns "$XL" network-attach na bridge="$BR" ip=10.99.0.12 script="$RUNDIR/my-vif" >"$RUNDIR/attach.out" 2>&1 ||
    fail "network-attach: $(cat "$RUNDIR/attach.out")"
grep -qx "online XENBUS_TYPE=vif XENBUS_PATH=/local/domain/0/backend/vif/$A/1 vif=vif$A.1" "$RUNDIR/my-vif.calls" ||
    fail "the admin's script was not run as vif-bridge is: $(cat "$RUNDIR/my-vif.calls")"
wait_console "$A" "net: vif 1 connected"
out=$(in_ns "$PROBE" ping 10.99.0.12 2 10000) || fail "ping of the attached vif: $out"
[ "$("$XL" network-list na | grep -c "/backend/vif/$A/")" = 2 ] || fail "network-list after attach: $("$XL" network-list na)"
# Detached by its MAC, as network-list shows it.
mac1=$("$XL" network-list na | awk -v p="/local/domain/0/backend/vif/$A/1" '$NF == p { print $3 }')
[ -n "$mac1" ] || fail "no MAC for vif 1 in: $("$XL" network-list na)"
in_ns "$XL" network-detach na "$mac1" >"$RUNDIR/detach.out" 2>&1 ||
    fail "network-detach by MAC $mac1: $(cat "$RUNDIR/detach.out")"
wait_console "$A" "net: vif 1 closed"
grep -q "^offline XENBUS_TYPE=vif XENBUS_PATH=/local/domain/0/backend/vif/$A/1 " "$RUNDIR/my-vif.calls" ||
    fail "the admin's script was not run offline on detach: $(cat "$RUNDIR/my-vif.calls")"
in_ns test -e "/sys/class/net/vif$A.1" && fail "tap vif$A.1 outlived network-detach"
[ "$("$XL" network-list na | grep -c "/backend/vif/$A/")" = 1 ] || fail "network-list after detach: $("$XL" network-list na)"
in_ns "$XL" network-detach na 1 >/dev/null 2>&1 && fail "a second detach of vif 1 succeeded"

# netback as xenolith-commons runs it: stopped, started by commons (it
# reconnects), killed with SIGKILL, started again by commons' watcher;
# the taps stay on the bridge throughout and traffic resumes each time.
stop_netback
in_ns test -d "/sys/class/net/vif$A.0/brport" || fail "tap vif$A.0 left the bridge when netback stopped"
commons_start_netback
NB1=$(cat "$RUNDIR/xenolith-netback.pid")
out=$(in_ns "$PROBE" ping 10.99.0.2 2 10000) || fail "ping after commons started netback: $out"
grep -q "vif $A/0: reconnected" "$RUNDIR/log/xenolith-netback.log" ||
    fail "netback did not say it reconnected vif $A/0: $(tail "$RUNDIR/log/xenolith-netback.log")"
kill -KILL "$NB1"
NB2=
for _ in $(seq 150); do
    NB2=$(cat "$RUNDIR/xenolith-netback.pid" 2>/dev/null)
    [ -n "$NB2" ] && [ "$NB2" != "$NB1" ] && proc_running "$NB2" && break
    NB2=
    sleep 0.1
done
[ -n "$NB2" ] || fail "xenolith-commons did not start netback again after SIGKILL: $(cat "$RUNDIR/log/xenolith-commons.log")"
in_ns test -d "/sys/class/net/vif$A.0/brport" || fail "tap vif$A.0 left the bridge when netback died"
out=$(in_ns "$PROBE" ping 10.99.0.2 3 10000) || fail "ping after netback's SIGKILL and restart: $out"
out=$(in_ns "$PROBE" udp 10.99.0.3 7 2 10000) || fail "UDP to guest $B after netback's restart: $out"
note "netback $NB1 killed, $NB2 serves: $out"

# Both guests stop when asked, having served.
"$XL" shutdown na >/dev/null 2>&1 || fail "xl shutdown na"
"$XL" shutdown nb >/dev/null 2>&1 || fail "xl shutdown nb"
expect_end "$A" s poweroff >/dev/null
expect_end "$B" s poweroff >/dev/null
expect_console "$A" "guest-test net: ok"
expect_console "$B" "guest-test net: ok"
note "guest $B: $(console_of "$B" | grep -E "^net: vif 0 queue" | tr '\n' ' ')"
"$XL" destroy na >/dev/null 2>&1
for _ in $(seq 50); do in_ns test -e "/sys/class/net/vif$A.0" || break; sleep 0.1; done
in_ns test -e "/sys/class/net/vif$A.0" && fail "tap vif$A.0 outlived its domain"
# With no netback at all (watcher and netback stopped), the hotplug
# script's offline takes the persistent tap away with the domain.
for f in xenolith-commons-watch xenolith-netback; do
    p=$(cat "$RUNDIR/$f.pid")
    kill -TERM "$p"
    for _ in $(seq 30); do proc_running "$p" || break; sleep 0.1; done
    proc_running "$p" && fail "$f (pid $p) did not stop"
done
in_ns ip link show dev "vif$B.0" >/dev/null 2>&1 || fail "tap vif$B.0 went with netback"
in_ns "$XL" destroy nb >/dev/null 2>&1
for _ in $(seq 50); do in_ns ip link show dev "vif$B.0" >/dev/null 2>&1 || break; sleep 0.1; done
in_ns ip link show dev "vif$B.0" >/dev/null 2>&1 && fail "tap vif$B.0 outlived its domain without netback"
true
