#!/bin/bash
# xl shutdown and xl reboot ask the guest through control/shutdown and the
# guest acknowledges; a guest without the PV interface is refused unless
# -F, which stops it from the hypervisor.
. "$(dirname "$0")/xenstored.bash"
start_stack

# Asked politely: the guest acknowledges, stops with poweroff; -w waits.
a=$(create_guest polite wait-shutdown)
for _ in $(seq 300); do console_of "$a" | grep -q "wait-shutdown: ready" && break; sleep 0.1; done
expect_out "feature-poweroff" 1 xenstore-read "/local/domain/$a/control/feature-poweroff"
"$XL" shutdown -w polite || fail "xl shutdown -w polite failed"
expect_end "$a" s poweroff >/dev/null
expect_console "$a" "wait-shutdown: poweroff requested"
expect_console "$a" "guest-tests: 1 passed, 0 failed"
expect_out "the request was taken off" "" xenstore-read "/local/domain/$a/control/shutdown"

# Reboot: the guest stops with reason reboot (on_reboot=preserve keeps it).
b=$(create_guest rebooter wait-shutdown 'on_reboot = "preserve"')
for _ in $(seq 300); do console_of "$b" | grep -q "wait-shutdown: ready" && break; sleep 0.1; done
"$XL" reboot rebooter || fail "xl reboot rebooter failed"
expect_end "$b" s reboot >/dev/null
expect_console "$b" "wait-shutdown: reboot requested"

# No PV control interface: refused with the reason, then forced.
c=$(create_guest deaf evtchn-echo)
out=$("$XL" shutdown deaf 2>&1) && fail "xl shutdown of a guest without PV control succeeded"
echo "$out" | grep -q "domain $c (deaf) has no PV control interface" || fail "unexpected refusal: $out"
"$XL" list | grep -qE "^deaf +$c .*(r-----|-b----)" || fail "the refused shutdown stopped deaf anyway"
"$XL" shutdown -F deaf || fail "xl shutdown -F deaf failed"
expect_end "$c" s poweroff >/dev/null

out=$("$XL" shutdown Domain-0 2>&1) && fail "xl shutdown Domain-0 succeeded"
echo "$out" | grep -q "cannot shut down Domain-0" || fail "unexpected Domain-0 refusal: $out"
out=$("$XL" reboot nosuch 2>&1) && fail "xl reboot of a missing domain succeeded"
echo "$out" | grep -q nosuch || fail "the missing domain is not named: $out"
exit 0
