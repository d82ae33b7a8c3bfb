#!/bin/bash
# xenolith-test: no-kvm (boots no guest, so it runs once, on this machine, not on each KVM host)
# LVM SRs on loop devices: what xl makes shows in vgs/lvs, VDIs (vhd and
# raw) are read and written through the library (by the segment map when
# the kernel has no device-mapper), snapshots and resizes work, and a
# volume group made by hand with lvm2 is introduced, scanned and served.
. "$(dirname "$0")/storage.bash"
storage_setup
cd "$WORK" || fail "cd $WORK"

new_loop 384M
dev=$LOOP
sr=$("$XL" sr-create type=lvm name=lvmsr device="$dev") || fail "sr-create type=lvm"
vg="VG_XenStorage-$sr"
VGS+=("$vg")
lvmc vgs --reportformat json -o vg_name,vg_tags "$vg" | grep -q "xn_sr=lvmsr" ||
    fail "vgs does not show $vg tagged with the SR's name"
grep -q ' device-mapper' /proc/misc || note "no device-mapper: LV data through the segment map"

a=$("$XL" vdi-create lvmsr name=vdisk size=40M) || fail "vdi-create vhd"
r=$("$XL" vdi-create lvmsr name=rdisk size=12M format=raw) || fail "vdi-create raw"
lvs=$(lvmc lvs --reportformat json -o lv_name,lv_size,lv_tags --units b "$vg")
echo "$lvs" | grep -q "\"VHD-$a\"" || fail "lvs lacks VHD-$a: $lvs"
echo "$lvs" | grep -q "\"LV-$r\"" || fail "lvs lacks LV-$r: $lvs"
echo "$lvs" | grep -q "xn_name=vdisk" || fail "lvs lacks the name tag: $lvs"
[ "$(vdi_field lvmsr vdisk target)" = "/dev/$vg/VHD-$a" ] || fail "target of vdisk"

pattern p1 3000000 21
pattern p2 500000 22
"$IMG" write "/dev/$vg/VHD-$a" 1M <p1 || fail "write the vhd VDI"
"$IMG" write "/dev/$vg/LV-$r" 4096 <p2 || fail "write the raw VDI"
"$IMG" read "/dev/$vg/VHD-$a" 1M 3000000 | cmp -s - p1 || fail "vhd VDI reads back wrong"
"$IMG" read "/dev/$vg/LV-$r" 4096 500000 | cmp -s - p2 || fail "raw VDI reads back wrong"
"$IMG" read "/dev/$vg/LV-$r" 600000 1M | cmp -s - <(head -c 1M /dev/zero) ||
    fail "a new raw LV shows old data"
"$IMG" check "/dev/$vg/VHD-$a" >/dev/null || fail "check: $("$IMG" check "/dev/$vg/VHD-$a")"
"$IMG" read "/dev/$vg/VHD-$a" >v1

# The raw VDI's bytes are where lvm2 says they are on the PV.
seg=$(lvmc lvs --segments --reportformat json --units b --nosuffix -o seg_pe_ranges "$vg/LV-$r" |
    json 'j["report"][0]["seg"][0]["seg_pe_ranges"]')
pe=${seg##*:}
pe=${pe%-*}
pestart=$(lvmc pvs --reportformat json --units b --nosuffix -o pe_start "$dev" | json 'j["report"][0]["pv"][0]["pe_start"]')
ext=$(lvmc vgs --reportformat json --units b --nosuffix -o vg_extent_size "$vg" | json 'j["report"][0]["vg"][0]["vg_extent_size"]')
cmp -s <(dd if="$dev" bs=4096 skip=$(((pestart + pe * ext + 4096) / 4096)) count=123 2>/dev/null | head -c 500000) p2 ||
    fail "the raw VDI's data is not at its extents on $dev"

# Snapshot and clone: LVs renamed and created by lvm2, O(1).
s=$("$XL" vdi-snapshot lvmsr vdisk) || fail "vdi-snapshot on LVM"
"$IMG" write "/dev/$vg/VHD-$a" 1M <p2 || fail "write after snapshot"
"$IMG" read "/dev/$vg/VHD-$s" | cmp -s - v1 || fail "the LVM snapshot changed"
base=$(vdi_field lvmsr vdisk parent)
lvmc lvs --reportformat json -o lv_name,lv_tags "$vg" | grep -q "\"VHD-$base\", \"lv_tags\":\"xn_name=base-copy,xn_ro\"" ||
    fail "lvs does not show the base copy: $(lvmc lvs -o lv_name,lv_tags "$vg")"

# Resize: lvextend, then the VHD grows; the data stays.
"$XL" vdi-resize lvmsr vdisk 80M || fail "vdi-resize on LVM"
[ "$(vdi_field lvmsr vdisk virtual_size)" = $((80 << 20)) ] || fail "the LVM VDI did not grow"
"$IMG" read "/dev/$vg/VHD-$a" 1M 500000 | cmp -s - p2 || fail "resize lost data"
"$IMG" write "/dev/$vg/VHD-$a" 79M <p2 || fail "write at the grown end"
"$IMG" check "/dev/$vg/VHD-$a" >/dev/null || fail "check after resize: $("$IMG" check "/dev/$vg/VHD-$a")"

# Copy LVM -> file SR and back.
"$XL" sr-create type=file name=fsr path="$WORK/fsr" >/dev/null || fail "file sr-create"
"$XL" vdi-copy -q lvmsr vdisk fsr name=fromlvm >/dev/null || fail "vdi-copy LVM -> file"
"$IMG" read "$(vdi_field fsr fromlvm target)" | cmp -s - <("$IMG" read "/dev/$vg/VHD-$a") ||
    fail "the copy from LVM differs"
"$XL" vdi-copy -q fsr fromlvm lvmsr name=back format=raw >/dev/null || fail "vdi-copy file -> LVM"

# A volume group made by hand, with a filesystem-less LV holding data.
new_loop 64M
dev2=$LOOP
lvmc pvcreate -y "$dev2" >/dev/null || fail "pvcreate by hand"
lvmc vgcreate handvg "$dev2" >/dev/null || fail "vgcreate by hand"
VGS+=(handvg)
if grep -q ' device-mapper' /proc/misc; then
    lvmc lvcreate -y -L 8M -n data handvg >/dev/null || fail "lvcreate by hand"
else
    lvmc lvcreate -y -an -Zn -L 8M -n data handvg >/dev/null || fail "lvcreate by hand"
fi
pestart=$(lvmc pvs --reportformat json --units b --nosuffix -o pe_start "$dev2" | json 'j["report"][0]["pv"][0]["pe_start"]')
dd if=p2 of="$dev2" bs=512 seek=$((pestart / 512)) conv=notrunc status=none || fail "dd onto the PV"
"$XL" sr-introduce type=lvm name=hand vg=handvg >/dev/null || fail "sr-introduce"
"$XL" sr-scan hand || fail "sr-scan of the hand-made VG"
[ "$(vdi_field hand data format)" = raw ] || fail "the hand-made LV is not listed as raw"
"$IMG" read "$(vdi_field hand data target)" 0 500000 | cmp -s - p2 || fail "the hand-made LV reads wrong"
"$XL" vdi-copy -q hand data fsr name=handcopy >/dev/null || fail "vdi-copy from the hand-made VG"

# Destroy: the VG goes, and lvm2 agrees.
expect_out=$("$XL" sr-destroy lvmsr 2>&1) && fail "sr-destroy of a non-empty SR succeeded"
echo "$expect_out" | grep -q "holds" || fail "sr-destroy refusal: $expect_out"
"$XL" sr-destroy -f lvmsr || fail "sr-destroy -f"
lvmc vgs "$vg" >/dev/null 2>&1 && fail "vgs still shows $vg"
"$XL" sr-destroy -f fsr >/dev/null || fail "sr-destroy fsr"
true
