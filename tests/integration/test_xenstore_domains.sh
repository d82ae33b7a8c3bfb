#!/bin/bash
# xenolith-test: no-kvm (boots no guest, so it runs once, on this machine, not on each KVM host)
# Domains in xenolith-stored, with real clients: INTRODUCE and RELEASE
# (and their @introduceDomain/@releaseDomain watches), a guest's relative
# paths, permissions and quotas, and a released domain losing its
# connections and watches. Guests speak through the domain-socket
# transport, which plugs in where guest rings will.
. "$(dirname "$0")/xenstored.bash"
start_stored --domain-sockets --quota nodes=8

events="$RUNDIR/domain-events.out"
xenstore-watch -n 3 @introduceDomain >"$events.in" 2>&1 &
CLIENT_PIDS+=($!)
xenstore-watch -n 2 @releaseDomain >"$events.out" 2>&1 &
CLIENT_PIDS+=($!)
if ! wait_lines "$events.in" 1 || ! wait_lines "$events.out" 1; then
    fail "special watches did not fire at registration"
fi

# What a toolstack does for domain 5: its home, owned by Dom0 and readable
# by the guest, with a writable part; then INTRODUCE.
xenstore-write /local/domain/5/name guest5 /local/domain/5/domid 5 \
    /local/domain/5/data/placeholder "" || fail "toolstack writes failed"
xenstore-chmod -r /local/domain/5 n0 r5 || fail "chmod of the home failed"
xenstore-chmod -r /local/domain/5/data n5 || fail "chmod of data/ failed"
expect_out "not introduced yet" F "$XSTOOL" is-introduced 5
"$XSTOOL" introduce 5 0x1234 7 || fail "INTRODUCE failed"
expect_out "introduced" T "$XSTOOL" is-introduced 5
expect_out "domain path" /local/domain/5 "$XSTOOL" domain-path 5
"$XSTOOL" introduce 5 0x1234 7 || fail "a repeated INTRODUCE of the same ring must succeed"
wait_lines "$events.in" 2 || fail "@introduceDomain did not fire on INTRODUCE"

# The guest: relative paths, its own subtree, nothing of Dom0's.
expect_out "guest reads its name" guest5 as_domain 5 xenstore-read name
expect_out "guest reads by absolute path" guest5 as_domain 5 xenstore-read /local/domain/5/name
expect_err "guest cannot read Dom0's nodes" "xenstore-read: couldn't read path /local/domain/0/name" \
    as_domain 5 xenstore-read /local/domain/0/name
expect_err "guest cannot write where it may only read" "xenstore-write: could not write path name" \
    as_domain 5 xenstore-write name evil
expect_out "its name unchanged" guest5 xenstore-read /local/domain/5/name
as_domain 5 xenstore-write data/a 1 data/b 2 || fail "guest write to data/ failed"
expect_out "guest's writes, seen by Dom0" '/local/domain/5/data/a = "1"
/local/domain/5/data/b = "2"
/local/domain/5/data/placeholder = ""' xenstore-ls -f /local/domain/5/data
expect_out "the guest owns what it creates" 'a = "1"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n5)
b = "2"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n5)
placeholder = "" . . . . . . . . . . . . . . . . . . . . . .  (n5)' xenstore-ls -p /local/domain/5/data

# Quota: nodes=8 for guests. Dom0 made the home's five nodes, so data/ and
# placeholder are 5's (two nodes) after the chmod, plus a and b: four.
as_domain 5 xenstore-write data/c 3 data/d 4 data/e 5 data/f 6 || fail "writes within quota failed"
expect_err "over the node quota" "xenstore-write: could not write path data/g" \
    as_domain 5 xenstore-write data/g 7
expect_err "nothing half-written" '' xenstore-exists /local/domain/5/data/g
as_domain 5 xenstore-rm data/f || fail "rm within its own subtree failed"
as_domain 5 xenstore-write data/g 7 || fail "a node freed by rm could not be reused"
expect_out "quota usage" 'nodes                8
watches              0
transactions         0
introduced         yes' "$XSTOOL" control quota 5
big=$(head -c 2049 /dev/zero | tr '\0' v)
expect_err "over the value-size quota" "xenstore-write: could not write path data/a" \
    as_domain 5 xenstore-write data/a "$big"
xenstore-write /local/domain/5/data/a "$big" || fail "Dom0 is exempt from quotas"
"$XSTOOL" control quota set nodes 1000 >/dev/null || fail "CONTROL quota set failed"

# A guest watch, relative, that Dom0 then fires.
gw="$RUNDIR/guest-watch.out"
as_domain 5 xenstore-watch control/shutdown >"$gw" 2>&1 &
GUEST_WATCH=$!
CLIENT_PIDS+=("$GUEST_WATCH")
wait_lines "$gw" 1 || fail "guest watch did not fire at registration"
xenstore-write /local/domain/5/control/shutdown poweroff || fail "Dom0 write failed"
wait_lines "$gw" 2 || fail "guest watch did not fire on Dom0's write: $(cat "$gw")"
expect_out "guest watch events are relative" 'control/shutdown
control/shutdown' cat "$gw"
expect_out "one watch counted" '1' sh -c "'$XSTOOL' control quota 5 | sed -n 's/^watches *//p'"

# RELEASE: the guest's connections (and its watch) go, @releaseDomain fires.
"$XSTOOL" release 5 || fail "RELEASE failed"
expect_out "released" F "$XSTOOL" is-introduced 5
# (libxenstore's watcher does not exit when the daemon hangs up; it just
# hears nothing more.)
xenstore-write /local/domain/5/control/shutdown reboot || fail "Dom0 write failed"
wait_lines "$events.out" 2 || fail "@releaseDomain did not fire on RELEASE"
[ -e "$RUNDIR/xenstored/domain/5" ] && fail "the released domain's socket is still there"
expect_err "RELEASE of an unknown domain" "xenolith-xs-tool: release: No such file or directory" \
    "$XSTOOL" release 5
expect_out "its nodes stay for the toolstack to remove" guest5 xenstore-read /local/domain/5/name
expect_out "no watches left on the guest" '0' sh -c "'$XSTOOL' control quota 5 | sed -n 's/^watches *//p'"
expect_out "the released guest heard nothing more" 'control/shutdown
control/shutdown' cat "$gw"

# 50 domains come and go; the counters stay right.
for d in $(seq 10 59); do
    xenstore-write "/local/domain/$d/name" "d$d" || fail "write for domain $d"
    "$XSTOOL" introduce "$d" "$d" 1 || fail "introduce $d"
done
wait_lines "$events.in" 3 || fail "@introduceDomain missed"
for d in $(seq 10 59); do "$XSTOOL" release "$d" || fail "release $d"; done
expect_out "check after churn" OK "$XSTOOL" control check
expect_err "INTRODUCE of domain 0" "xenolith-xs-tool: introduce: Invalid argument" \
    "$XSTOOL" introduce 0 1 1
stored_alive || fail "xenolith-stored died"
exit 0
