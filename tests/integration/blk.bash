# shellcheck shell=bash
# Sourced by the block tests (test_blk*.sh): xenolithd, xenolith-stored
# and xenolith-blkback on a private rundir, the hotplug scripts from the
# source tree (found by xl itself, run from its build tree: no
# XENOLITH_SCRIPTS), and the host side of the guests' data pattern. Every
# process is stopped by PID however the test ends (lib.sh's clean-up for
# the first two, blk_cleanup for blkback).
. "$(dirname "${BASH_SOURCE[0]}")/xenstored.bash"

BLKBACK="$BUILD/backends/xenolith-blkback"
BLKPAT="$BUILD/tests/tools/xenolith-blkpattern"
IMG="$BUILD/backends/xenolith-img"
BLKBACK_PID=

stop_blkback() {
    [ -n "$BLKBACK_PID" ] || return 0
    kill -TERM "$BLKBACK_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$BLKBACK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$BLKBACK_PID" 2>/dev/null
    wait "$BLKBACK_PID" 2>/dev/null
    BLKBACK_PID=
}

# blkback first: it holds grant mappings of the guests xenolithd runs.
blk_exit() {
    local rc=$?
    stop_blkback
    (exit $rc)
    xs_cleanup
}
trap blk_exit EXIT

# blk_stack: the three daemons.
blk_stack() {
    for f in "$BLKBACK" "$BLKPAT" "$IMG"; do
        [ -x "$f" ] || fail "missing $f: build first"
    done
    start_stack
    start_blkback
}

start_blkback() {
    BLKBACK_LOG="$RUNDIR/log/xenolith-blkback.out.log"
    XENOLITH_BLKBACK_TRACE=${BLK_TRACE:-} "$BLKBACK" -F --rundir "$RUNDIR" >>"$BLKBACK_LOG" 2>&1 &
    BLKBACK_PID=$!
    for _ in $(seq 100); do
        grep -q "xenolith-blkback: started" "$BLKBACK_LOG" 2>/dev/null && return 0
        kill -0 "$BLKBACK_PID" 2>/dev/null || fail "xenolith-blkback exited: $(cat "$BLKBACK_LOG")"
        sleep 0.05
    done
    fail "xenolith-blkback did not start: $(cat "$BLKBACK_LOG")"
}

blkback_alive() {
    kill -0 "$BLKBACK_PID" 2>/dev/null
}

# blk_prepare TARGET SEED NSECT: the pattern of SEED over the first
# NSECT sectors of TARGET (a file, device or VDI, through xenolith-img);
# prints the checksum the guest must find (blk_sum=).
blk_prepare() {
    local target=$1 seed=$2 n=$3
    "$BLKPAT" gen "$seed" 0 "$n" | "$IMG" write "$target" 0 || fail "cannot write $target"
    "$BLKPAT" gen "$seed" 0 "$n" | "$BLKPAT" sum
}

# blk_verify TARGET SEED START NSECT: every byte of those sectors holds
# SEED's pattern.
blk_verify() {
    local target=$1 seed=$2 start=$3 n=$4
    cmp <("$IMG" read "$target" $((start * 512)) $((n * 512))) <("$BLKPAT" gen "$seed" "$start" "$n") ||
        fail "$target: sectors $start..$((start + n - 1)) do not hold pattern $seed"
}

# blk_verify_zero TARGET START NSECT
blk_verify_zero() {
    local target=$1 start=$2 n=$3
    cmp <("$IMG" read "$target" $((start * 512)) $((n * 512))) <(head -c $((n * 512)) /dev/zero) ||
        fail "$target: sectors $start..$((start + n - 1)) are not zero after discard"
}
