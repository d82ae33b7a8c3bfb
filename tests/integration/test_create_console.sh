#!/bin/bash
# `xl create -c` shows the guest's console from its first line to its
# last, and the default on_poweroff=destroy removes the domain.
. "$(dirname "$0")/lib.sh"
start_daemon

cat >"$RUNDIR/demo.cfg" <<CFG
name = "demo"
type = "pvh"
kernel = "$GUEST"
memory = 32
CFG
out=$(timeout 60 "$XL" create -c "$RUNDIR/demo.cfg" 2>&1) || fail "xl create -c failed: $out"
echo "$out" | grep -q '^xenolith-guest: booting' || fail "no first console line in: $out"
echo "$out" | grep -q '^Xenolith guest kernel on Xen 4.17' || fail "no banner in: $out"
echo "$out" | grep -q '^total RAM: 32 MiB' || fail "guest saw the wrong RAM size: $out"

for _ in $(seq 50); do
    "$XL" list | grep -q '^demo ' || break
    sleep 0.1
done
"$XL" list | grep -q '^demo ' && fail "on_poweroff=destroy left the domain: $("$XL" list)"
"$XL" list | head -n 2 | tail -n 1 | grep -q '^Domain-0 ' || fail "Domain-0 is not listed first"
exit 0
