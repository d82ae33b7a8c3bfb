#!/bin/bash
# Ballooning end to end: xl mem-set shrinks a guest that has touched its
# memory, the host gets the memory back (the domain's memory file has
# fewer blocks), and grows it again; xl mem-max moves the limit; the
# refusals name the domain and the reason; the in-guest balloon test.
. "$(dirname "$0")/xenstored.bash"
start_stack

b=$(create_guest inguest balloon 'memory = 32')
expect_end "$b" s poweroff >/dev/null
expect_console "$b" "guest-test balloon: ok"
"$XL" destroy inguest

a=$(create_guest bal "service fill=24" 'memory = 64' 'maxmem = 96')
wait_console "$a" "service: ready"
wait_console "$a" "balloon: target 65536 KiB, now 65536 KiB"
before=$(backed_kib "$a")
[ "$before" -ge $((24 * 1024)) ] || fail "the guest filled 24 MiB but only $before KiB are backed"

"$XL" mem-set bal 24m || fail "xl mem-set bal 24m failed"
wait_console "$a" "balloon: target 24576 KiB, now 24576 KiB"
expect_out "memory/target" 24576 xenstore-read "/local/domain/$a/memory/target"
"$XL" list bal | grep -qE "^bal +$a +24 " || fail "xl list does not show 24 MiB: $("$XL" list bal)"
after=$(backed_kib "$a")
note "memory file backed: $before KiB before, $after KiB after ballooning to 24 MiB"
[ $((before - after)) -ge $((16 * 1024)) ] ||
    fail "ballooning 40 MiB out gave only $((before - after)) KiB back to the host"

"$XL" mem-set bal 65536k || fail "xl mem-set bal 65536k failed"
wait_console "$a" "balloon: target 65536 KiB, now 65536 KiB" 2
"$XL" list bal | grep -qE "^bal +$a +64 " || fail "xl list does not show 64 MiB again: $("$XL" list bal)"

# Refusals, each naming the domain and why.
out=$("$XL" mem-set bal 128 2>&1) && fail "xl mem-set above the maximum succeeded"
echo "$out" | grep -q "domain $a (bal).*above its maximum of 98304 KiB" || fail "unexpected refusal: $out"
out=$("$XL" mem-max bal 32m 2>&1) && fail "xl mem-max below the target succeeded"
echo "$out" | grep -q "domain $a (bal).*below its memory target of 65536 KiB" || fail "unexpected refusal: $out"
out=$("$XL" mem-set bal 12x 2>&1) && fail "xl mem-set with a bad size succeeded"
echo "$out" | grep -q "invalid memory size: 12x" || fail "unexpected refusal: $out"
out=$("$XL" mem-set nosuch 12m 2>&1) && fail "xl mem-set of a missing domain succeeded"
echo "$out" | grep -q "nosuch" || fail "the missing domain is not named: $out"
out=$("$XL" mem-set Domain-0 1g 2>&1) && fail "xl mem-set Domain-0 succeeded"

# Above memory= up to maxmem: RAM past the guest's memory map.
"$XL" mem-set bal 80m || fail "xl mem-set bal 80m failed"
wait_console "$a" "balloon: target 81920 KiB, now 81920 KiB"
"$XL" list bal | grep -qE "^bal +$a +80 " || fail "xl list does not show 80 MiB: $("$XL" list bal)"

# A higher maximum: the hypervisor's and memory/static-max. The domain's
# RAM ends at the maxmem it was created with, so it stops there.
"$XL" mem-max bal 200m || fail "xl mem-max bal 200m failed"
expect_out "memory/static-max" 204800 xenstore-read "/local/domain/$a/memory/static-max"
"$XL" list -l bal | grep -q '"maxmem": *200' || fail "xl list -l does not show maxmem 200"
"$XL" mem-set bal 150m || fail "xl mem-set bal 150m failed"
wait_console "$a" "balloon: target 153600 KiB, now 98304 KiB"

# A maximum beyond the host's memory is refused at create.
cfg=$(write_cfg greedy service 'maxmem = 16000000')
out=$("$XL" create "$cfg" 2>&1) && fail "maxmem beyond the host's memory was accepted"
echo "$out" | grep -q 'maxmem (16000000 MiB) of domain "greedy" is more than the host' ||
    fail "unexpected refusal: $out"

"$XL" shutdown -w bal || fail "xl shutdown bal failed"
expect_console "$a" "service: poweroff requested"
exit 0
