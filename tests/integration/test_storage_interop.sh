#!/bin/bash
# xenolith-test: no-kvm (boots no guest, so it runs once, on this machine, not on each KVM host)
# VHD interoperability both ways: images the library makes read the same
# through qemu-img (format vpc) and libvhdi (vhdiinfo, vhdimount); images
# qemu-img makes, fixed and dynamic of several sizes, read and write
# correctly through the library.
. "$(dirname "$0")/storage.bash"
storage_setup
cd "$WORK" || fail "cd $WORK"

pattern d1 3000000 1
pattern d2 700000 2

# --- ours -> qemu and libvhdi --------------------------------------------
"$IMG" create -t dynamic -s 50M dyn.vhd || fail "create dynamic"
"$IMG" write dyn.vhd 1234567 <d1 || fail "write dynamic"
"$IMG" write dyn.vhd 40M <d2 || fail "write dynamic (2)"
"$IMG" create -t fixed -s 10M fix.vhd || fail "create fixed"
"$IMG" write fix.vhd 4096 <d2 || fail "write fixed"
"$IMG" create -p dyn.vhd child.vhd || fail "create differencing"
"$IMG" write child.vhd 2000000 <d2 || fail "write differencing"

for img in dyn.vhd fix.vhd; do
    "$IMG" check "$img" >/dev/null || fail "our check of $img: $("$IMG" check "$img")"
    qemu_check "$img"
    ours=$("$IMG" info "$img" | sed -n 's/^size: //p')
    theirs=$(qemu-img info -f vpc --output=json "$img" | json 'j["virtual-size"]')
    [ "$ours" = "$theirs" ] || fail "$img: we say $ours bytes, qemu-img says $theirs"
    qemu-img convert -f vpc -O raw "$img" "$img.qemu.raw" || fail "qemu-img convert $img"
    "$IMG" read "$img" >"$img.ours.raw" || fail "read $img"
    cmp -s "$img.qemu.raw" "$img.ours.raw" || fail "$img reads differently through qemu-img"
    info=$(vhdiinfo "$img") || fail "vhdiinfo $img: $info"
    echo "$info" | grep -q "Media size.*($ours bytes)" || fail "vhdiinfo size of $img: $info"
    uuid=$("$IMG" info "$img" | sed -n 's/^uuid: //p')
    echo "$info" | grep -q "Identifier[[:space:]]*: $uuid" || fail "vhdiinfo uuid of $img: $info"
done
vhdiinfo dyn.vhd | grep -q "Disk type.*Dynamic" || fail "vhdiinfo does not see a dynamic disk"
vhdiinfo fix.vhd | grep -q "Disk type.*Fixed" || fail "vhdiinfo does not see a fixed disk"
cmp -s <(head -c 700000 <(tail -c +4097 fix.vhd.ours.raw)) d2 || fail "fixed image data misplaced"

# The differencing image: libvhdi follows the parent locators.
info=$(vhdiinfo child.vhd) || fail "vhdiinfo child: $info"
puuid=$("$IMG" info dyn.vhd | sed -n 's/^uuid: //p')
echo "$info" | grep -q "Parent identifier[[:space:]]*: $puuid" || fail "vhdiinfo parent of child.vhd: $info"
echo "$info" | grep -q "Parent filename[[:space:]]*: dyn.vhd" || fail "vhdiinfo parent name: $info"
"$IMG" read child.vhd >child.ours.raw || fail "read child"
if [ -c /dev/fuse ] && command -v vhdimount >/dev/null; then
    for img in dyn.vhd fix.vhd child.vhd; do
        mkdir "m-$img"
        vhdimount "$img" "m-$img" >/dev/null 2>&1 || fail "vhdimount $img"
        MOUNTS+=("$WORK/m-$img")
        layer=$(find "m-$img" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
        want="$img.ours.raw"
        [ "$img" = child.vhd ] && want=child.ours.raw
        cmp -s "m-$img/$layer" "$want" || fail "$img reads differently through libvhdi (vhdimount)"
        umount "m-$img"
    done
    note "vhdimount reads dynamic, fixed and differencing images as we do"
else
    fail "libvhdi's vhdimount or /dev/fuse is missing"
fi
python3 - "$WORK" <<'PY' || fail "the differencing image does not read as parent + writes"
import sys
w = sys.argv[1]
base = bytearray(open(w + "/dyn.vhd.ours.raw", "rb").read())
d2 = open(w + "/d2", "rb").read()
base[2000000:2000000 + len(d2)] = d2
assert open(w + "/child.ours.raw", "rb").read() == bytes(base)
PY

# --- qemu -> ours --------------------------------------------------------
for spec in "dynamic 10M" "dynamic 100M" "dynamic 1G" "fixed 10M" "fixed 33M"; do
    # "kind size": split on purpose.
    # shellcheck disable=SC2086
    set -- $spec
    f="q-$1-$2.vhd"
    qemu-img create -q -f vpc -o subformat="$1" "$f" "$2" || fail "qemu-img create $f"
    qemu-io -f vpc -c "write -P 0xab 512k 1M" "$f" >/dev/null || fail "qemu-io write $f"
    ours=$("$IMG" info "$f" | sed -n 's/^size: //p') || fail "we cannot open qemu's $f"
    theirs=$(qemu-img info -f vpc --output=json "$f" | json 'j["virtual-size"]')
    [ "$ours" = "$theirs" ] || fail "$f: we say $ours bytes, qemu-img says $theirs"
    "$IMG" check "$f" >/dev/null || fail "our check of qemu's $f: $("$IMG" check "$f")"
    "$IMG" read "$f" 512K 1M | cmp -s - <(head -c 1M /dev/zero | tr '\0' '\253') ||
        fail "qemu's data in $f reads wrong through us"
    # Our writes: one inside qemu's block, one in a new block near the end.
    "$IMG" write "$f" 1000000 <d2 || fail "write into qemu's $f"
    "$IMG" write "$f" $((ours - 800000)) <d2 || fail "write at the end of qemu's $f"
    qemu_check "$f"
    qemu-img convert -f vpc -O raw "$f" "$f.raw" || fail "qemu-img convert of $f after our writes"
    "$IMG" read "$f" | cmp -s - "$f.raw" || fail "$f: qemu-img and we disagree after our writes"
    cmp -s <(tail -c +1000001 "$f.raw" | head -c 700000) d2 || fail "$f: our write not where qemu reads it"
    out=$(qemu-io -f vpc -c "read -P 0xab 512k 464k" "$f" 2>&1)
    if ! echo "$out" | grep -q "^read " || echo "$out" | grep -qi "fail"; then
        fail "qemu-io no longer reads its own data in $f: $out"
    fi
    rm -f "$f" "$f.raw"
done
note "qemu-made fixed and dynamic images of 10M..1G read and write correctly through us"
