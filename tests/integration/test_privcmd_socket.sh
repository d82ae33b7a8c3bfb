#!/bin/bash
# The privcmd socket is root's alone, and a client that sends garbage is
# answered and dropped without disturbing anyone else.
. "$(dirname "$0")/lib.sh"
start_daemon
ABUSE="$BUILD/tests/tools/xenolith-privcmd-abuse"

# A guest runs throughout, to show the daemon keeps serving domains.
domid=$(create_guest bystander "bench-hcall iterations=20000")

out=$("$ABUSE" "$domid" 2>&1) || fail "privcmd abuse: $out"
note "$(echo "$out" | tail -n 1)"

# sched-credit went to the host's cgroup cpu controller: the vCPU threads
# are in the domain's cgroup with the shares and quota asked for.
cg=$(echo "$out" | sed -n 's/^cgroup //p')
[ -n "$cg" ] || fail "the domain has no cgroup: $out"
[ "$(cat "$cg/cpu.shares")" = 2048 ] || fail "weight 512 did not become 2048 shares: $(cat "$cg/cpu.shares")"
[ "$(cat "$cg/cpu.cfs_quota_us")" = 50000 ] || fail "cap 50 did not become a 50 ms quota: $(cat "$cg/cpu.cfs_quota_us")"
[ "$(wc -l <"$cg/tasks")" -ge 1 ] || fail "no vCPU thread in $cg/tasks"
while read -r tid; do
    [ "$(cat "/proc/$DAEMON_PID/task/$tid/comm" 2>/dev/null)" ] || fail "task $tid in $cg is not one of xenolithd's threads"
done <"$cg/tasks"

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
"$XL" destroy bystander
[ -s "$cg/tasks" ] && fail "the destroyed domain's cgroup $cg still holds tasks"
# The daemon removes its cgroups when it stops.
kill -TERM "$DAEMON_PID"
for _ in $(seq 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
[ -d "$(dirname "$cg")" ] && fail "xenolithd left its cgroup $(dirname "$cg") behind"
exit 0
