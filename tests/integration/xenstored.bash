# Sourced by the XenStore integration tests (test_xenstore_*.sh): a
# private xenolith-stored on a temporary rundir, found by Debian's
# xenstore-utils and libxenstore through XENSTORED_PATH, stopped by PID
# (lib.sh's clean-up) however the test ends.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STORED="$BUILD/xenstore-like/xenolith-stored"
XSTOOL="$BUILD/xenstore-like/xenolith-xs-tool"

# start_stored [daemon options...]
start_stored() {
    [ "$(id -u)" = 0 ] || fail "the XenStore tests run the daemon as root, as Dom0 does"
    for f in "$STORED" "$XSTOOL"; do
        [ -x "$f" ] || fail "missing $f: build first"
    done
    for f in xenstore-read xenstore-write xenstore-ls xenstore-rm xenstore-chmod \
        xenstore-list xenstore-exists xenstore-watch; do
        command -v "$f" >/dev/null || fail "$f missing: install xenstore-utils"
    done
    RUNDIR=$(mktemp -d /tmp/xenolith-test.XXXXXX)
    "$STORED" -F --rundir "$RUNDIR" "$@" >"$RUNDIR/daemon.log" 2>&1 &
    DAEMON_PID=$!
    SOCK="$RUNDIR/xenstored/socket"
    for _ in $(seq 100); do
        [ -S "$SOCK" ] && break
        kill -0 "$DAEMON_PID" 2>/dev/null || fail "xenolith-stored exited at start: $(cat "$RUNDIR/daemon.log")"
        sleep 0.05
    done
    [ -S "$SOCK" ] || fail "xenolith-stored did not open its socket within 5 s"
    export XENSTORED_PATH="$SOCK"
}

stored_alive() {
    kill -0 "$DAEMON_PID" 2>/dev/null
}

# as_domain DOMID CMD...: runs a client speaking as that domain (needs
# --domain-sockets and the domain introduced).
as_domain() {
    local d=$1
    shift
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
CLIENT_PIDS=()
stop_clients() {
    local p
    for p in "${CLIENT_PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    CLIENT_PIDS=()
}
xs_cleanup() {
    local rc=$?
    stop_clients
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
