#!/bin/bash
# xenolith-test: no-kvm (boots no guest, so it runs once, on this machine, not on each KVM host)
# Crash consistency: a writer doing allocating writes through the library
# is killed with SIGKILL at many points. After each kill the image opens,
# our check and qemu-img are clean, and every write acknowledged before
# the kill reads back (the one in flight may or may not have landed).
. "$(dirname "$0")/storage.bash"
storage_setup
cd "$WORK" || fail "cd $WORK"

# crash_rounds IMAGE ROUNDS: kill the writer ROUNDS times, checking after
# each; seeds and logs accumulate so every earlier round is checked too.
crash_rounds() {
    local img=$1 rounds=$2 logs=() i pid delay
    for i in $(seq "$rounds"); do
        "$IMG" crashwriter "$img" "$((i * 7919 + ${#img}))" >"$img.log.$i" 2>"$img.err.$i" &
        pid=$!
        PIDS+=("$pid")
        # 10 to 120 ms, each round in a part of the disk no earlier round
        # wrote: nearly every write allocates a block, so the kills land
        # amid allocations.
        delay=$(python3 -c "import random; random.seed($i); print(random.uniform(0.01, 0.12))")
        sleep "$delay"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        [ -s "$img.err.$i" ] && fail "writer failed before the kill: $(cat "$img.err.$i")"
        # A kill before the first acknowledged write would test nothing.
        grep -q '^ack ' "$img.log.$i" || fail "round $i: the writer was killed before any write was acknowledged"
        logs+=("$img.log.$i")
        out=$("$IMG" check "$img") || fail "round $i: check after the kill: $out"
        qemu_check "$img"
        out=$("$IMG" verify "$img" "${logs[@]}") || fail "round $i: $out"
    done
    note "$img: $rounds kills; last: $out"
}

"$IMG" create -s 2G dyn.vhd || fail "create"
crash_rounds dyn.vhd 16

# A differencing child over a parent with data: sectors not written in
# the child must keep showing the parent's bytes, which verify does not
# know, so the child's parent is all zeros except where we look.
"$IMG" create -s 4G base.vhd || fail "create base"
"$IMG" create -p base.vhd diff.vhd || fail "create child"
crash_rounds diff.vhd 8

# qemu-img still reads the whole image (that it reads the same bytes as
# we do is test_storage_interop's business).
qemu-img compare -f vpc -F vpc dyn.vhd dyn.vhd >/dev/null || fail "qemu-img cannot read the crashed image"
