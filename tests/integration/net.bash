# shellcheck shell=bash
# Sourced by the network tests (test_net*.sh): a private network
# namespace holding a bridge with Dom0's address, xenolith-netback run
# inside it (so its taps are made there), xl run inside it (so the
# hotplug scripts, the source tree's as xl finds them from its build
# tree, bridge the taps there), and guests with vifs on that
# bridge. Everything goes at exit, failure or not: the namespace (with
# its bridge and taps) and every process by PID.
. "$(dirname "${BASH_SOURCE[0]}")/xenstored.bash"

NETBACK="$BUILD/backends/xenolith-netback"
PROBE="$BUILD/tests/tools/xenolith-netprobe"
NS="xnt$$"
BR=xnbr0
DOM0_IP=10.99.0.1
NB_PID=

in_ns() {
    ip netns exec "$NS" "$@"
}

stop_netback() {
    [ -n "$NB_PID" ] || return 0
    kill -TERM "$NB_PID" 2>/dev/null
    for _ in $(seq 50); do
        proc_running "$NB_PID" || break
        sleep 0.1
    done
    kill -KILL "$NB_PID" 2>/dev/null
    wait "$NB_PID" 2>/dev/null
    NB_PID=
}

net_cleanup() {
    local rc=$?
    # What xenolith-commons started: its watcher first, so it starts
    # nothing more.
    local p
    for f in xenolith-commons-watch xenolith-netback xenolith-consoled; do
        p=$(cat "$RUNDIR/$f.pid" 2>/dev/null) || continue
        [ -n "$p" ] && kill -TERM "$p" 2>/dev/null
    done
    # Guests first, so their monitors take their devices down while the
    # store still answers.
    if [ -n "$RUNDIR" ] && [ -x "$XL" ]; then
        for d in $("$XL" list 2>/dev/null | awk 'NR > 2 { print $2 }'); do
            "$XL" destroy "$d" >/dev/null 2>&1
        done
    fi
    stop_netback
    if [ $rc -ne 0 ] && [ -n "$RUNDIR" ] && [ -f "$RUNDIR/log/netback.out" ]; then
        echo "--- $TEST_NAME: netback (last 40 lines)" >&2
        tail -n 40 "$RUNDIR/log/netback.out" >&2
    fi
    ip netns del "$NS" 2>/dev/null
    (exit $rc)
    xs_cleanup
}
trap net_cleanup EXIT

# start_net: the namespace and bridge, xenolithd and xenolith-stored,
# xenolith-netback in the namespace.
start_net() {
    for f in "$NETBACK" "$PROBE"; do
        [ -x "$f" ] || fail "missing $f: build first"
    done
    [ -c /dev/net/tun ] || fail "no /dev/net/tun: netback needs tap devices"
    ip netns add "$NS" || fail "cannot create network namespace $NS"
    in_ns ip link set lo up
    in_ns ip link add "$BR" type bridge || fail "cannot create bridge $BR"
    in_ns ip addr add "$DOM0_IP/24" dev "$BR"
    in_ns ip link set "$BR" up
    start_stack
    launch_netback
}

launch_netback() {
    # nsenter execs in place (ip netns exec may stay as a parent), so
    # $! is netback itself.
    nsenter --net="/run/netns/$NS" "$NETBACK" -F --rundir "$RUNDIR" >>"$RUNDIR/log/netback.out" 2>&1 &
    NB_PID=$!
    for _ in $(seq 100); do
        [ -s "$RUNDIR/xenolith-netback.pid" ] && [ "$(cat "$RUNDIR/xenolith-netback.pid")" = "$NB_PID" ] && return 0
        proc_running "$NB_PID" || fail "xenolith-netback exited at start: $(cat "$RUNDIR/log/netback.out")"
        sleep 0.05
    done
    fail "xenolith-netback did not start within 5 s"
}

# commons_start_netback: xenolith-commons start in the namespace, with
# xenolithd and xenolith-stored already running: it starts
# xenolith-consoled, xenolith-netback and its watcher (stopped by PID at
# exit, from their pid files).
commons_start_netback() {
    in_ns env XENOLITH_RUNDIR="$RUNDIR" XENOLITH_NETBACK="$NETBACK" \
        XENOLITH_CONSOLED="$BUILD/backends/xenolith-consoled" XENOLITH_STORED="$STORED" \
        XENOLITHD="$XENOLITHD" "$BUILD/dom0/xenolith-commons" start >"$RUNDIR/commons.out" 2>&1 ||
        fail "xenolith-commons start: $(cat "$RUNDIR/commons.out")"
    grep -q "xenolith-netback started" "$RUNDIR/commons.out" ||
        fail "xenolith-commons did not start netback: $(cat "$RUNDIR/commons.out")"
}

# net_guest NAME TESTS IP [extra config lines...]: a guest with one vif on
# the test bridge; prints its domid.
net_guest() {
    local name=$1 tests=$2 ip=$3 cfg
    shift 3
    cfg=$(write_cfg "$name" "$tests" "vif = [ 'bridge=$BR,ip=$ip' ]" "$@")
    in_ns "$XL" create "$cfg" >"$RUNDIR/create-$name.out" 2>&1 ||
        fail "xl create $name failed: $(cat "$RUNDIR/create-$name.out")"
    "$XL" domid "$name" || fail "xl domid $name failed"
}

# wait_console DOMID TEXT [SECONDS]: until the console has TEXT.
wait_console() {
    local secs=${3:-90}
    for _ in $(seq $((secs * 10))); do
        console_of "$1" | grep -qF -- "$2" && return 0
        daemon_alive || fail "xenolithd died"
        sleep 0.1
    done
    fail "console of domain $1 never showed '$2': $(console_of "$1" | tail -n 15)"
}
