#!/bin/bash
# xenolith-test: no-kvm (boots no guest, so it runs once, on this machine, not on each KVM host)
# Debian's xenstore-utils against xenolith-stored: every client, its exact
# output, and its errors. (The clients wrap each operation in a
# transaction, so this also drives TRANSACTION_START/END.)
. "$(dirname "$0")/xenstored.bash"
# No daemon options here (start_stored passes its own on).
# shellcheck disable=SC2119
start_stored

# What a fresh store holds.
expect_out "fresh store" '/local = ""
/local/domain = ""
/local/domain/0 = ""
/local/domain/0/domid = "0"
/local/domain/0/name = "Domain-0"
/tool = ""
/tool/xenstored = ""' xenstore-ls -f /

# write (several pairs, parents created), read, ls -f, ls, list, exists
xenstore-write /vm/u1/name web1 /vm/u1/uuid u1 /local/domain/3/name web1 ||
    fail "xenstore-write failed"
expect_out "read two keys" 'web1
u1' xenstore-read /vm/u1/name /vm/u1/uuid
expect_out "read -p" '/vm/u1/name: web1' xenstore-read -p /vm/u1/name
expect_out "ls -f" '/vm/u1 = ""
/vm/u1/name = "web1"
/vm/u1/uuid = "u1"' xenstore-ls -f /vm
expect_out "ls" 'name = "web1"' xenstore-ls /local/domain/3
expect_out "list" 'name
uuid' xenstore-list /vm/u1
expect_out "exists" '' xenstore-exists /vm/u1
expect_err "exists on a missing node" '' xenstore-exists /vm/nope
expect_err "read of a missing node" 'xenstore-read: couldn'"'"'t read path /nope' xenstore-read /nope
expect_err "list of a missing node" 'xenstore-list: could not list path /nope' xenstore-list /nope
expect_err "ls of a missing node" 'xenstore-ls: xs_directory (/nope): No such file or directory' xenstore-ls /nope
expect_err "write of an invalid path" 'xenstore-write: could not write path /bad//path' \
    xenstore-write /bad//path x

# values: empty, spaces, longest the client sends in one message
xenstore-write /v/empty "" /v/spaced "a b  c" || fail "write of odd values failed"
expect_out "empty value" '' xenstore-read /v/empty
expect_out "spaced value" 'a b  c' xenstore-read /v/spaced
long=$(head -c 3000 /dev/zero | tr '\0' x)
xenstore-write /v/long "$long" || fail "write of a 3000-byte value failed"
[ "$(xenstore-read /v/long)" = "$long" ] || fail "3000-byte value came back different"

# a directory too big for one reply: the client falls back to DIRECTORY_PART
for i in $(seq -w 1 250); do echo "/big/entry-with-a-long-name-$i"; echo v; done |
    xargs xenstore-write || fail "writing 250 entries failed"
n=$(xenstore-list /big | wc -l)
[ "$n" = 250 ] || fail "xenstore-list of 250 entries gave $n lines"
[ "$(xenstore-list /big | head -n 1)" = entry-with-a-long-name-001 ] || fail "listing not sorted"
[ "$(xenstore-list /big | tail -n 1)" = entry-with-a-long-name-250 ] || fail "listing not sorted"

# chmod, ls -p (permissions), chmod -r
xenstore-chmod /vm/u1 n0 r3 || fail "xenstore-chmod failed"
expect_out "ls -p" 'u1 = ""  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r3)
 name = "web1" . . . . . . . . . . . . . . . . . . . . . . .  (n0)
 uuid = "u1" . . . . . . . . . . . . . . . . . . . . . . . .  (n0)' xenstore-ls -p /vm
xenstore-chmod -r /vm b0 || fail "xenstore-chmod -r failed"
expect_out "ls -p after chmod -r" 'u1 = ""  . . . . . . . . . . . . . . . . . . . . . . . . . .  (b0)
 name = "web1" . . . . . . . . . . . . . . . . . . . . . . .  (b0)
 uuid = "u1" . . . . . . . . . . . . . . . . . . . . . . . .  (b0)' xenstore-ls -p /vm
expect_err "chmod with a bad permission (the client checks)" "xenstore-chmod: Invalid permission specification: 'q'" \
    xenstore-chmod /vm q0

# rm, rm of a missing node under a missing parent, rm -t (tidy empty parents)
xenstore-rm /vm/u1/uuid || fail "xenstore-rm failed"
expect_out "list after rm" 'name' xenstore-list /vm/u1
expect_err "rm under a missing parent" 'xenstore-rm: could not remove path /nope/x' xenstore-rm /nope/x
xenstore-rm /vm/u1/missing || fail "rm of a missing node with a parent must succeed"
xenstore-rm -t /vm/u1/name || fail "xenstore-rm -t failed"
expect_err "rm -t removed the emptied parents" '' xenstore-exists /vm

# watch: fires at registration, on the path and below, not beside it;
# rm of the subtree fires on the removed path
out="$RUNDIR/watch.out"
xenstore-watch -n 5 /w >"$out" 2>&1 &
CLIENT_PIDS+=($!)
wait_lines "$out" 1 || fail "no watch event at registration"
xenstore-write /w/a 1 /wx 1 /w/b/c 2 || fail "writes under the watch failed"
xenstore-write /w 3 || fail "write of the watched node failed"
xenstore-rm /w || fail "rm of the watched subtree failed"
wait_lines "$out" 5 || fail "watch saw $(wc -l <"$out") events, wanted 5: $(cat "$out")"
wait "${CLIENT_PIDS[0]}" || fail "xenstore-watch -n 5 did not exit cleanly: $(cat "$out")"
CLIENT_PIDS=()
expect_out "watch events" '/w
/w/a
/w/b/c
/w
/w' cat "$out"

expect_out "check" 'OK' "$XSTOOL" control check
stored_alive || fail "xenolith-stored died"
exit 0
