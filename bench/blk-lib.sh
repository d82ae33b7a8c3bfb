# shellcheck shell=bash
# Shared by the block benchmarks: xenolith-stored and xenolith-blkback
# beside lib.sh's xenolithd, a guest running the in-guest blk-bench on
# one disk, and its figures.
BLKBACK="$BUILD/backends/xenolith-blkback"
BLKBACK_PID=
export XENOLITH_SCRIPTS="$TOP/dom0/scripts"
blk_bench_cleanup() {
    if [ -n "$BLKBACK_PID" ]; then
        kill -TERM "$BLKBACK_PID" 2>/dev/null
        wait "$BLKBACK_PID" 2>/dev/null
    fi
    bench_cleanup
}
trap blk_bench_cleanup EXIT

blk_bench_start() {
    [ -x "$BLKBACK" ] || { echo "bench: missing $BLKBACK; build first" >&2; exit 1; }
    bench_start_daemon
    bench_start_stored
    export XENSTORED_PATH="$RUNDIR/xenstored/socket"
    mkdir -p "$RUNDIR/log"
    "$BLKBACK" -F --rundir "$RUNDIR" >"$RUNDIR/blkback.log" 2>&1 &
    BLKBACK_PID=$!
    for _ in $(seq 100); do
        grep -q "started" "$RUNDIR/blkback.log" && return 0
        sleep 0.05
    done
    echo "bench: xenolith-blkback did not start: $(cat "$RUNDIR/blkback.log")" >&2
    exit 1
}

# blk_guest_bench NAME DISKSPEC MB MS: runs test=blk-bench on the disk and
# prints its "blk-bench:" line (empty on failure). BLK_BENCH_ARGS adds
# words to the guest's command line (blk_queues=, blk_order=, ...).
blk_guest_bench() {
    local name=$1 spec=$2 mb=$3 ms=$4 cfg="$RUNDIR/$1.cfg" domid
    cat >"$cfg" <<CFG
name = "$name"
type = "pvh"
kernel = "$GUEST"
memory = 64
extra = "test=blk-bench blk_bench_mb=$mb blk_bench_ms=$ms ${BLK_BENCH_ARGS:-}"
on_poweroff = "preserve"
on_crash = "preserve"
disk = [ '$spec' ]
CFG
    "$XL" create "$cfg" >"$RUNDIR/create-$name.out" 2>&1 || {
        echo "bench: xl create $name: $(cat "$RUNDIR/create-$name.out")" >&2
        return 1
    }
    domid=$("$XL" domid "$name")
    "$BUILD/tests/tools/xenolith-domwait" "$domid" 900 >/dev/null 2>&1
    grep -h "^blk-bench-calibration:" "$RUNDIR/log/console-$domid.log" >&2
    grep -h "^blk-bench:" "$RUNDIR/log/console-$domid.log" | tail -n 1
    "$XL" destroy "$name" >/dev/null 2>&1
}

# field LINE KEY: a number from the blk-bench line.
blk_field() {
    echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
