#!/bin/bash
# xenolith-test: no-kvm (boots no guest, so it runs once, on this machine, not on each KVM host)
# xenolith-stored under bad input and load: malformed requests get the
# right ERROR, garbage gets its sender dropped and nobody else; concurrent
# clients in transactions all succeed (EAGAIN only on real conflicts, and
# the client retries); the trace log records requests on demand.
. "$(dirname "$0")/xenstored.bash"
# No daemon options here (start_stored passes its own on).
# shellcheck disable=SC2119
start_stored

# A bystander watching throughout.
bw="$RUNDIR/bystander.out"
xenstore-watch /bystander >"$bw" 2>&1 &
CLIENT_PIDS+=($!)
wait_lines "$bw" 1 || fail "bystander watch did not fire at registration"

"$XSTOOL" control log on >/dev/null || fail "CONTROL log on failed"
expect_out "malformed requests" 'unterminated ERROR EINVAL connected
unknown-type ERROR ENOSYS connected
invalid-path ERROR EINVAL connected
bad-chars ERROR EINVAL connected
bad-perms ERROR EINVAL connected
no-such-tx ERROR ENOENT connected
watch-event-from-client ERROR ENOSYS connected
length-over-4096 ERROR E2BIG closed
garbage-header ERROR E2BIG closed' "$XSTOOL" abuse
"$XSTOOL" control log off >/dev/null || fail "CONTROL log off failed"
trace="$RUNDIR/log/xenstored-trace.log"
grep -q 'IN READ req 42 tx 0 len 6 "/local"' "$trace" || fail "trace lacks the unterminated READ"
grep -q 'OUT ERROR req 42 tx 0 len 7 "EINVAL "' "$trace" || fail "trace lacks the EINVAL reply"
grep -q 'dropping connection .*: payload length over 4096' "$RUNDIR/daemon.log" ||
    fail "the daemon did not log why it dropped the garbage sender"
lines=$(wc -l <"$trace")
xenstore-read /local/domain/0/name >/dev/null
[ "$(wc -l <"$trace")" = "$lines" ] || fail "tracing continued after log off"

# Random bytes from several clients at once.
for i in 1 2 3 4; do
    head -c 20000 /dev/urandom | timeout 5 "$XSTOOL" send || fail "could not send garbage"
done
stored_alive || fail "xenolith-stored died on random bytes"

# Concurrency: 8 writers in transactions (the clients use them), on
# separate keys and on one shared key; every write lands.
for w in $(seq 1 8); do
    (
        for i in $(seq 1 40); do
            xenstore-write "/load/w$w/k$i" "$i" "/load/shared" "$w-$i" || exit 1
        done
    ) &
    CLIENT_PIDS+=($!)
done
for p in "${CLIENT_PIDS[@]:1}"; do
    wait "$p" || fail "a concurrent writer failed"
done
CLIENT_PIDS=("${CLIENT_PIDS[0]}")
n=$(xenstore-ls -f /load | grep -c '/k')
[ "$n" = 320 ] || fail "concurrent writers left $n keys, wanted 320"
stats=$("$XSTOOL" control stats) || fail "CONTROL stats failed"
note "$(echo "$stats" | tr '\n' ' ')"

# The bystander kept its connection and hears this.
xenstore-write /bystander/still 1 || fail "write failed"
wait_lines "$bw" 2 || fail "the bystander's watch stopped working: $(cat "$bw")"
expect_out "check" OK "$XSTOOL" control check
stored_alive || fail "xenolith-stored died"
exit 0
