#!/bin/bash
# A frontend that closes its vbd and starts over while requests are in
# flight (blkback holds every finished request 3 s: the stall knob). The
# backend must stay Closing until they are done (as Linux's blkback does)
# and only then close and connect the new ring, which must see none of
# the old requests; the guest (test=blk-reconnect) checks both and that
# the new ring reads back what it wrote. blkback must be alive after and
# must not have refused a connect for a ring still draining (the walk
# never tries one).
. "$(dirname "$0")/blk.bash"
export XENOLITH_BLKBACK_STALL_MS=3000
blk_stack

disk="$RUNDIR/disk.raw"
truncate -s 4M "$disk"
G=$(create_guest recon blk-reconnect "extra = \"test=blk-reconnect blk_stall_ms=3000\"" \
    "disk = [ '$disk,raw,xvda,w' ]")

expect_end "$G" s poweroff >/dev/null
expect_console "$G" "guest-test blk-reconnect: ok"
expect_console "$G" "blk-reconnect: the new ring saw only its own responses"
blkback_alive || fail "xenolith-blkback died: $(tail -n 20 "$BLKBACK_LOG")"
grep -q "of the last connection still in flight" "$BLKBACK_LOG" &&
    fail "blkback was asked to connect over a draining ring: $(tail -n 20 "$BLKBACK_LOG")"
# What the new ring wrote is on the disk: sector 64, bytes i * 7 + 3.
python3 - "$disk" <<'PY' || fail "the new ring's write is not on the disk"
import sys
with open(sys.argv[1], "rb") as f:
    f.seek(64 * 512)
    data = f.read(4096)
sys.exit(0 if data == bytes((i * 7 + 3) & 0xff for i in range(4096)) else 1)
PY
exit 0
