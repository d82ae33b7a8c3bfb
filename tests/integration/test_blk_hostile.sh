#!/bin/bash
# A hostile frontend next to an honest one, on one xenolith-blkback. The
# hostile guest (test=hostile-blk) sends each class of bad request on its
# own ring: sectors past the end or wrapping, too many or no segments,
# first/last_sect outside the page, grant refs never granted, indirect
# requests with no, too many or ungranted segments or a bad operation,
# an unknown operation. Each must be answered with an error status and a
# good read must still work after them; then its request producer jumps
# two rings ahead and the backend must disconnect that device alone. The
# honest guest (test=blk) meanwhile does its data-integrity run on its
# own disk, and its data is checked on the host.
. "$(dirname "$0")/blk.bash"
blk_stack

good="$RUNDIR/good.raw"
bad="$RUNDIR/bad.raw"
truncate -s 8M "$good"
truncate -s 1M "$bad"
extra="test=blk blk_seed=44 blk_wsect=2048 blk_nwrites=150"
A=$(create_guest honest blk "memory = 64" "extra = \"$extra\"" "disk = [ '$good,raw,xvda,w' ]")
H=$(create_guest hostile hostile-blk "disk = [ '$bad,raw,xvda,w' ]")

expect_end "$H" s poweroff >/dev/null
expect_console "$H" "guest-test hostile-blk: ok"
for what in "read past the end -> -1" "12 direct segments -> -1" "last_sect past the page -> -1" \
    "a grant ref never granted -> -1" "indirect with 4096 segments -> -1" \
    "indirect page never granted -> -1" "an unknown operation -> -2" "a good read after all that -> 0"; do
    expect_console "$H" "hostile-blk: $what"
done
grep -q "vbd $H/51712: queue 0: request producer .* more than a ring ahead" "$BLKBACK_LOG" ||
    fail "blkback did not log the producer jump: $(tail -n 20 "$BLKBACK_LOG")"
case "$(xenstore-read "/local/domain/0/backend/vbd/$H/51712/state")" in
5 | 6) ;;
*) fail "the hostile guest's device is not closing" ;;
esac
blkback_alive || fail "xenolith-blkback died on the hostile guest"

expect_end "$A" s poweroff >/dev/null
expect_console "$A" "guest-test blk: ok"
[ "$(xenstore-read "/local/domain/0/backend/vbd/$A/51712/state")" = 4 ] ||
    fail "the honest guest's device was disturbed"
blk_verify "$good" 44 0 2048
# The hostile guest wrote nothing (its bad requests never reached the file).
cmp -s "$bad" <(head -c 1M /dev/zero) || fail "the hostile guest's disk was written"
exit 0
