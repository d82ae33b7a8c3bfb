#!/bin/bash
# Debian's own cloud kernel (linux-image-cloud-amd64, unmodified) as a PVH
# guest: xl create with its vmlinuz and an initramfs built here
# (linux.bash: busybox-static and the kernel package's xen-blkfront.ko); the kernel's
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
. "$(dirname "$0")/linux.bash"

linux_kernel
blk_stack
start_client "$RUNDIR/consoled.out" "$BUILD/backends/xenolith-consoled" -F --rundir "$RUNDIR"
HVC="$RUNDIR/console/guest-linux.log"

linux_initramfs "$RUNDIR/initrd.gz" xen-blkfront <<'EOF'
if wait_for /dev/xvda; then
    block dom0-wrote > /tmp/host
    $bb dd if=/dev/xvda of=/tmp/read bs=4096 count=1 2>/dev/null
    if $bb cmp -s /tmp/host /tmp/read; then say "XENOLITH-LINUX-BLK: read ok"; else say "XENOLITH-LINUX-BLK: read mismatch"; fi
    block linux-wrote > /tmp/mine
    $bb dd if=/tmp/mine of=/dev/xvda bs=4096 seek=256 conv=fsync 2>/dev/null
    $bb dd if=/dev/xvda of=/tmp/back bs=4096 skip=256 count=1 iflag=direct 2>/dev/null ||
        $bb dd if=/dev/xvda of=/tmp/back bs=4096 skip=256 count=1 2>/dev/null
    if $bb cmp -s /tmp/mine /tmp/back; then say "XENOLITH-LINUX-BLK: write ok"; else say "XENOLITH-LINUX-BLK: write mismatch"; fi
else
    say "XENOLITH-LINUX-BLK: no /dev/xvda"
fi
say "XENOLITH-LINUX-READY"
EOF

disk="$RUNDIR/disk.raw"
truncate -s 8M "$disk"
linux_block dom0-wrote | dd of="$disk" conv=notrunc status=none || fail "cannot write $disk"

cat >"$RUNDIR/linux.cfg" <<EOF
name = "linux"
type = "pvh"
kernel = "$LINUX_KERNEL"
ramdisk = "$RUNDIR/initrd.gz"
extra = "console=hvc0"
memory = 256
vcpus = 1
disk = [ '$disk,raw,xvda,rw' ]
on_poweroff = "preserve"
on_crash = "preserve"
EOF

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
    { linux_show "$HVC"; fail "the kernel's init did not run within 300 s"; }
echo "init ran $(($(date +%s) - start)) s after xl create"
grep -q "XENOLITH-LINUX-READY" "$HVC" || { linux_show "$HVC"; fail "init did not finish its disk checks"; }
grep -q "XENOLITH-LINUX-BLK: read ok" "$HVC" || { linux_show "$HVC"; fail "xen-blkfront did not read Dom0's pattern"; }
grep -q "XENOLITH-LINUX-BLK: write ok" "$HVC" || { linux_show "$HVC"; fail "xen-blkfront did not write and read back its pattern"; }

t=$(date +%s)
timeout 180 "$XL" shutdown -w linux || { linux_show "$HVC"; fail "xl shutdown -w linux failed"; }
expect_end "$domid" s poweroff >/dev/null
echo "xl shutdown took $(($(date +%s) - t)) s"
grep -q "reboot: Power down" "$HVC" || { linux_show "$HVC"; fail "no 'reboot: Power down' from the kernel on hvc0"; }

# The guest's block, as Dom0 reads the file.
cmp <(dd if="$disk" bs=4096 skip=256 count=1 status=none) <(linux_block linux-wrote) ||
    fail "$disk: the block the guest wrote at 1 MiB is not there"
exit 0
