#!/bin/bash
# Debian's own cloud kernel (linux-image-cloud-amd64, unmodified) as a PVH
# guest: xl create with its vmlinuz and an initramfs built here from
# busybox-static and the kernel package's xen-blkfront.ko; the kernel's
# init prints a marker on hvc0, reads a pattern Dom0 put on a raw disk
# through xen-blkfront and writes one of its own, which Dom0 then finds
# in the file; xl shutdown powers it off cleanly (control/shutdown, the
# kernel's orderly poweroff, ACPI soft-off) with the kernel's own
# shutdown messages on the console.
#
# The kernel comes from /var/cache/xenolith/linux-guest, filled by
# tests/integration/fetch_linux_guest.sh (apt-get download); where that
# cannot download (the SVM test host has no network) run it beforehand
# on the machine that has the archive. Missing prerequisites fail the
# test. On a PVM host the kernel's ring-0 code needs xenolithd's
# instruction completion (doc/pvm.md) for what PVM's emulator cannot do.
. "$(dirname "$0")/blk.bash"

for f in /bin/busybox cpio gzip dpkg-deb; do
    command -v "$f" >/dev/null || fail "$f missing: install busybox-static, cpio, gzip and dpkg"
done
tree=$("$SRC/tests/integration/fetch_linux_guest.sh") || fail "no Debian cloud kernel (see the message above)"
kernel=$(find "$tree/boot" -name 'vmlinuz-*' 2>/dev/null | head -n 1)
[ -f "$kernel" ] || fail "no vmlinuz in $tree/boot"
blkfront=$(find "$tree/lib/modules" -name 'xen-blkfront.ko*' | head -n 1)
[ -n "$blkfront" ] || fail "no xen-blkfront module in $tree/lib/modules"

blk_stack
start_client "$RUNDIR/consoled.out" "$BUILD/backends/xenolith-consoled" -F --rundir "$RUNDIR"
HVC="$RUNDIR/console/guest-linux.log"

# One 4 KiB block of 32-byte lines, the same from bash here and from
# busybox's sh in the guest.
block() {
    local i
    for i in $(seq 0 127); do printf '%-31s\n' "$1 $i"; done
}

# The initramfs: busybox, blkfront, an init that reports on hvc0 and then
# waits to be shut down (orderly_poweroff runs /sbin/poweroff).
root="$RUNDIR/initramfs"
mkdir -p "$root"/bin "$root"/sbin "$root"/dev "$root"/proc "$root"/sys "$root"/lib/modules
cp /bin/busybox "$root/bin/busybox"
cp "$blkfront" "$root/lib/modules/"
cat >"$root/sbin/poweroff" <<'EOF'
#!/bin/busybox sh
exec /bin/busybox poweroff -f
EOF
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
$bb mount -t devtmpfs dev /dev
say() { echo "$*" > /dev/hvc0; }
block() {
    i=0
    while [ $i -lt 128 ]; do $bb printf '%-31s\n' "$1 $i"; i=$((i + 1)); done
}
say "XENOLITH-LINUX-INIT: init running on $($bb uname -r)"
$bb insmod /lib/modules/xen-blkfront.ko* || say "XENOLITH-LINUX-BLK: insmod failed"
i=0
while [ ! -b /dev/xvda ] && [ $i -lt 300 ]; do $bb sleep 0.1; i=$((i + 1)); done
if [ -b /dev/xvda ]; then
    block dom0-wrote > /tmp-host
    $bb dd if=/dev/xvda of=/tmp-read bs=4096 count=1 2>/dev/null
    if $bb cmp -s /tmp-host /tmp-read; then say "XENOLITH-LINUX-BLK: read ok"; else say "XENOLITH-LINUX-BLK: read mismatch"; fi
    block linux-wrote > /tmp-mine
    $bb dd if=/tmp-mine of=/dev/xvda bs=4096 seek=256 conv=fsync 2>/dev/null
    $bb dd if=/dev/xvda of=/tmp-back bs=4096 skip=256 count=1 iflag=direct 2>/dev/null ||
        $bb dd if=/dev/xvda of=/tmp-back bs=4096 skip=256 count=1 2>/dev/null
    if $bb cmp -s /tmp-mine /tmp-back; then say "XENOLITH-LINUX-BLK: write ok"; else say "XENOLITH-LINUX-BLK: write mismatch"; fi
else
    say "XENOLITH-LINUX-BLK: no /dev/xvda"
fi
say "XENOLITH-LINUX-READY"
while :; do $bb sleep 3600; done
EOF
chmod +x "$root/init" "$root/sbin/poweroff"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$RUNDIR/initrd.gz" ||
    fail "cannot build the initramfs"

disk="$RUNDIR/disk.raw"
truncate -s 8M "$disk"
block dom0-wrote | dd of="$disk" conv=notrunc status=none || fail "cannot write $disk"

cat >"$RUNDIR/linux.cfg" <<EOF
name = "linux"
type = "pvh"
kernel = "$kernel"
ramdisk = "$RUNDIR/initrd.gz"
extra = "console=hvc0"
memory = 256
vcpus = 1
disk = [ '$disk,raw,xvda,rw' ]
on_poweroff = "preserve"
on_crash = "preserve"
EOF

show() {
    echo "--- hvc0 ($HVC):"
    tail -n 60 "$HVC" 2>/dev/null
    echo "--- xenolithd:"
    grep -v "unserved port" "$RUNDIR/daemon.log" | tail -n 20
}

start=$(date +%s)
"$XL" create "$RUNDIR/linux.cfg" >"$RUNDIR/create.out" 2>&1 ||
    fail "xl create failed: $(cat "$RUNDIR/create.out")"
domid=$("$XL" domid linux) || fail "no domid for linux"
for _ in $(seq 600); do
    grep -q "XENOLITH-LINUX-READY" "$HVC" 2>/dev/null && break
    grep -qE "domain $domid \(linux\) (shut down|crashed)" "$RUNDIR/daemon.log" && break
    sleep 0.5
done
grep -q "XENOLITH-LINUX-INIT: init running on" "$HVC" 2>/dev/null ||
    { show; fail "the kernel's init did not run within 300 s"; }
echo "init ran $(($(date +%s) - start)) s after xl create"
grep -q "XENOLITH-LINUX-READY" "$HVC" || { show; fail "init did not finish its disk checks"; }
grep -q "XENOLITH-LINUX-BLK: read ok" "$HVC" || { show; fail "xen-blkfront did not read Dom0's pattern"; }
grep -q "XENOLITH-LINUX-BLK: write ok" "$HVC" || { show; fail "xen-blkfront did not write and read back its pattern"; }

t=$(date +%s)
timeout 180 "$XL" shutdown -w linux || { show; fail "xl shutdown -w linux failed"; }
expect_end "$domid" s poweroff >/dev/null
echo "xl shutdown took $(($(date +%s) - t)) s"
grep -q "reboot: Power down" "$HVC" || { show; fail "no 'reboot: Power down' from the kernel on hvc0"; }

# The guest's block, as Dom0 reads the file.
cmp <(dd if="$disk" bs=4096 skip=256 count=1 status=none) <(block linux-wrote) ||
    fail "$disk: the block the guest wrote at 1 MiB is not there"
exit 0
