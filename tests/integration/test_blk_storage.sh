#!/bin/bash
# blkback serving the storage library's disks, with the data-integrity
# run of test_blk: a dynamic VHD (format=vhd: host data written through
# the library, the guest's writes allocating blocks, checked afterwards
# by xenolith-img and by our VHD check) and a raw VDI of an LVM SR on a
# loop device, named sr:SR/VDI in the disk spec (reached through its
# segment map when the kernel has no device-mapper). Both guests run at
# once on one blkback.
. "$(dirname "$0")/blk.bash"
. "$(dirname "$0")/storage.bash"
# Both libraries clean up; blkback first (it has the volumes open), then
# the guests and daemons, then the volume group and loop devices. Called
# by the EXIT trap, which shellcheck does not follow.
# shellcheck disable=SC2317
blk_storage_exit() {
    local rc=$?
    stop_blkback
    (exit "$rc")
    (xs_cleanup)
    (exit "$rc")
    storage_cleanup
}
trap blk_storage_exit EXIT
storage_setup
blk_stack

vhd="$WORK/disk.vhd"
"$IMG" create -t dynamic -s 16m "$vhd" >/dev/null || fail "cannot create $vhd"
sumv=$(blk_prepare "$vhd" 61 256)

new_loop 96M
sr=$("$XL" sr-create type=lvm name=blksr device="$LOOP") || fail "sr-create type=lvm"
VGS+=("VG_XenStorage-$sr")
"$XL" vdi-create blksr name=rdisk size=16M format=raw >/dev/null || fail "vdi-create"
lv=$(vdi_field blksr rdisk target)
suml=$(blk_prepare "$lv" 71 256)

common="blk_hsect=256 blk_wsect=1024 blk_nwrites=60"
V=$(create_guest vhdg blk "memory = 64" \
    "extra = \"test=blk blk_hseed=61 blk_sum=$sumv blk_seed=62 $common\"" \
    "disk = [ 'format=vhd, vdev=xvda, access=rw, target=$vhd' ]")
L=$(create_guest lvmg blk "memory = 64" \
    "extra = \"test=blk blk_hseed=71 blk_sum=$suml blk_seed=72 $common\"" \
    "disk = [ 'vdev=xvda, target=sr:blksr/rdisk' ]")
expect_out "the VDI's backend params" "$lv" xenstore-read "/local/domain/0/backend/vbd/$L/51712/params"
expect_out "the VHD's backend format" vhd xenstore-read "/local/domain/0/backend/vbd/$V/51712/format"

expect_end "$V" s poweroff >/dev/null
expect_console "$V" "guest-test blk: ok"
expect_end "$L" s poweroff >/dev/null
expect_console "$L" "guest-test blk: ok"
grep -q "vbd $V/51712: .* (rw, 32768 sectors, storage library)" "$BLKBACK_LOG" ||
    fail "the VHD was not served through the library: $(head -n 5 "$BLKBACK_LOG")"

blk_verify "$vhd" 61 0 256
blk_verify "$vhd" 62 256 1024
"$IMG" check "$vhd" >/dev/null || fail "our check of $vhd: $("$IMG" check "$vhd")"
qemu_check "$vhd"
blk_verify "$lv" 71 0 256
blk_verify "$lv" 72 256 1024
blkback_alive || fail "xenolith-blkback died"
exit 0
