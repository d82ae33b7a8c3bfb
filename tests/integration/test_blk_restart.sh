#!/bin/bash
# xenolith-blkback killed (SIGKILL) while a guest has requests in flight,
# more than once: first started again by xenolith-commons start, then by
# the commons watcher, until one restart found requests in flight in a
# ring journal. Each new daemon reconnects to the guest's rings from
# what XenStore and the ring journals say; the guest's requests all
# complete (test=blk reads everything back and checks it) and the host
# finds every sector the guest wrote, byte for byte.
. "$(dirname "$0")/blk.bash"
COMMONS="$BUILD/dom0/xenolith-commons"
[ -x "$COMMONS" ] || fail "missing $COMMONS: build first"
# Called by the EXIT trap, which shellcheck does not follow.
# shellcheck disable=SC2317
restart_exit() {
    local rc=$? f pid
    # The watcher first, so it starts nothing more; then what commons started.
    for f in xenolith-commons-watch xenolith-blkback xenolith-consoled; do
        pid=$(cat "$RUNDIR/$f.pid" 2>/dev/null) && [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
    done
    sleep 0.3
    for f in xenolith-commons-watch xenolith-blkback xenolith-consoled; do
        pid=$(cat "$RUNDIR/$f.pid" 2>/dev/null) && [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    done
    (exit "$rc")
    blk_exit
}
trap restart_exit EXIT
# Every finished request is held a second before its response, so the
# kills below find requests in flight.
export XENOLITH_BLKBACK_STALL_MS=1000
blk_stack

disk="$RUNDIR/disk.raw"
truncate -s 8M "$disk"
extra="test=blk blk_seed=81 blk_wsect=1024 blk_nwrites=150"
G=$(create_guest rs blk "memory = 64" "extra = \"$extra\"" "disk = [ '$disk,raw,xvda,w' ]")

for _ in $(seq 300); do
    grep -q "vbd $G/51712: connected" "$BLKBACK_LOG" && break
    sleep 0.1
done
grep -q "vbd $G/51712: connected" "$BLKBACK_LOG" || fail "the guest's disk never connected"
sleep 2
console_of "$G" | grep -q "guest-test blk" && fail "the guest finished before blkback was killed; make it work longer"
kill -KILL "$BLKBACK_PID"
wait "$BLKBACK_PID" 2>/dev/null
note "blkback $BLKBACK_PID killed during I/O"
BLKBACK_PID=
compgen -G "$RUNDIR/blkback/ring-$G-51712-0*" >/dev/null || fail "no ring journal left behind"

env XENOLITH_RUNDIR="$RUNDIR" XENOLITHD="$XENOLITHD" XENOLITH_STORED="$STORED" \
    XENOLITH_CONSOLED="$BUILD/backends/xenolith-consoled" XENOLITH_BLKBACK="$BLKBACK" \
    XENOLITH_BLKBACK_STALL_MS=1000 "$COMMONS" start >"$RUNDIR/commons.out" 2>&1 ||
    fail "xenolith-commons start: $(cat "$RUNDIR/commons.out")"
grep -q "xenolith-blkback started" "$RUNDIR/commons.out" ||
    fail "xenolith-commons did not start blkback: $(cat "$RUNDIR/commons.out")"
B1=$(cat "$RUNDIR/xenolith-blkback.pid")
LOG2="$RUNDIR/log/xenolith-blkback.log"
for _ in $(seq 100); do
    grep -q "vbd $G/51712: reconnected" "$LOG2" 2>/dev/null && break
    sleep 0.1
done
grep -q "vbd $G/51712: reconnected" "$LOG2" || fail "blkback did not reconnect: $(tail "$LOG2")"
# Then the watcher's turn, at least once and until a daemon has found
# requests in flight in a journal and replayed them (each kill lands at
# a random point).
replayed() {
    grep -qE "vbd $G/51712: queue [0-9] resumed from its journal: [0-9]+ responses? published, [1-9][0-9]* requests? replayed" "$LOG2"
}
cur=$B1
for round in 1 2 3 4; do
    [ "$round" -gt 1 ] && replayed && break
    console_of "$G" | grep -q "guest-test blk" && break
    sleep 1.2
    kill -KILL "$cur" 2>/dev/null
    note "round $round: blkback $cur killed during I/O"
    next=
    for _ in $(seq 150); do
        next=$(cat "$RUNDIR/xenolith-blkback.pid" 2>/dev/null)
        [ -n "$next" ] && [ "$next" != "$cur" ] && kill -0 "$next" 2>/dev/null && break
        next=
        sleep 0.1
    done
    [ -n "$next" ] || fail "the commons watcher did not start blkback again: $(cat "$RUNDIR/log/xenolith-commons.log")"
    cur=$next
    for _ in $(seq 100); do
        [ "$(grep -c "vbd $G/51712: reconnected" "$LOG2")" -gt "$round" ] && break
        sleep 0.1
    done
done

expect_end "$G" s poweroff >/dev/null
expect_console "$G" "guest-test blk: ok"
blk_verify "$disk" 81 0 1024
[ "$(grep -c "vbd $G/51712: reconnected" "$LOG2")" -ge 1 ] || fail "no reconnection logged"
grep -q "vbd $G/51712: queue 0 resumed from its journal" "$LOG2" ||
    fail "blkback did not resume from the ring journal: $(grep resumed "$LOG2")"
replayed || fail "no request in flight was replayed: $(grep resumed "$LOG2")"
note "$(grep -h "resumed" "$LOG2" | tr '\n' ';')"
exit 0
