# shellcheck shell=bash
# Shared by the integration tests: a private xenolithd in a temporary
# rundir, guests built from configs written on the fly, and clean-up of
# everything the test started, by PID, however the test ends.
#
# The runner exports BUILD (the build tree) and SRC (the source tree).

set -u

: "${BUILD:?BUILD must name the build tree}"
: "${SRC:?SRC must name the source tree}"
XENOLITHD="$BUILD/hypervisor/xenolithd"
XL="$BUILD/toolstack/xl"
GUEST="$BUILD/frontends/xenolith-guest"
DOMWAIT="$BUILD/tests/tools/xenolith-domwait"

TEST_NAME=$(basename "$0" .sh)
TEST_NAME=${TEST_NAME#test_}
DAEMON_PID=
RUNDIR=

fail() {
    echo "FAIL $TEST_NAME: $*" >&2
    exit 1
}

note() {
    echo "  $TEST_NAME: $*" >&2
}

cleanup() {
    local rc=$?
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$DAEMON_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$DAEMON_PID" 2>/dev/null
    fi
    # xl leaves a monitor per domain that exits when the daemon goes; stop
    # any still there by the PID it logged.
    if [ -n "$RUNDIR" ]; then
        while read -r pid; do
            kill -TERM "$pid" 2>/dev/null
        done < <(sed -n 's/.*\[pid \([0-9]*\)\].*/\1/p' "$RUNDIR"/log/xl-*.log 2>/dev/null)
        if [ $rc -ne 0 ]; then
            echo "--- $TEST_NAME: xenolithd log" >&2
            cat "$RUNDIR/daemon.log" >&2 2>/dev/null
            for f in "$RUNDIR"/log/*.log; do
                [ -f "$f" ] || continue
                echo "--- $TEST_NAME: $f" >&2
                tail -n 40 "$f" >&2
            done
        fi
        rm -rf "$RUNDIR"
    fi
    exit $rc
}
trap cleanup EXIT
# Killed by one of these, bash would skip the EXIT trap. A PIPE (the
# test's output piped to a reader that went away) is ignored from then
# on, so that the clean-up's own output does not cut it short.
trap 'exit 130' INT TERM
trap 'trap "" PIPE; exit 141' PIPE

need_kvm() {
    [ "$(id -u)" = 0 ] || fail "integration tests need root (they drive /dev/kvm and root-only sockets)"
    [ -c /dev/kvm ] || fail "no /dev/kvm: integration tests boot real guests and need KVM"
    for f in "$XENOLITHD" "$XL" "$GUEST" "$DOMWAIT"; do
        [ -x "$f" ] || [ -f "$f" ] || fail "missing $f: build first"
    done
}

start_daemon() {
    need_kvm
    RUNDIR=$(mktemp -d /tmp/xenolith-test.XXXXXX)
    export XENOLITH_RUNDIR="$RUNDIR"
    # DAEMON_ARGS: options, split on blanks.
    # shellcheck disable=SC2086
    "$XENOLITHD" -F --rundir "$RUNDIR" ${DAEMON_ARGS:-} >"$RUNDIR/daemon.log" 2>&1 &
    DAEMON_PID=$!
    for _ in $(seq 100); do
        [ -S "$RUNDIR/privcmd.sock" ] && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || fail "xenolithd exited at start: $(cat "$RUNDIR/daemon.log")"
        sleep 0.05
    done
    fail "xenolithd did not open its socket within 5 s"
}

daemon_alive() {
    kill -0 "$DAEMON_PID" 2>/dev/null
}

# write_cfg NAME TESTS [extra config lines...]: a config for the guest
# kernel that runs the named in-guest tests and keeps the domain after it
# stops, so the test can read how it ended.
write_cfg() {
    local name=$1 tests=$2
    shift 2
    local cfg="$RUNDIR/$name.cfg"
    {
        echo "name = \"$name\""
        echo "type = \"pvh\""
        echo "kernel = \"$GUEST\""
        echo "memory = 32"
        echo "extra = \"test=$tests\""
        echo "on_poweroff = \"preserve\""
        echo "on_crash = \"preserve\""
        for line in "$@"; do echo "$line"; done
    } >"$cfg"
    echo "$cfg"
}

# create_guest NAME TESTS [extra config lines...]: prints the domid.
# A guest that ends at once (on_poweroff=destroy) may be gone before xl
# domid can ask; its monitor's first log line names the domid too.
create_guest() {
    local cfg domid
    cfg=$(write_cfg "$@")
    "$XL" create "$cfg" >"$RUNDIR/create-$1.out" 2>&1 ||
        fail "xl create $1 failed: $(cat "$RUNDIR/create-$1.out")"
    "$XL" domid "$1" 2>/dev/null && return 0
    for _ in $(seq 50); do
        domid=$(sed -n "s/.*Waiting for domain $1 (domid \([0-9]*\)).*/\1/p" "$RUNDIR/log/xl-$1.log" 2>/dev/null | head -n 1)
        [ -n "$domid" ] && { echo "$domid"; return 0; }
        sleep 0.1
    done
    fail "no domid for $1: xl domid failed and its monitor logged none"
}

# backed_kib DOMID: KiB of the domain's memory file that the host really
# backs.
backed_kib() {
    local fd
    fd=$(find "/proc/$DAEMON_PID/fd" -lname "/memfd:xenolith-dom$1 *" -print -quit)
    [ -n "$fd" ] || fail "no memory file of domain $1 among xenolithd's fds"
    echo $(($(stat -L -c %b "$fd") * $(stat -L -c %B "$fd") / 1024))
}

console_of() {
    cat "$RUNDIR/log/console-$1.log" 2>/dev/null
}

# expect_end DOMID STATE REASON: waits for the domain to stop and checks
# its state letter and shutdown reason.
expect_end() {
    local domid=$1 state=$2 reason=$3 out
    out=$("$DOMWAIT" "$domid" 120) || fail "waiting for domain $domid: $out"
    case "$out" in
    "state=$state reason=$reason"*) ;;
    *) fail "domain $domid ended as '$out', expected state=$state reason=$reason" ;;
    esac
    echo "$out"
}

# expect_console DOMID TEXT: the console log holds a line containing TEXT.
expect_console() {
    console_of "$1" | grep -qF -- "$2" ||
        fail "console of domain $1 lacks '$2'; it says: $(console_of "$1" | tail -n 20)"
}

# wait_console DOMID TEXT [N]: waits up to 60 s until the console log has
# N (default 1) lines containing TEXT.
wait_console() {
    for _ in $(seq 600); do
        [ "$(console_of "$1" | grep -cF -- "$2")" -ge "${3:-1}" ] && return 0
        sleep 0.1
    done
    fail "console of domain $1 never said '$2'; it says: $(console_of "$1" | tail -n 20)"
}
