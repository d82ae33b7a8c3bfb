#!/bin/bash
# Disks attached and detached while the guest runs: xl block-attach
# writes the device and runs the block script; the guest (test=blk-hotplug)
# finds it through its watch on device/vbd, connects, writes and reads
# back; xl block-list shows it; xl block-detach closes it through the
# XenbusState handshake (the guest closes its side), removes it from
# XenStore and block-list; the host finds the guest's data in the file.
# Bad attach requests are refused with xl's messages, and so is a disk
# another domain has writable (the block script's sharing check). A
# domain with a disk that powers off has its disk removed by its monitor.
. "$(dirname "$0")/blk.bash"
blk_stack

disk="$RUNDIR/hot.raw"
truncate -s 4M "$disk"
G=$(create_guest hot blk-hotplug "extra = \"test=blk-hotplug blk_seed=31\"")
for _ in $(seq 300); do
    console_of "$G" | grep -q "blk-hotplug: waiting" && break
    sleep 0.1
done
expect_console "$G" "blk-hotplug: waiting"

out=$("$XL" block-attach "$G" "$disk,qcow2,xvdb" 2>&1) && fail "a qcow2 disk was attached: $out"
echo "$out" | grep -q "qcow2 is not supported" || fail "qcow2 refusal: $out"
out=$("$XL" block-attach "$G" "/nonexistent.img,raw,xvdb" 2>&1) && fail "a missing file was attached"
echo "$out" | grep -q "does not exist" || fail "the block script's reason is not shown: $out"
[ -z "$(xenstore-ls "/local/domain/0/backend/vbd/$G" 2>/dev/null)" ] ||
    fail "the failed attach left entries: $(xenstore-ls "/local/domain/0/backend/vbd/$G")"

"$XL" block-attach "$G" "$disk" raw xvdb rw || fail "xl block-attach"
for _ in $(seq 600); do
    console_of "$G" | grep -q "blk-hotplug: attached" && break
    sleep 0.1
done
expect_console "$G" "blk-hotplug: attached vbd 51728"
"$XL" block-list "$G" | grep -qE "^51728 +0 +$G +4 " || fail "block-list: $("$XL" block-list "$G")"

# The file is G's, writable: another domain may not have it, not even
# read-only, and a refused domain is not left behind.
cfg=$(write_cfg share cpuid "disk = [ '$disk,raw,xvda,r' ]")
out=$("$XL" create "$cfg" 2>&1) && fail "a disk attached writable elsewhere was shared: $out"
echo "$out" | grep -q "already attached writable to domain $G" || fail "the sharing refusal: $out"
"$XL" domid share >/dev/null 2>&1 && fail "the refused domain share is still there"

"$XL" block-detach "$G" xvdb || fail "xl block-detach"
expect_end "$G" s poweroff >/dev/null
expect_console "$G" "guest-test blk-hotplug: ok"
[ "$("$XL" block-list "$G" | wc -l)" = 1 ] || fail "block-list after detach: $("$XL" block-list "$G")"
xenstore-exists "/local/domain/0/backend/vbd/$G/51728" 2>/dev/null && fail "the backend dir is still there"
out=$("$XL" block-detach "$G" xvdb 2>&1) && fail "detaching twice worked"
echo "$out" | grep -q "Device xvdb not connected" || fail "second detach: $out"
blk_verify "$disk" 31 0 64

# A domain that ends on its own: its monitor removes its disks.
D=$(create_guest gone cpuid 'on_poweroff = "destroy"' "disk = [ '$disk,raw,xvda,r' ]")
for _ in $(seq 300); do
    "$XL" domid gone >/dev/null 2>&1 || break
    sleep 0.1
done
"$XL" domid gone >/dev/null 2>&1 && fail "domain gone did not go"
for _ in $(seq 50); do
    xenstore-exists "/local/domain/0/backend/vbd/$D" 2>/dev/null || break
    sleep 0.1
done
xenstore-exists "/local/domain/0/backend/vbd/$D" 2>/dev/null &&
    fail "the monitor left backend/vbd/$D: $(xenstore-ls "/local/domain/0/backend/vbd/$D")"
blkback_alive || fail "xenolith-blkback died"
exit 0
