#!/bin/bash
# xenolith-consoled and xl console on real guests: a guest's output on its
# pty and in its log, a line typed into `xl console` (no terminal: a fifo)
# echoed back by the guest, Ctrl-] detaching, the log cap holding under a
# flood, a guest that corrupts its ring losing only its own console, a
# destroyed domain's console closed while consoled serves the others, and
# the errors xl console gives.
. "$(dirname "$0")/xenstored.bash"

CONSOLED="$BUILD/backends/xenolith-consoled"
[ -x "$CONSOLED" ] || fail "missing $CONSOLED: build first"
LOG_MAX=16384

start_stack
CONSOLED_LOG="$RUNDIR/consoled.out"
start_client "$CONSOLED_LOG" "$CONSOLED" -F --rundir "$RUNDIR" --log-max "$LOG_MAX"
CONSOLED_PID=${CLIENT_PIDS[-1]}
for _ in $(seq 100); do
    [ -s "$RUNDIR/xenolith-consoled.pid" ] && break
    kill -0 "$CONSOLED_PID" 2>/dev/null || fail "xenolith-consoled exited at start: $(cat "$CONSOLED_LOG")"
    sleep 0.05
done
[ "$(cat "$RUNDIR/xenolith-consoled.pid")" = "$CONSOLED_PID" ] ||
    fail "xenolith-consoled wrote no pid file: $(cat "$CONSOLED_LOG")"

# wait_text FILE TEXT SECONDS: FILE gets a line containing TEXT in time.
wait_text() {
    for _ in $(seq $(($3 * 20))); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# wait_gone PID SECONDS: the process has exited (and is reaped) in time.
wait_gone() {
    for _ in $(seq $(($2 * 20))); do
        proc_running "$1" || return 0
        sleep 0.05
    done
    return 1
}

consoled_alive() {
    kill -0 "$CONSOLED_PID" 2>/dev/null || fail "xenolith-consoled died: $(cat "$CONSOLED_LOG")"
}

# 1. A line typed into xl console reaches the guest, which echoes it back.
echo_id=$(create_guest c-echo console)
for k in ring-ref port type output limit; do
    xenstore-read "/local/domain/$echo_id/console/$k" >/dev/null ||
        fail "xl create wrote no console/$k for domain $echo_id"
done
[ "$(xenstore-read "/local/domain/$echo_id/console/ring-ref")" = $((0xfeff1)) ] ||
    fail "console/ring-ref is not the console's special page"
backend="/local/domain/0/backend/console/$echo_id/0"
[ "$(xenstore-read "/local/domain/$echo_id/console/backend")" = "$backend" ] ||
    fail "console/backend does not name $backend"
[ "$(xenstore-read "$backend/protocol")" = vt100 ] || fail "no console backend entries at $backend"
wait_text "$CONSOLED_LOG" "domain $echo_id (c-echo): console on" 10 ||
    fail "consoled did not open domain $echo_id's console: $(cat "$CONSOLED_LOG")"
tty=$(xenstore-read "/local/domain/$echo_id/console/tty")
case "$tty" in /dev/pts/*) ;; *) fail "console/tty is '$tty', not a pty" ;; esac

fifo="$RUNDIR/console.in"
mkfifo "$fifo"
exec 7<>"$fifo"
out="$RUNDIR/console-echo.out"
# Not start_client: an & job without a redirection of its own gets /dev/null.
"$XL" console -t pv c-echo <"$fifo" >"$out" 2>&1 &
xl_pid=$!
CLIENT_PIDS+=("$xl_pid")
wait_text "$out" "console: type a line" 60 || fail "xl console showed no prompt: $(cat "$out")"
grep -qF "xenolith-guest: booting" "$out" || fail "xl console missed the guest's first line: $(cat "$out")"
# 3000 bytes more than the 1 KiB input ring: they go in turns.
printf 'hello ring %s\n' "$(head -c 3000 /dev/zero | tr '\0' x)" >&7
wait_text "$out" "console: echo HELLO RING XXXXXXXX" 60 || fail "the typed line did not come back: $(cat "$out")"
wait_text "$out" "console: the line had 3012 bytes" 10 || fail "the guest did not get the whole line: $(cat "$out")"
expect_end "$echo_id" s poweroff >/dev/null
# The domain stopped: xl console ends by itself, successfully.
wait_gone "$xl_pid" 10 || fail "xl console still runs after domain $echo_id stopped"
wait "$xl_pid" || fail "xl console exited non-zero: $(cat "$out")"
grep -qF "guest-tests: 1 passed, 0 failed" "$out" || fail "xl console lost the last lines: $(cat "$out")"
exec 7>&-
log="$RUNDIR/console/guest-c-echo.log"
for want in "xenolith-guest: booting" "console: echo HELLO RING" "guest-tests: 1 passed, 0 failed"; do
    grep -qF -- "$want" "$log" || fail "$log lacks '$want': $(cat "$log")"
done
note "typed line echoed through ring, pty and xl console"

# 2. Ctrl-] detaches from a running domain (exit 0, the domain runs on).
wait_id=$(create_guest c-wait wait-shutdown)
wait_text "$RUNDIR/console/guest-c-wait.log" "wait-shutdown: ready" 60 ||
    fail "guest c-wait never got ready"
out2="$RUNDIR/console-detach.out"
printf 'x\035' | timeout 20 "$XL" console c-wait >"$out2" 2>&1 || fail "Ctrl-] did not detach with 0: $(cat "$out2")"
grep -qF "wait-shutdown: ready" "$out2" || fail "xl console showed nothing before the detach: $(cat "$out2")"
"$XL" list c-wait >/dev/null || fail "domain c-wait is gone after a detach"
printf 'y\001' | timeout 20 "$XL" console -e '^a' c-wait >"$out2" 2>&1 ||
    fail "-e ^a and Ctrl-A did not detach with 0: $(cat "$out2")"
"$XL" console -e '^ab' c-wait >"$out2" 2>&1; [ $? = 2 ] || fail "a bad -e was not a usage error: $(cat "$out2")"
# On a terminal (script(1) gives xl one): raw while attached, Ctrl-]
# detaches, and the terminal's modes are back afterwards.
# Ctrl-] is sent every second: one that comes before xl made the
# terminal raw waits in the line discipline for a newline and is
# discarded by xl's TCSAFLUSH (a slow host lost the only one).
command -v script >/dev/null || fail "no script(1) (util-linux's bsdutils): the terminal mode of xl console cannot be tested"
out5="$RUNDIR/console-tty.out"
(for _ in $(seq 15); do sleep 1; printf '\035' || exit 0; done) 2>/dev/null |
    timeout 20 script -qec "'$XL' console c-wait; stty -a" /dev/null >"$out5" 2>&1 ||
    fail "xl console on a terminal did not detach with 0: $(cat "$out5")"
grep -qE '(^| )icanon( |;|$)' "$out5" || fail "xl console left the terminal raw: $(cat "$out5")"

# 3. A flood: the log rotates at the cap and keeps the newest output.
flood_id=$(create_guest c-flood console-flood)
expect_end "$flood_id" s poweroff >/dev/null
flog="$RUNDIR/console/guest-c-flood.log"
wait_text "$flog" "guest-tests: 1 passed, 0 failed" 10 || fail "the flood's last lines are not in $flog"
[ -f "$flog.1" ] || fail "the flood did not rotate $flog"
for f in "$flog" "$flog.1"; do
    size=$(stat -c %s "$f")
    [ "$size" -le "$LOG_MAX" ] || fail "$f is $size bytes, past the $LOG_MAX cap"
done
grep -qF "console-flood: line 1499" "$flog" || fail "the newest flood line is not in $flog"
consoled_alive
note "flood of $(grep -c . "$RUNDIR/log/console-$flood_id.log") lines: log capped at $LOG_MAX bytes"

# 4. A guest that moves out_prod three rings ahead loses its console only.
hostile_id=$(create_guest c-hostile console-hostile)
expect_end "$hostile_id" s poweroff >/dev/null
wait_text "$CONSOLED_LOG" "domain $hostile_id (c-hostile): console ring corrupt" 10 ||
    fail "consoled did not report the corrupt ring: $(cat "$CONSOLED_LOG")"
consoled_alive

# 5. Destroyed domains' consoles close; consoled serves the one left.
"$XL" destroy c-echo || fail "xl destroy c-echo failed"
"$XL" destroy c-hostile || fail "xl destroy c-hostile failed"
wait_text "$CONSOLED_LOG" "domain $echo_id (c-echo): console closed" 10 ||
    fail "consoled kept domain $echo_id's console after destroy: $(cat "$CONSOLED_LOG")"
wait_text "$CONSOLED_LOG" "domain $hostile_id (c-hostile): console closed" 10 ||
    fail "consoled kept domain $hostile_id's console after destroy"
xenstore-exists "/local/domain/0/backend/console/$echo_id" 2>/dev/null &&
    fail "xl destroy left domain $echo_id's console backend entries"
out3="$RUNDIR/console-after.out"
start_client "$out3" "$XL" console c-wait </dev/null
"$XL" shutdown -w c-wait >/dev/null 2>&1 || fail "xl shutdown c-wait failed"
wait_text "$out3" "wait-shutdown: poweroff requested" 20 ||
    fail "consoled stopped serving c-wait after the others went: $(cat "$out3")"
grep -qF "wait-shutdown: poweroff requested" "$RUNDIR/console/guest-c-wait.log" ||
    fail "c-wait's log misses its last lines"
consoled_alive
note "consoles of destroyed domains closed; c-wait (domain $wait_id) still served"

# 6. xl create -c attaches to the new domain's pty from its first line
# and ends with the domain, destroyed as soon as it powers off: its last
# lines still come through.
out4="$RUNDIR/create-c.out"
cfg=$(write_cfg c-create cpuid 'on_poweroff = "destroy"')
timeout 60 "$XL" create -c "$cfg" </dev/null >"$out4" 2>&1 || fail "xl create -c failed: $(cat "$out4")"
grep -qF "xenolith-guest: booting" "$out4" || fail "xl create -c missed the first line: $(cat "$out4")"
grep -qF "guest-tests: 1 passed, 0 failed" "$out4" || fail "xl create -c missed the last line: $(cat "$out4")"
grep -qF "(c-create): console on" "$CONSOLED_LOG" || fail "xl create -c did not go through consoled's pty"

# 7. Errors name the domain and the reason.
err=$("$XL" console no-such-domain 2>&1) && fail "xl console of a missing domain succeeded"
echo "$err" | grep -qF "domain 'no-such-domain' does not exist" || fail "unexpected error: $err"
err=$("$XL" console -t serial c-flood 2>&1) && fail "xl console -t serial succeeded"
echo "$err" | grep -qF "pv" || fail "unexpected error for -t serial: $err"
kill -TERM "$CONSOLED_PID"
wait_gone "$CONSOLED_PID" 10 || fail "xenolith-consoled did not stop on SIGTERM"
[ -e "$RUNDIR/xenolith-consoled.pid" ] && fail "xenolith-consoled left its pid file"
err=$("$XL" console c-flood 2>&1) && fail "xl console without consoled succeeded"
echo "$err" | grep -qF "domain $flood_id (c-flood)" || fail "error does not name the domain: $err"
echo "$err" | grep -qF "xenolith-consoled is not running" || fail "error does not say why: $err"
nocon=$(create_guest c-nocon cpuid)
expect_end "$nocon" s poweroff >/dev/null
xenstore-read "/local/domain/$nocon/console/ring-ref" >/dev/null 2>&1 &&
    fail "a domain created without consoled got a console ring"
grep -qF "guest-tests: 1 passed" "$RUNDIR/log/console-$nocon.log" || fail "c-nocon did not run"

# 8. A consoled started again takes up the consoles of the domains there
# (not c-nocon's: it has none, and xl console says so).
start_client "$CONSOLED_LOG.2" "$CONSOLED" -F --rundir "$RUNDIR" --log-max "$LOG_MAX"
CONSOLED_PID=${CLIENT_PIDS[-1]}
CONSOLED_LOG="$CONSOLED_LOG.2"
wait_text "$CONSOLED_LOG" "domain $flood_id (c-flood): console on" 10 ||
    fail "a restarted consoled did not take up c-flood's console: $(cat "$CONSOLED_LOG")"
for _ in $(seq 100); do
    [ -s "$RUNDIR/xenolith-consoled.pid" ] && break
    sleep 0.05
done
err=$("$XL" console c-nocon 2>&1) && fail "xl console of a domain without a console succeeded"
echo "$err" | grep -qF "domain $nocon (c-nocon) has no console: it was created while xenolith-consoled was not running" ||
    fail "unexpected error for a domain without a console: $err"
consoled_alive
exit 0
