# Shared by the storage tests: a private SR registry and work directory,
# loop devices and volume groups the test makes, all removed however the
# test ends. Storage tests need root (loop devices, lvm2) but no daemon.
#
# The runner exports BUILD (the build tree) and SRC (the source tree).
set -u

: "${BUILD:?BUILD must name the build tree}"
: "${SRC:?SRC must name the source tree}"
IMG="$BUILD/backends/xenolith-img"
XL="$BUILD/toolstack/xl"

TEST_NAME=$(basename "$0" .sh)
TEST_NAME=${TEST_NAME#test_}
WORK=
LOOPS=()
VGS=()
PIDS=()
MOUNTS=()

fail() {
    echo "FAIL $TEST_NAME: $*" >&2
    exit 1
}

note() {
    echo "  $TEST_NAME: $*" >&2
}

# lvm2 without device-mapper (--driverloaded n) where the kernel has none.
lvmc() {
    local cmd=$1
    shift
    if grep -q ' device-mapper' /proc/misc; then
        LVM_SUPPRESS_FD_WARNINGS=1 lvm "$cmd" "$@"
    else
        LVM_SUPPRESS_FD_WARNINGS=1 lvm "$cmd" --driverloaded n "$@" 2> >(grep -v 'Activation disabled' >&2)
    fi
}

storage_cleanup() {
    local rc=$? p
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    for p in "${MOUNTS[@]}"; do umount "$p" 2>/dev/null; done
    for p in "${VGS[@]}"; do
        lvmc vgs "$p" >/dev/null 2>&1 && lvmc vgremove -f "$p" >/dev/null 2>&1
    done
    for p in "${LOOPS[@]}"; do
        lvmc pvremove -y "$p" >/dev/null 2>&1
        losetup -d "$p" 2>/dev/null
    done
    [ -n "$WORK" ] && rm -rf "$WORK"
    exit $rc
}
trap storage_cleanup EXIT
trap 'exit 130' INT TERM

storage_setup() {
    [ "$(id -u)" = 0 ] || fail "storage tests need root (loop devices and lvm2)"
    for f in "$IMG" "$XL"; do
        [ -x "$f" ] || fail "missing $f: build first"
    done
    for t in qemu-img vhdiinfo lvm losetup python3; do
        command -v "$t" >/dev/null || fail "missing $t (build.sh installs qemu-utils, libvhdi-utils, lvm2)"
    done
    WORK=$(mktemp -d /tmp/xenolith-storage.XXXXXX)
    export XENOLITH_SR_DB="$WORK/sr.json"
}

# new_loop SIZE: a loop device on a sparse file, in $LOOP. (Not printed:
# a command substitution would lose it from the clean-up list.)
LOOP=
new_loop() {
    local f
    f=$(mktemp "$WORK/pv.XXXXXX")
    truncate -s "$1" "$f"
    LOOP=$(losetup -f --show "$f") || fail "losetup failed"
    LOOPS+=("$LOOP")
}

# json EXPR: evaluates a Python expression over the JSON on stdin (as j).
json() {
    python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

# vdi_field SR VDI FIELD: one field of xl vdi-list -l for a VDI (name or uuid).
vdi_field() {
    "$XL" vdi-list -l "$1" | python3 -c "
import json,sys
for v in json.load(sys.stdin):
    if v['uuid'] == sys.argv[1] or (v['name'] == sys.argv[1] and not v['hidden']):
        print(v[sys.argv[2]]); break
else:
    sys.exit(1)" "$2" "$3" || fail "no VDI $2 in SR $1"
}

# qemu_check IMAGE: qemu-img check passes, or qemu says vpc has no check
# (true of qemu's vpc driver: then info must read it).
qemu_check() {
    local out rc=0
    out=$(qemu-img check -f vpc "$1" 2>&1) || rc=$?
    if [ $rc -eq 63 ] && echo "$out" | grep -q "does not support checks"; then
        qemu-img info -f vpc "$1" >/dev/null 2>&1 || fail "qemu-img info cannot read $1"
        return 0
    fi
    [ $rc -eq 0 ] || fail "qemu-img check $1 (rc $rc): $out"
}

# pattern FILE BYTES SEED: reproducible bytes.
pattern() {
    python3 -c "
import random,sys
r=random.Random(int(sys.argv[2])); sys.stdout.buffer.write(r.randbytes(int(sys.argv[1])))" "$2" "$3" >"$1"
}
