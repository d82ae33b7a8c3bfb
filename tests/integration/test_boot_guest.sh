#!/bin/bash
# The guest kernel boots on /dev/kvm through its PVH entry, runs the
# in-guest tests of this slice and powers off with every test passed.
. "$(dirname "$0")/lib.sh"
start_daemon

domid=$(create_guest probe hypercalls,cpuid,memmap)
expect_end "$domid" s poweroff >/dev/null
expect_console "$domid" "xenolith-guest: booting"
for t in hypercalls cpuid memmap; do
    expect_console "$domid" "guest-test $t: ok"
done
expect_console "$domid" "guest-tests: 3 passed, 0 failed"
# The 100 KiB CONSOLEIO_write is taken in two continued traps, every line
# once and in order.
n=$(console_of "$domid" | grep -cF "console_io: a long write, continued every 64 KiB")
[ "$n" = 1599 ] || fail "the long console write shows $n of its 1599 lines"
console_of "$domid" | grep -A1 -F "console_io: a long write" | tail -n 1 |
    grep -qF "console_io: the long write ends here" || fail "the long console write's last line is missing or out of place"

# The domain stays (on_poweroff=preserve) until destroyed, as in Xen.
"$XL" list | grep -qE "^probe +$domid .*---s--" || fail "xl list does not show probe as shut down: $("$XL" list)"
"$XL" destroy probe || fail "xl destroy probe failed"
"$XL" list | grep -q '^probe ' && fail "probe still listed after destroy"
exit 0
