#!/bin/bash
# Block devices end to end on a raw file: xl create with two disks (a
# read-write raw file as xvda, a read-only one as xvdb) through the block
# hotplug script; the guest (test=blk) reads what the host prepared
# (checksum and every sector), writes random ranges with many requests
# in flight and fills the gaps, flushes, writes a barrier, reads back,
# discards, and finds the read-only disk refusing a write. The host then
# checks the file byte for byte, the discarded range is a hole of zeros,
# and xl block-list shows both devices.
. "$(dirname "$0")/blk.bash"
blk_stack

disk="$RUNDIR/disk.raw"
ro="$RUNDIR/ro.raw"
truncate -s 16M "$disk"
truncate -s 1M "$ro"
HSECT=512
WSECT=2048
sum=$(blk_prepare "$disk" 11 "$HSECT")
extra="test=blk ${BLK_EXTRA:-} blk_hseed=11 blk_hsect=$HSECT blk_sum=$sum blk_seed=22 blk_wsect=$WSECT"
extra="$extra blk_nwrites=100 blk_discard_zero=1 blk_ro=51728"
G=$(create_guest blk blk "memory = 64" "extra = \"$extra\"" \
    "disk = [ '$disk,raw,xvda,rw', 'format=raw, vdev=xvdb, access=ro, target=$ro' ]")

# While it runs: both devices listed in xl's format.
for _ in $(seq 100); do
    [ "$(xenstore-read "/local/domain/0/backend/vbd/$G/51712/state" 2>/dev/null)" = 4 ] && break
    sleep 0.1
done
list=$("$XL" block-list "$G") || fail "xl block-list failed"
echo "$list" | head -n 1 | grep -qE '^Vdev +BE +handle +state +evt-ch +ring-ref +BE-path' ||
    fail "block-list header: $list"
echo "$list" | grep -qE "^51712 +0 +$G .*/local/domain/0/backend/vbd/$G/51712" ||
    fail "block-list lacks xvda: $list"
echo "$list" | grep -qE "^51728 +0 +$G " || fail "block-list lacks xvdb: $list"
expect_out "hotplug-status" connected xenstore-read "/local/domain/0/backend/vbd/$G/51712/hotplug-status"
expect_out "physical-device-path" "$disk" xenstore-read "/local/domain/0/backend/vbd/$G/51712/physical-device-path"
expect_out "virtual-device" 51712 xenstore-read "/local/domain/$G/device/vbd/51712/virtual-device"

expect_end "$G" s poweroff >/dev/null
expect_console "$G" "guest-test blk: ok"
expect_console "$G" "read-only disk refused a write with BLKIF_RSP_ERROR"
console_of "$G" | grep -qE "blk: [1-9][0-9]* requests granted in place, [1-9][0-9]* copied" ||
    fail "the guest did not use both data paths: $(console_of "$G" | grep 'granted in place')"
blk_verify "$disk" 11 0 "$HSECT"
blk_verify "$disk" 22 "$HSECT" "$WSECT"
blk_verify_zero "$disk" $((HSECT + WSECT)) 64
# The read-only disk is untouched.
cmp -s "$ro" <(head -c 1M /dev/zero) || fail "the read-only disk was written"
blkback_alive || fail "xenolith-blkback died"
grep -q "connected: " "$BLKBACK_LOG" || fail "blkback never logged a connection"

# xl destroy takes the devices away: both directories, blkback's rings
# and their journals.
"$XL" destroy "$G" || fail "xl destroy"
for _ in $(seq 50); do
    compgen -G "$RUNDIR/blkback/ring-$G-*" >/dev/null || break
    sleep 0.1
done
xenstore-exists "/local/domain/0/backend/vbd/$G" 2>/dev/null && fail "backend/vbd/$G outlived the domain"
compgen -G "$RUNDIR/blkback/ring-$G-*" >/dev/null && fail "ring journals outlived the domain"
blkback_alive || fail "xenolith-blkback died when the domain went"
exit 0
