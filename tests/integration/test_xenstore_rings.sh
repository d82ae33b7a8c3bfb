#!/bin/bash
# XenStore over guest rings: xenolithd and xenolith-stored together, xl
# create writing the domain's entries and introducing it, the guest
# kernel's xenbus client (test=xenbus) on its ring, Dom0 poking it
# through Debian's xenstore-utils; a guest that corrupts its ring indices
# (test=xenbus-hostile) loses its connection while the daemon, Dom0 and
# the other guest carry on; a guest that powers off is released
# (@releaseDomain) and the monitor removes its entries. From Dom0, a
# paused guest's ring is scribbled on between RELEASE and a second
# INTRODUCE: the request side's check drops it too.
. "$(dirname "$0")/xenstored.bash"
XSRING="$BUILD/tests/tools/xenolith-xs-ring"
[ -x "$XSRING" ] || fail "missing $XSRING: build first"
start_stack

intro="$RUNDIR/introduce.out"
start_client "$intro" xenstore-watch @introduceDomain
wait_lines "$intro" 1 || fail "@introduceDomain watch did not fire at registration"

# The guest that waits for Dom0; the monitor destroys it on poweroff.
A=$(create_guest xb xenbus 'on_poweroff = "destroy"')
wait_lines "$intro" 2 || fail "@introduceDomain did not fire when xl created domain $A"
expect_out "IS_DOMAIN_INTRODUCED" T "$XSTOOL" is-introduced "$A"

for _ in $(seq 300); do
    console_of "$A" | grep -qxF "xenbus: waiting for data/poke" && break
    daemon_alive || fail "xenolithd died"
    sleep 0.1
done
console_of "$A" | grep -qxF "xenbus: waiting for data/poke" ||
    fail "the xenbus guest never reached its watch: $(console_of "$A" | tail -n 20)"

# What xl wrote, with the permissions a Xen toolstack gives.
vm=$(xenstore-read "/local/domain/$A/vm") || fail "no vm entry for domain $A"
case "$vm" in /vm/????????-????-????-????-????????????) ;; *) fail "vm entry '$vm'" ;; esac
expect_out "name" xb xenstore-read "/local/domain/$A/name"
expect_out "domid" "$A" xenstore-read "/local/domain/$A/domid"
expect_out "vm name" xb xenstore-read "$vm/name"
expect_out "vm uuid" "${vm#/vm/}" xenstore-read "$vm/uuid"
expect_out "store ring-ref" 1044464 xenstore-read "/local/domain/$A/store/ring-ref"
ls=$(xenstore-ls -fp "/local/domain/$A") || fail "xenstore-ls -fp failed"
echo "$ls" | grep -qE "^/local/domain/$A/name = \"xb\" +\(n0,r$A\)$" ||
    fail "name is not owned by Dom0 and readable by the guest: $ls"
echo "$ls" | grep -qE "^/local/domain/$A/data = \"\" +\(n$A\)$" || fail "data is not the guest's own: $ls"
# The guest's watch on data/poke came over its ring.
expect_out "the guest's watch" 1 sh -c "'$XSTOOL' control quota $A | sed -n 's/^watches *//p'"

# The hostile guest: corrupts both ring directions and notifies.
H=$(create_guest xh xenbus-hostile)
expect_end "$H" s poweroff >/dev/null
expect_console "$H" "guest-test xenbus-hostile: ok"
grep -qE "dropping connection [0-9]+ \(domain $H\): ring indices corrupt" "$STORED_LOG" ||
    fail "xenolith-stored did not log dropping domain $H's connection: $(tail -n 20 "$STORED_LOG")"
stored_alive || fail "xenolith-stored died on a corrupted ring"
grep -qE "dropping connection [0-9]+ \(domain $A\)" "$STORED_LOG" &&
    fail "domain $A's connection was dropped too: $(tail -n 20 "$STORED_LOG")"
xenstore-write /local/domain/0/rings-test ok || fail "Dom0 write after the hostile guest"
expect_out "Dom0 read after the hostile guest" ok xenstore-read /local/domain/0/rings-test

# The first guest still has its ring: Dom0 pokes, the guest's watch fires.
rel="$RUNDIR/release.out"
start_client "$rel" xenstore-watch -n 2 @releaseDomain
REL_PID=${CLIENT_PIDS[-1]}
wait_lines "$rel" 1 || fail "@releaseDomain watch did not fire at registration"
xenstore-write "/local/domain/$A/data/poke" poked || fail "Dom0 poke failed"
for _ in $(seq 300); do
    console_of "$A" | grep -qF "guest-tests: " && break
    sleep 0.1
done
expect_console "$A" "guest-test xenbus: ok"
expect_console "$A" "guest-tests: 1 passed, 0 failed"

# Powered off, destroyed by the monitor: released, entries gone.
for _ in $(seq 100); do
    "$XL" domid xb >/dev/null 2>&1 || break
    sleep 0.1
done
"$XL" domid xb >/dev/null 2>&1 && fail "on_poweroff=destroy left domain $A"
wait_lines "$rel" 2 || fail "@releaseDomain did not fire for domain $A: $(cat "$rel")"
wait "$REL_PID" || fail "xenstore-watch -n 2 @releaseDomain did not exit cleanly: $(cat "$rel")"
for _ in $(seq 100); do
    xenstore-exists "/local/domain/$A" 2>/dev/null || break
    sleep 0.1
done
xenstore-exists "/local/domain/$A" 2>/dev/null &&
    fail "the monitor left /local/domain/$A: $(xenstore-ls -f "/local/domain/$A")"
xenstore-exists "$vm" 2>/dev/null && fail "the monitor left $vm"
expect_out "released" F "$XSTOOL" is-introduced "$A"
grep -qE "domain $A (is gone|released)" "$STORED_LOG" || fail "xenolith-stored did not release domain $A"

# A paused guest (it never touches its ring): release it, put its
# req_prod three rings ahead, introduce it again on the same ring.
cfg=$(write_cfg xp cpuid 'on_poweroff = "destroy"')
"$XL" create -p "$cfg" >"$RUNDIR/create-xp.out" 2>&1 || fail "xl create -p: $(cat "$RUNDIR/create-xp.out")"
P=$("$XL" domid xp) || fail "xl domid xp"
"$XSTOOL" release "$P" || fail "RELEASE of domain $P"
ring=$("$XSRING" "$P" show) || fail "cannot read domain $P's ring: $ring"
cons=$(echo "$ring" | sed -n 's/.*req_cons=\([0-9]*\).*/\1/p')
"$XSRING" "$P" set req_prod $(((cons + 3 * 1024) & 0xffffffff)) || fail "cannot scribble on the ring"
port=$(xenstore-read "/local/domain/$P/store/port") || fail "no store/port for domain $P"
"$XSTOOL" introduce "$P" 0xfeff0 "$port" || fail "second INTRODUCE of domain $P"
for _ in $(seq 50); do
    grep -qE "dropping connection [0-9]+ \(domain $P\): ring indices corrupt: req_prod" "$STORED_LOG" && break
    sleep 0.1
done
grep -qE "dropping connection [0-9]+ \(domain $P\): ring indices corrupt: req_prod .* more than a ring ahead" \
    "$STORED_LOG" || fail "xenolith-stored trusted a req_prod three rings ahead: $(tail -n 5 "$STORED_LOG")"
"$XSRING" "$P" show | grep -q " error=2 " || fail "the ring's error field is not XENSTORE_ERROR_RINGIDX"
expect_out "Dom0 still served" ok xenstore-read /local/domain/0/rings-test
"$XL" destroy xp || fail "xl destroy xp failed"
for _ in $(seq 100); do
    xenstore-exists "/local/domain/$P" 2>/dev/null || break
    sleep 0.1
done
xenstore-exists "/local/domain/$P" 2>/dev/null && fail "the monitor left /local/domain/$P after xl destroy"

# The hostile guest was kept (on_poweroff=preserve), so its monitor is
# gone; xl destroy itself cleans its entries up.
xenstore-exists "/local/domain/$H" || fail "the preserved guest's entries went before it was destroyed"
"$XL" destroy xh || fail "xl destroy xh failed"
xenstore-exists "/local/domain/$H" 2>/dev/null && fail "xl destroy left /local/domain/$H behind"
stored_alive || fail "xenolith-stored died"
exit 0
