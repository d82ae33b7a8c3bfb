# shellcheck shell=bash
# Shared by the benchmarks: a private xenolithd on a temporary rundir,
# stopped by PID however the benchmark ends. BUILD names the build tree
# (default: build/ beside this directory).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
XENOLITHD="$BUILD/hypervisor/xenolithd"
XL="$BUILD/toolstack/xl"
GUEST="$BUILD/frontends/xenolith-guest"
DAEMON_PID=
RUNDIR=
# Further processes a benchmark starts (bench_track PID): stopped first.
BENCH_PIDS=()
bench_track() { BENCH_PIDS+=("$1"); }

bench_cleanup() {
    local p
    for p in "${BENCH_PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    if [ -n "${STORED_PID:-}" ]; then
        kill -TERM "$STORED_PID" 2>/dev/null
        wait "$STORED_PID" 2>/dev/null
    fi
    if [ -n "$DAEMON_PID" ]; then
        kill -TERM "$DAEMON_PID" 2>/dev/null
        wait "$DAEMON_PID" 2>/dev/null
    fi
    if [ -n "$RUNDIR" ]; then
        while read -r pid; do
            kill -TERM "$pid" 2>/dev/null
        done < <(sed -n 's/.*\[pid \([0-9]*\)\].*/\1/p' "$RUNDIR"/log/xl-*.log 2>/dev/null)
        rm -rf "$RUNDIR"
    fi
}
trap bench_cleanup EXIT
# Killed by one of these, bash would skip the EXIT trap and leave the
# daemons running (a PIPE is ignored from then on: see tests/integration/lib.sh).
trap 'exit 130' INT TERM
trap 'trap "" PIPE; exit 141' PIPE

bench_start_daemon() {
    for f in "$XENOLITHD" "$XL" "$GUEST"; do
        [ -e "$f" ] || { echo "bench: missing $f; build first (./build.sh test or make)" >&2; exit 1; }
    done
    RUNDIR=$(mktemp -d /tmp/xenolith-bench.XXXXXX)
    export XENOLITH_RUNDIR="$RUNDIR"
    "$XENOLITHD" -F --rundir "$RUNDIR" >"$RUNDIR/daemon.log" 2>&1 &
    DAEMON_PID=$!
    for _ in $(seq 100); do
        [ -S "$RUNDIR/privcmd.sock" ] && return 0
        sleep 0.05
    done
    echo "bench: xenolithd did not start: $(cat "$RUNDIR/daemon.log")" >&2
    exit 1
}

# The TSC frequency in kHz as xenolithd reports it (xl info cpu_mhz is
# rounded; the daemon log has the exact figure).
bench_tsc_khz() {
    sed -n 's/.*TSC \([0-9]*\) kHz.*/\1/p' "$RUNDIR/daemon.log" | head -n 1
}

# shellcheck source=../tests/host_kind.sh
. "$TOP/tests/host_kind.sh"
bench_kvm_kind() { host_kvm_kind; }

# xenolith-stored beside bench_start_daemon's xenolithd, so that xl writes
# each domain's XenStore layout as it would on a real host.
STORED_PID=
bench_start_stored() {
    local stored="$BUILD/xenstore-like/xenolith-stored"
    [ -x "$stored" ] || { echo "bench: missing $stored; build first" >&2; exit 1; }
    "$stored" -F --rundir "$RUNDIR" >"$RUNDIR/stored.log" 2>&1 &
    STORED_PID=$!
    for _ in $(seq 100); do
        [ -S "$RUNDIR/xenstored/socket" ] && return 0
        sleep 0.05
    done
    echo "bench: xenolith-stored did not start: $(cat "$RUNDIR/stored.log")" >&2
    exit 1
}

# bench_fail MESSAGE: a benchmark whose work did not happen says so and
# fails, rather than print a figure of nothing.
bench_fail() {
    echo "bench: $(basename "$0"): $*" >&2
    exit 1
}

# bench_check_figures NAME=VALUE...: every figure a benchmark reports, its
# own and its baseline's, must be a number above zero. One that is missing
# or zero means that side's work did not happen: the benchmark fails and
# names it, rather than print a ratio of nothing.
bench_is_figure() {
    awk -v v="$1" 'BEGIN { exit !(v ~ /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/ && v + 0 > 0) }'
}
bench_check_figures() {
    local kv bad=()
    for kv in "$@"; do
        bench_is_figure "${kv#*=}" || bad+=("${kv%%=*}='${kv#*=}'")
    done
    [ ${#bad[@]} -eq 0 ] || bench_fail "no work measured: ${bad[*]}"
}
