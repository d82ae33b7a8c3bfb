#!/bin/bash
# The monitor's restart actions: on_crash=restart rebuilds a crashing
# guest under the same name (new domid) until the rate limit stops it;
# on_crash=preserve keeps it; xl reboot with on_reboot's default (restart)
# boots the guest again; rename-restart keeps the old one as NAME-1.
# Also the create refusals: a taken name, a bad value and an unreadable
# kernel named with file and line.
. "$(dirname "$0")/xenstored.bash"
start_stack

wait_log() {
    for _ in $(seq 600); do
        [ "$(grep -cF -- "$2" "$RUNDIR/log/xl-$1.log" 2>/dev/null)" -ge "${3:-1}" ] && return 0
        sleep 0.1
    done
    fail "the monitor of $1 never logged '$2': $(tail -n 20 "$RUNDIR/log/xl-$1.log")"
}

# A domain's state letters in xl list (e.g. --ps--), by name.
state_of() {
    "$XL" list "$1" | awk -v n="$1" '$1 == n { print $5 }'
}

# on_crash=restart with a guest that crashes at once (an unknown test).
# The ids come from the monitor's log: the guest crashes within
# milliseconds, so by the time `xl domid` could ask, it has been restarted.
"$XL" create "$(write_cfg crasher no-such-test 'on_crash = "restart"')" >"$RUNDIR/create-crasher.out" 2>&1 ||
    fail "xl create crasher failed: $(cat "$RUNDIR/create-crasher.out")"
wait_log crasher "restarted domain crasher as domain" 1
c0=$(sed -n 's/.*Waiting for domain crasher (domid \([0-9]*\)).*/\1/p' "$RUNDIR/log/xl-crasher.log" | head -n 1)
c1=$(sed -n 's/.*restarted domain crasher as domain \([0-9]*\).*/\1/p' "$RUNDIR/log/xl-crasher.log" | head -n 1)
if [ -z "$c0" ] || [ -z "$c1" ]; then
    fail "no domids in the monitor's log: $(cat "$RUNDIR/log/xl-crasher.log")"
fi
[ "$c1" != "$c0" ] || fail "the restarted crasher kept domid $c0"
# The rate limit: after 5 restarts within 60 s the monitor gives up and
# the last one is left crashed, under the same name.
wait_log crasher "not restarting it again"
[ "$(grep -c "restarted domain crasher as domain" "$RUNDIR/log/xl-crasher.log")" = 5 ] ||
    fail "expected 5 restarts: $(cat "$RUNDIR/log/xl-crasher.log")"
last=$("$XL" domid crasher) || fail "no domain crasher after the rate limit"
case "$(state_of crasher)" in
*c*) ;;
*) fail "the last crasher is not left crashed: $("$XL" list crasher)" ;;
esac
expect_console "$last" "guest-tests: 0 passed, 1 failed"
"$XL" destroy crasher

# on_crash=preserve keeps the crashed domain as it is.
p=$(create_guest keeper no-such-test)
expect_end "$p" c crash >/dev/null
wait_log keeper "preserving domain $p"
expect_out "the preserved domain" "$p" "$XL" domid keeper
"$XL" destroy keeper

# xl reboot: on_reboot defaults to restart; a new domid, the same name,
# booted again.
r0=$(create_guest rebooter wait-shutdown)
wait_console "$r0" "wait-shutdown: ready"
out=$("$XL" reboot rebooter 2>&1) || fail "xl reboot rebooter failed: $out"
wait_log rebooter "restarted domain rebooter as domain"
r1=$("$XL" domid rebooter) || fail "no domain rebooter after the reboot"
[ "$r1" != "$r0" ] || fail "the rebooted domain kept domid $r0"
wait_console "$r1" "wait-shutdown: ready"
expect_out "its name in XenStore" rebooter xenstore-read "/local/domain/$r1/name"
xenstore-exists "/local/domain/$r0" && fail "the old domain's XenStore entries are still there"
# And again, with the restarted one (the monitor keeps watching).
"$XL" shutdown -w rebooter || fail "xl shutdown of the restarted rebooter failed"
expect_console "$r1" "wait-shutdown: poweroff requested"

# rename-restart: the old one stays as NAME-1, a new NAME runs.
n0=$(create_guest phoenix wait-shutdown 'on_poweroff = "rename-restart"')
wait_console "$n0" "wait-shutdown: ready"
"$XL" shutdown phoenix || fail "xl shutdown phoenix failed"
wait_log phoenix "restarted domain phoenix as domain"
expect_out "the old phoenix" "$n0" "$XL" domid phoenix-1
n1=$("$XL" domid phoenix) || fail "no new phoenix"
[ "$n1" != "$n0" ] || fail "the new phoenix has the old domid"
expect_out "old name in XenStore" phoenix-1 xenstore-read "/local/domain/$n0/name"
"$XL" destroy phoenix-1
"$XL" destroy phoenix

# Refusals at create.
a=$(create_guest twin wait-shutdown)
cfg=$(write_cfg twin wait-shutdown)
out=$("$XL" create "$cfg" 2>&1) && fail "a second domain named twin was created"
echo "$out" | grep -q "cannot create domain twin: domain $a already has that name" ||
    fail "unexpected refusal: $out"
cfg=$(write_cfg badvalue wait-shutdown 'vcpus = "many"')
out=$("$XL" create "$cfg" 2>&1) && fail "vcpus = \"many\" was accepted"
echo "$out" | grep -q "$cfg:8: key \"vcpus\" must be a number" || fail "the bad value is not named with file and line: $out"
cfg="$RUNDIR/nokernel.cfg"
printf 'name = "nokernel"\ntype = "pvh"\nmemory = 32\nkernel = "%s/missing-kernel"\n' "$RUNDIR" >"$cfg"
out=$("$XL" create "$cfg" 2>&1) && fail "a missing kernel was accepted"
echo "$out" | grep -q "$cfg:4: kernel \"$RUNDIR/missing-kernel\": No such file" ||
    fail "the missing kernel is not named with file and line: $out"
printf 'name = "nokernel"\ntype = "pvh"\nmemory = 32\n' >"$cfg"
out=$("$XL" create "$cfg" 2>&1) && fail "a config without kernel= was accepted"
echo "$out" | grep -q "$cfg: cannot create domain nokernel: no kernel= given" ||
    fail "unexpected refusal: $out"
"$XL" destroy twin
exit 0
