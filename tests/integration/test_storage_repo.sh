#!/bin/bash
# xenolith-test: no-kvm (boots no guest, so it runs once, on this machine, not on each KVM host)
# File SRs through xl: snapshots do not change after later writes, clones
# diverge from their origin, coalesce keeps every byte, resize grows,
# copies match, journals finish after a crash, and bad requests are
# refused with what is wrong.
. "$(dirname "$0")/storage.bash"
storage_setup
cd "$WORK" || fail "cd $WORK"

expect_fail() {
    local text=$1 out
    shift
    if out=$("$XL" "$@" 2>&1); then
        fail "xl $* succeeded; expected a refusal saying '$text'"
    fi
    echo "$out" | grep -qF -- "$text" || fail "xl $*: expected '$text', got: $out"
}

sr=$("$XL" sr-create type=file name=files path="$WORK/sr1") || fail "sr-create"
[ "$("$XL" sr-list -l | json 'j[0]["uuid"]')" = "$sr" ] || fail "sr-list -l lacks $sr"
"$XL" sr-list | grep -q "^$sr  files " || fail "sr-list table: $("$XL" sr-list)"
[ -f sr1/sr-meta.json ] || fail "no sr-meta.json in the file SR"

a=$("$XL" vdi-create files name=disk size=40M) || fail "vdi-create"
[ "$(vdi_field files disk virtual_size)" = $((40 << 20)) ] || fail "disk is not 40M"
ta=$(vdi_field files disk target)
pattern p1 3000000 11
pattern p2 1000000 12
"$IMG" write "$ta" 1M <p1 || fail "write disk"
"$IMG" read "$ta" >disk.v1 || fail "read disk"

# Snapshot: O(1), the original keeps its uuid and name.
"$XL" vdi-snapshot files disk name=snap1 >/dev/null || fail "vdi-snapshot"
[ "$(vdi_field files disk uuid)" = "$a" ] || fail "the snapshotted VDI changed uuid"
[ "$(vdi_field files snap1 read_only)" = True ] || fail "the snapshot is not read-only"
base=$(vdi_field files disk parent)
[ "$(vdi_field files "$base" hidden)" = True ] || fail "the base copy is not hidden"
"$IMG" write "$ta" 2M <p2 || fail "write after snapshot"
"$IMG" read "$(vdi_field files snap1 target)" | cmp -s - disk.v1 || fail "a write after the snapshot changed it"
"$IMG" read "$ta" >disk.v2
cmp -s disk.v1 disk.v2 && fail "the write after the snapshot did not land"

# Clone: writable, diverges from its origin.
"$XL" vdi-clone files disk >/dev/null || fail "vdi-clone"
tc=$(vdi_field files disk-clone target)
"$IMG" read "$tc" | cmp -s - disk.v2 || fail "the clone does not start as its origin"
"$IMG" write "$tc" 0 <p2 || fail "write clone"
"$IMG" read "$ta" | cmp -s - disk.v2 || fail "writing the clone changed its origin"
"$IMG" write "$ta" 30M <p2 || fail "write origin"
"$IMG" read "$tc" 30M 1000000 | cmp -s - p2 && fail "writing the origin changed the clone"
"$IMG" read "$ta" >disk.v3

# Coalesce: refused while the base has other children, then exact.
expect_fail "has 2 children" vdi-coalesce files disk
"$XL" vdi-destroy files disk-clone || fail "destroy clone"
"$XL" vdi-destroy files snap1 || fail "destroy snapshot"
depth=$("$IMG" info "$ta" | sed -n 's/^chain-depth: //p')
while [ "$depth" -gt 1 ]; do
    "$XL" vdi-coalesce files disk || fail "vdi-coalesce"
    "$IMG" read "$ta" | cmp -s - disk.v3 || fail "coalesce changed the disk's contents"
    new=$("$IMG" info "$ta" | sed -n 's/^chain-depth: //p')
    [ "$new" -lt "$depth" ] || fail "coalesce did not shorten the chain ($depth)"
    depth=$new
done
[ "$(vdi_field files disk uuid)" = "$a" ] || fail "coalesce changed the VDI's uuid"
[ "$("$XL" vdi-list -l files | json 'len(j)')" = 1 ] || fail "garbage left: $("$XL" vdi-list files)"

# Resize grows; the data stays.
"$XL" vdi-resize files disk 1G || fail "vdi-resize"
[ "$(vdi_field files disk virtual_size)" = $((1 << 30)) ] || fail "resize did not grow"
"$IMG" read "$ta" 0 40M | cmp -s - disk.v3 || fail "resize changed the data"
expect_fail "not shrink" vdi-resize files disk 10M

# Copy into another SR, as raw, with the progress bar off.
"$XL" sr-create type=file name=other path="$WORK/sr2" >/dev/null || fail "sr-create other"
"$XL" vdi-copy -q files disk other name=copy format=raw >/dev/null || fail "vdi-copy"
"$IMG" read "$(vdi_field other copy target)" 0 40M | cmp -s - disk.v3 || fail "the copy differs"

# A crash in the middle of a snapshot: the VDI's image was renamed to the
# base and nothing else happened. The journal finishes it.
b2=11111111-2222-4333-8444-555555555555
s2=66666666-7777-4888-8999-aaaaaaaaaaaa
echo "snapshot $a $b2 $s2 snap crashsnap disk" >sr1/sr-journal
mv "sr1/$a.vhd" "sr1/$b2.vhd"
"$XL" sr-scan files || fail "sr-scan after the crash"
[ -f sr1/sr-journal ] && fail "the journal is still there"
[ "$(vdi_field files disk parent)" = "$b2" ] || fail "the VDI was not remade on its base"
"$IMG" read "$(vdi_field files crashsnap target)" 0 40M | cmp -s - disk.v3 || fail "the finished snapshot differs"

# sr-scan adopts an image dropped into the directory.
u=$(python3 -c 'import uuid; print(uuid.uuid4())')
qemu-img create -q -f vpc "sr1/$u.vhd" 8M || fail "qemu-img create"
"$XL" sr-scan files || fail "sr-scan"
[ "$(vdi_field files "$u" virtual_size)" -ge $((8 << 20)) ] || fail "sr-scan did not adopt $u.vhd"

# Refusals, each naming the fault.
expect_fail "not a valid" vdi-create files name="bad name" size=1M
expect_fail "give a size" vdi-create files name=x size=lots
expect_fail "no SR named 'nope'" vdi-list nope
expect_fail "has no VDI 'nope'" vdi-destroy files nope
expect_fail "format is vhd or raw" vdi-create files name=x size=1M format=qcow2
expect_fail "2040 GiB" vdi-create files name=x size=3T
expect_fail "already exists" sr-create type=file name=files path="$WORK/sr3"
expect_fail "not empty" sr-create type=file name=new path="$WORK/sr1"
expect_fail "holds" sr-destroy files
"$XL" vdi-create files name=rawdisk size=4M format=raw >/dev/null || fail "raw vdi-create"
expect_fail "need a vhd VDI" vdi-snapshot files rawdisk
expect_fail "is the base of" vdi-destroy files "$b2"
"$XL" sr-destroy -f files || fail "sr-destroy -f"
[ -d sr1 ] && fail "the SR's directory is still there: $(ls sr1)"
"$XL" sr-list | grep -q files && fail "the destroyed SR is still listed"
"$XL" sr-destroy -f other || fail "sr-destroy other"
true
