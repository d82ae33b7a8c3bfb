#!/bin/bash
# xenolith-commons starts the Dom0 daemons in order, reports them, and
# stops them in reverse order; guests created in between get XenStore.
. "$(dirname "$0")/lib.sh"
need_kvm
COMMONS="$BUILD/dom0/xenolith-commons"
RUNDIR=$(mktemp -d /tmp/xenolith-test.XXXXXX)
export XENOLITH_RUNDIR="$RUNDIR" XENOLITHD XENOLITH_STORED="$BUILD/xenstore-like/xenolith-stored"
export XENOLITH_CONSOLED="$BUILD/backends/xenolith-consoled"
# The backends are optional; named where none is, an installed copy is
# not started and the order below stays the same on every host.
export XENOLITH_NETBACK="$RUNDIR/no-netback" XENOLITH_BLKBACK="$RUNDIR/no-blkback"
export XENSTORED_PATH="$RUNDIR/xenstored/socket"

# Whatever happens, what this test started goes, the watcher first (lib.sh
# removes the rundir). shellcheck does not see the trap below call it.
# shellcheck disable=SC2317
on_exit() {
    local rc=$? f pid
    for f in xenolith-commons-watch xenolith-consoled xenolith-stored xenolithd; do
        pid=$(cat "$RUNDIR/$f.pid" 2>/dev/null) && [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    done
    (exit "$rc")
    cleanup
}
trap on_exit EXIT

out=$("$COMMONS" status) && fail "status said running before start: $out"
"$COMMONS" start >"$RUNDIR/start.out" 2>&1 || fail "start failed: $(cat "$RUNDIR/start.out")"
grep -q "xenolithd started" "$RUNDIR/start.out" || fail "no xenolithd in: $(cat "$RUNDIR/start.out")"
grep -q "xenolith-stored started" "$RUNDIR/start.out" || fail "no xenolith-stored in: $(cat "$RUNDIR/start.out")"
grep -q "xenolith-consoled started" "$RUNDIR/start.out" || fail "no xenolith-consoled in: $(cat "$RUNDIR/start.out")"
# In order: consoled needs both others up.
[ "$(grep -o 'xeno[a-z-]* started' "$RUNDIR/start.out" | tr '\n' ' ')" = \
    "xenolithd started xenolith-stored started xenolith-consoled started " ] ||
    fail "start order wrong: $(cat "$RUNDIR/start.out")"
out=$("$COMMONS" status) || fail "status after start: $out"
echo "$out" | grep -q "^xenolith-consoled: running" || fail "status does not report xenolith-consoled: $out"
hv=$(cat "$RUNDIR/xenolithd.pid")
xs=$(cat "$RUNDIR/xenolith-stored.pid")
cons=$(cat "$RUNDIR/xenolith-consoled.pid")
"$COMMONS" start | grep -q "already runs" || fail "a second start did not see the daemons running"

# The stack answers: a guest gets its XenStore entries.
domid=$(create_guest stacked cpuid)
expect_end "$domid" s poweroff >/dev/null
xenstore-read "/local/domain/$domid/name" | grep -qx stacked || fail "no XenStore entries for the guest"
# ... and a console that consoled serves.
xenstore-read "/local/domain/$domid/console/tty" | grep -q '^/dev/pts/' || fail "no console pty for the guest"
grep -q "guest-tests: 1 passed" "$RUNDIR/console/guest-stacked.log" || fail "no console log for the guest"

"$COMMONS" stop >"$RUNDIR/stop.out" 2>&1 || fail "stop failed: $(cat "$RUNDIR/stop.out")"
# Reverse order: xenolith-consoled, xenolith-stored, xenolithd.
[ "$(grep -o 'xeno[a-z-]* stopped' "$RUNDIR/stop.out" | tr '\n' ' ')" = \
    "xenolith-consoled stopped xenolith-stored stopped xenolithd stopped " ] ||
    fail "stop did not go in reverse order: $(cat "$RUNDIR/stop.out")"
kill -0 "$hv" 2>/dev/null && fail "xenolithd (pid $hv) still runs"
kill -0 "$xs" 2>/dev/null && fail "xenolith-stored (pid $xs) still runs"
kill -0 "$cons" 2>/dev/null && fail "xenolith-consoled (pid $cons) still runs"
"$COMMONS" status >/dev/null; [ $? = 3 ] || fail "status after stop did not exit 3"
exit 0
