# Sourced by the XenStore integration tests (test_xenstore_*.sh): a
# private xenolith-stored on a temporary rundir, found by Debian's
# xenstore-utils and libxenstore through XENSTORED_PATH, stopped by PID
# (lib.sh's clean-up) however the test ends.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STORED="$BUILD/xenstore-like/xenolith-stored"
XSTOOL="$BUILD/tests/tools/xenolith-xs-tool"

STORED_PID=

need_xenstore_utils() {
    for f in "$STORED" "$XSTOOL"; do
        [ -x "$f" ] || fail "missing $f: build first"
    done
    for f in xenstore-read xenstore-write xenstore-ls xenstore-rm xenstore-chmod \
        xenstore-list xenstore-exists xenstore-watch; do
        command -v "$f" >/dev/null || fail "$f missing: install xenstore-utils"
    done
}

# launch_stored LOG [daemon options...]: xenolith-stored on $RUNDIR, its
# socket up, XENSTORED_PATH naming it; sets STORED_PID.
launch_stored() {
    local log=$1
    shift
    "$STORED" -F --rundir "$RUNDIR" "$@" >"$log" 2>&1 &
    STORED_PID=$!
    SOCK="$RUNDIR/xenstored/socket"
    for _ in $(seq 100); do
        [ -S "$SOCK" ] && break
        kill -0 "$STORED_PID" 2>/dev/null || fail "xenolith-stored exited at start: $(cat "$log")"
        sleep 0.05
    done
    [ -S "$SOCK" ] || fail "xenolith-stored did not open its socket within 5 s"
    export XENSTORED_PATH="$SOCK"
}

# start_stored [daemon options...]: the daemon alone (no xenolithd, so no
# guest rings); lib.sh's clean-up stops it as DAEMON_PID.
start_stored() {
    [ "$(id -u)" = 0 ] || fail "the XenStore tests run the daemon as root, as Dom0 does"
    need_xenstore_utils
    RUNDIR=$(mktemp -d /tmp/xenolith-test.XXXXXX)
    launch_stored "$RUNDIR/daemon.log" "$@"
    DAEMON_PID=$STORED_PID
}

# start_stack: xenolithd and xenolith-stored on one private rundir, so
# xl creates guests that get XenStore over their rings. Both are stopped
# by PID at exit (xenolith-stored first).
start_stack() {
    start_daemon
    need_xenstore_utils
    mkdir -p "$RUNDIR/log"
    STORED_LOG="$RUNDIR/log/xenolith-stored.out.log"
    launch_stored "$STORED_LOG"
    # The socket listens a moment before the daemon reaches xenolithd.
    for _ in $(seq 100); do
        grep -q "connected to xenolithd" "$STORED_LOG" && return 0
        sleep 0.05
    done
    fail "xenolith-stored did not reach xenolithd: $(cat "$STORED_LOG")"
}

stored_alive() {
    kill -0 "$STORED_PID" 2>/dev/null
}

# as_domain DOMID CMD...: runs a client speaking as that domain (needs
# --domain-sockets and the domain introduced). Started with & it runs in
# a subshell: exec there, so that $! is the client itself and clean-up
# stops the client, not just a shell around it.
as_domain() {
    local d=$1
    shift
    if [ "$BASHPID" != "$$" ]; then
        XENSTORED_PATH="$RUNDIR/xenstored/domain/$d" exec "$@"
    fi
    XENSTORED_PATH="$RUNDIR/xenstored/domain/$d" "$@"
}

# expect_out WHAT EXPECTED CMD...: CMD succeeds and prints exactly EXPECTED.
expect_out() {
    local what=$1 want=$2 got
    shift 2
    got=$("$@" 2>&1) || fail "$what: '$*' failed: $got"
    [ "$got" = "$want" ] || fail "$what: '$*' printed
$got
expected
$want"
}

# expect_err WHAT EXPECTED CMD...: CMD fails and prints exactly EXPECTED.
expect_err() {
    local what=$1 want=$2 got
    shift 2
    got=$("$@" 2>&1) && fail "$what: '$*' succeeded: $got"
    [ "$got" = "$want" ] || fail "$what: '$*' printed
$got
expected
$want"
}

# Background clients a test starts (watchers); stopped by PID at exit.
# libxenstore's watcher spins at full CPU once the daemon hangs up on it,
# so every one must go, whatever path the test takes.
CLIENT_PIDS=()

# start_client OUT CMD...: CMD in the background, output to OUT, recorded.
start_client() {
    local out=$1
    shift
    "$@" >"$out" 2>&1 &
    CLIENT_PIDS+=($!)
}

# proc_tree PID: PID and its descendants, parents first.
proc_tree() {
    local c
    echo "$1"
    for c in $(pgrep -P "$1" 2>/dev/null); do
        proc_tree "$c"
    done
}

# A zombie still answers kill -0; it counts as gone.
proc_running() {
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

stop_clients() {
    local p all=() left=()
    for p in "${CLIENT_PIDS[@]}"; do
        # Collected before any is killed: an orphan loses its parent link.
        mapfile -t -O "${#all[@]}" all < <(proc_tree "$p")
    done
    if [ ${#all[@]} -gt 0 ]; then
        kill -TERM "${all[@]}" 2>/dev/null
        for _ in $(seq 40); do
            left=()
            for p in "${all[@]}"; do
                proc_running "$p" && left+=("$p")
            done
            [ ${#left[@]} -eq 0 ] && break
            sleep 0.05
        done
        [ ${#left[@]} -gt 0 ] && kill -KILL "${left[@]}" 2>/dev/null
    fi
    for p in "${CLIENT_PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    CLIENT_PIDS=()
}

# stop_stored: xenolith-stored of start_stack (start_stored's goes with
# lib.sh's DAEMON_PID).
stop_stored() {
    [ -n "$STORED_PID" ] && [ "$STORED_PID" != "$DAEMON_PID" ] || return 0
    kill -TERM "$STORED_PID" 2>/dev/null
    for _ in $(seq 50); do
        proc_running "$STORED_PID" || break
        sleep 0.1
    done
    kill -KILL "$STORED_PID" 2>/dev/null
    wait "$STORED_PID" 2>/dev/null
    STORED_PID=
}
xs_cleanup() {
    local rc=$?
    stop_clients
    stop_stored
    if [ $rc -ne 0 ] && [ -n "$RUNDIR" ] && [ -f "$RUNDIR/log/xenstored-trace.log" ]; then
        echo "--- $TEST_NAME: trace (last 40 lines)" >&2
        tail -n 40 "$RUNDIR/log/xenstored-trace.log" >&2
    fi
    (exit $rc)
    cleanup
}
trap xs_cleanup EXIT

# wait_lines FILE N: waits up to 5 s until FILE has at least N lines.
wait_lines() {
    for _ in $(seq 100); do
        [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.05
    done
    return 1
}
