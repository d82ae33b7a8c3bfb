#!/bin/bash
# sched-credit on a cgroup v2 host, end to end through xenolithd: the
# daemon is pointed at a fake v2 root (a directory whose
# cgroup.controllers offers cpu; XENOLITH_CGROUP_ROOT), so the path it
# chooses and the files it writes can be read back on this v1 host.
. "$(dirname "$0")/lib.sh"
FAKE=$(mktemp -d /tmp/xenolith-cgv2.XXXXXX)
trap 'rc=$?; rm -rf "$FAKE"; (exit $rc); cleanup' EXIT
echo "cpuset cpu io memory pids" >"$FAKE/cgroup.controllers"
export XENOLITH_CGROUP_ROOT="$FAKE"
start_daemon

d=$(create_guest sched2 timers)
grep -q "sched-credit on the cgroup v2 cpu controller at $FAKE" "$RUNDIR/daemon.log" ||
    fail "xenolithd did not choose cgroup v2: $(cat "$RUNDIR/daemon.log")"
parent="$FAKE/xenolith-$DAEMON_PID"
cg="$parent/dom$d"
[ "$(cat "$FAKE/cgroup.subtree_control")" = "+cpu" ] || fail "cpu not enabled at the root"
[ "$(cat "$parent/cgroup.procs")" = "$DAEMON_PID" ] || fail "xenolithd did not move into $parent"
[ "$(cat "$cg/cgroup.type")" = threaded ] || fail "$cg is not a threaded cgroup"
# The vCPU threads join only once the domain has settings (joining costs
# milliseconds that creation need not wait for).
[ -s "$cg/cgroup.threads" ] && fail "a vCPU thread joined before sched-credit gave settings"

"$XL" sched-credit -d sched2 -w 512 -c 50 || fail "xl sched-credit -w 512 -c 50 failed"
tid=$(cat "$cg/cgroup.threads")
[ -d "/proc/$DAEMON_PID/task/$tid" ] || fail "cgroup.threads holds '$tid', not one of xenolithd's threads"
[ "$(cat "$cg/cpu.weight")" = 200 ] || fail "weight 512 did not become cpu.weight 200: $(cat "$cg/cpu.weight")"
[ "$(cat "$cg/cpu.max")" = "50000 100000" ] || fail "cap 50 did not become cpu.max 50000: $(cat "$cg/cpu.max")"
"$XL" sched-credit -d sched2 | grep -qE "^sched2 +$d +512 +50$" ||
    fail "xl sched-credit does not show 512/50: $("$XL" sched-credit -d sched2)"
"$XL" sched-credit -d sched2 -c 0 || fail "xl sched-credit -c 0 failed"
[ "$(cat "$cg/cpu.max")" = "max 100000" ] || fail "cap 0 did not become cpu.max max: $(cat "$cg/cpu.max")"
[ ! -e "$cg/cpu.shares" ] || fail "v1's cpu.shares was written on a v2 host"
"$XL" destroy sched2
exit 0
