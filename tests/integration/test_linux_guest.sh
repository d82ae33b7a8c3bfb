#!/bin/bash
# Debian's own cloud kernel (linux-image-cloud-amd64, unmodified) as a PVH
# guest, in one boot: xl create with its vmlinuz and an
# initramfs built here (linux.bash: busybox-static and the kernel
# package's xen-blkfront.ko); init reads the pattern Dom0 put on a raw disk (xvda)
# and on a dynamic VHD (xvdb) through xen-blkfront and writes one of its
# own on each, which Dom0 finds byte for byte after shutdown (the VHD
# read by xenolith-img and by qemu-img); xl mem-set shrinks the guest through its
# balloon (MemTotal falls) and the host backs less of its memory file;
# a line typed into xl console runs in a shell on hvc0 and its output
# comes back; xl block-attach gives the running guest a third disk
# (xvdc), whose pattern it reads and on which it writes its own, and xl
# block-detach takes it away again (the guest sees it go, Dom0 finds the
# guest's block in the file); xl shutdown powers it off cleanly
# (control/shutdown, the kernel's orderly poweroff, ACPI soft-off) with
# the kernel's own shutdown messages on the console.
#
# The kernel comes from /var/cache/xenolith/linux-guest, filled by
# tests/integration/fetch_linux_guest.sh (apt-get download); where that
# cannot download (the SVM test host has no network) run it beforehand
# on the machine that has the archive. Missing prerequisites fail the
# test. On a PVM host the kernel's ring-0 code needs xenolithd's
# instruction completion (doc/pvm.md) for what PVM's emulator cannot do.
# xenolith-test: retry-once (Debian's kernel under nested TCG crashed in
# about one run in eight this session, on interrupt entry from user mode
# once, by a vCPU triple fault once; issue 18 has the state)
. "$(dirname "$0")/blk.bash"
. "$(dirname "$0")/linux.bash"

command -v qemu-img >/dev/null || fail "qemu-img missing: install qemu-utils (the VHD's independent reader)"
linux_kernel
blk_stack
start_client "$RUNDIR/consoled.out" "$BUILD/backends/xenolith-consoled" -F --rundir "$RUNDIR"
HVC="$RUNDIR/console/guest-linux.log"

# check DEV NAME: Dom0's block NAME-dom0 at 0 is there; the guest's own
# NAME-linux goes at 1 MiB and reads back past the page cache.
linux_initramfs "$RUNDIR/initrd.gz" xen-blkfront <<'EOF'
say "XENOLITH-LINUX-CPUS: online $($bb cat /sys/devices/system/cpu/online)"
check() {
    if ! wait_for "$1"; then say "XENOLITH-LINUX-BLK $2: no $1"; return; fi
    block "$2-dom0" > /tmp/host
    $bb dd if="$1" of=/tmp/read bs=4096 count=1 2>/dev/null
    if $bb cmp -s /tmp/host /tmp/read; then say "XENOLITH-LINUX-BLK $2: read ok"; else say "XENOLITH-LINUX-BLK $2: read mismatch"; fi
    block "$2-linux" > /tmp/mine
    $bb dd if=/tmp/mine of="$1" bs=4096 seek=256 conv=fsync 2>/dev/null
    $bb dd if="$1" of=/tmp/back bs=4096 skip=256 count=1 iflag=direct 2>/dev/null ||
        $bb dd if="$1" of=/tmp/back bs=4096 skip=256 count=1 2>/dev/null
    if $bb cmp -s /tmp/mine /tmp/back; then say "XENOLITH-LINUX-BLK $2: write ok"; else say "XENOLITH-LINUX-BLK $2: write mismatch"; fi
}
check /dev/xvda raw
check /dev/xvdb vhd
# Memory the balloon can give back that the host really backs.
$bb dd if=/dev/zero of=/tmp/fill bs=1M count=32 2>/dev/null
$bb rm -f /tmp/fill
hvc_shell
say "XENOLITH-LINUX-READY"
# What the guest's udev would do: a CPU whose device xl vcpu-set brought
# back (the kernel's Xen CPU hotplug watch registers it again, a uevent
# says so) is brought online.
$bb cat > /sbin/cpu-added <<'SH'
#!/bin/busybox sh
[ "$SUBSYSTEM" = cpu ] && [ "$ACTION" = add ] || exit 0
i=0
while [ "$(/bin/busybox cat "/sys$DEVPATH/online" 2>/dev/null)" = 0 ] && [ $i -lt 20 ]; do
    echo 1 > "/sys$DEVPATH/online" 2>/dev/null || /bin/busybox sleep 0.1
    i=$((i + 1))
done
echo "XENOLITH-LINUX: ${DEVPATH##*/} added, online $(/bin/busybox cat "/sys$DEVPATH/online")" > /dev/hvc0
SH
$bb chmod +x /sbin/cpu-added
$bb uevent /sbin/cpu-added &
# Each change of the online CPUs or of the balloon is said on hvc0, and
# so are a disk xvdc coming (read, then written) and going.
sysfs=/sys/devices/system
last= reached= hot=
target0=$($bb cat $sysfs/xen_memory/xen_memory0/target_kb)
while :; do
    cur=$($bb cat $sysfs/xen_memory/xen_memory0/info/current_kb)
    target=$($bb cat $sysfs/xen_memory/xen_memory0/target_kb)
    total=$($bb awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
    state="cpus $($bb cat $sysfs/cpu/online) memtotal $total balloon $cur target $target"
    [ "$state" != "$last" ] && say "XENOLITH-LINUX-STATE: $state"
    last=$state
    if [ "$cur" = "$target" ] && [ "$target" != "$target0" ] && [ "$target" != "$reached" ]; then
        say "XENOLITH-LINUX-BALLOON: at target $target kB, MemTotal $total kB"
        reached=$target
    fi
    if [ -e /dev/xvdc ] && [ -z "$hot" ]; then
        hot=1
        block hot-dom0 > /tmp/host
        $bb dd if=/dev/xvdc of=/tmp/read bs=4096 count=1 2>/dev/null
        if $bb cmp -s /tmp/host /tmp/read; then say "XENOLITH-LINUX-HOT: xvdc read ok"; else say "XENOLITH-LINUX-HOT: xvdc read mismatch"; fi
        block hot-linux > /tmp/mine
        $bb dd if=/tmp/mine of=/dev/xvdc bs=4096 seek=256 conv=fsync 2>/dev/null
        say "XENOLITH-LINUX-HOT: xvdc written"
    elif [ ! -e /dev/xvdc ] && [ -n "$hot" ]; then
        hot=
        say "XENOLITH-LINUX-HOT: xvdc gone"
    fi
    $bb sleep 0.5
done
EOF

disk="$RUNDIR/disk.raw"
truncate -s 8M "$disk"
linux_block raw-dom0 | dd of="$disk" conv=notrunc status=none || fail "cannot write $disk"
vhd="$RUNDIR/disk.vhd"
"$IMG" create -t dynamic -s 16m "$vhd" >/dev/null || fail "cannot create $vhd"
linux_block vhd-dom0 | "$IMG" write "$vhd" 0 || fail "cannot write $vhd"

# One vCPU: with two, the kernel brings up its AP by INIT-SIPI, but two
# runs in about six failed (vCPU 1 triple-faulted once; once cpu1 did not
# come back after xl vcpu-set): issue 18 has the state.
linux_cfg linux "disk = [ '$disk,raw,xvda,rw', 'format=vhd, vdev=xvdb, access=rw, target=$vhd' ]"

start=$(date +%s)
"$XL" create "$RUNDIR/linux.cfg" >"$RUNDIR/create.out" 2>&1 ||
    fail "xl create failed: $(cat "$RUNDIR/create.out")"
domid=$("$XL" domid linux) || fail "no domid for linux"
linux_wait "$HVC" "XENOLITH-LINUX-INIT: init running on" 300 "$domid"
note "init ran $(($(date +%s) - start)) s after xl create"
linux_wait "$HVC" "XENOLITH-LINUX-READY" 120 "$domid"
note "disks checked $(($(date +%s) - start)) s after xl create"
for d in raw vhd; do
    grep -q "XENOLITH-LINUX-BLK $d: read ok" "$HVC" || { linux_show "$HVC"; fail "xen-blkfront did not read Dom0's pattern on the $d disk"; }
    grep -q "XENOLITH-LINUX-BLK $d: write ok" "$HVC" || { linux_show "$HVC"; fail "xen-blkfront did not write and read back its pattern on the $d disk"; }
done
linux_wait "$HVC" "XENOLITH-LINUX-STATE: cpus 0 " 30 "$domid"

# xl console both ways: a line typed there (no terminal: a fifo) runs in
# the guest's shell on hvc0, and its output comes back through consoled's
# pty. The typed line holds $((6 * 7)), its output 42: the echo of the
# input alone does not pass.
fifo="$RUNDIR/console.in"
mkfifo "$fifo"
exec 7<>"$fifo"
cout="$RUNDIR/console.out"
# Not start_client: an & job without a redirection of its own gets /dev/null.
"$XL" console linux <"$fifo" >"$cout" 2>&1 &
xl_console=$!
CLIENT_PIDS+=("$xl_console")
t=$(date +%s)
# shellcheck disable=SC2016 # the guest's shell expands it
echo 'echo "XENOLITH-SHELL: $((6 * 7)) on $(/bin/busybox uname -r), cpus $(/bin/busybox cat /sys/devices/system/cpu/online)"' >&7
for _ in $(seq 150); do
    grep -q "XENOLITH-SHELL: 42 on " "$cout" && break
    sleep 0.2
done
grep -q "XENOLITH-SHELL: 42 on .*, cpus 0" "$cout" ||
    { linux_show "$HVC"; fail "a command typed into xl console did not run in the guest: $(tail -n 5 "$cout")"; }
grep -q "XENOLITH-SHELL: 42 on " "$HVC" || fail "the shell's output is not in the console log"
note "xl console: typed command answered in $(($(date +%s) - t)) s: $(grep -o "XENOLITH-SHELL: 42 on [^[:cntrl:]]*" "$cout" | head -n 1)"

# A disk attached while the guest runs: xen-blkfront finds it through
# its watch, the guest reads Dom0's pattern and writes its own; detached,
# the guest sees it go and Dom0 finds the guest's block in the file.
hot="$RUNDIR/hot.raw"
truncate -s 4M "$hot"
linux_block hot-dom0 | dd of="$hot" conv=notrunc status=none || fail "cannot write $hot"
t=$(date +%s)
"$XL" block-attach linux "$hot,raw,xvdc,rw" || fail "xl block-attach linux xvdc failed"
linux_wait "$HVC" "XENOLITH-LINUX-HOT: xvdc written" 60 "$domid"
grep -q "XENOLITH-LINUX-HOT: xvdc read ok" "$HVC" || { linux_show "$HVC"; fail "the guest did not read Dom0's pattern on the attached xvdc"; }
"$XL" block-list linux | grep -qE "^51744 " || fail "xl block-list does not show xvdc: $("$XL" block-list linux)"
"$XL" block-detach linux xvdc || fail "xl block-detach linux xvdc failed"
linux_wait "$HVC" "XENOLITH-LINUX-HOT: xvdc gone" 60 "$domid"
"$XL" block-list linux | grep -qE "^51744 " && fail "xl block-list still shows xvdc: $("$XL" block-list linux)"
xenstore-exists "/local/domain/0/backend/vbd/$domid/51744" 2>/dev/null && fail "block-detach left xvdc's backend directory"
cmp <(dd if="$hot" bs=4096 skip=256 count=1 status=none) <(linux_block hot-linux) ||
    fail "$hot: the block the guest wrote on xvdc is not there"
note "block-attach, read, write and block-detach of xvdc took $(($(date +%s) - t)) s"

# Ballooning to 128 MiB: the guest's MemTotal falls by what it gave back,
# and the host backs less of the domain's memory file.
total0=$(sed -n 's/.*XENOLITH-LINUX-STATE: .* memtotal \([0-9]*\) .*/\1/p' "$HVC" | head -n 1)
before=$(backed_kib "$domid")
t=$(date +%s)
"$XL" mem-set linux 128m || fail "xl mem-set linux 128m failed"
linux_wait "$HVC" "XENOLITH-LINUX-BALLOON: at target" 120 "$domid"
total1=$(sed -n 's/.*XENOLITH-LINUX-BALLOON: at target [0-9]* kB, MemTotal \([0-9]*\) kB.*/\1/p' "$HVC" | head -n 1)
after=$(backed_kib "$domid")
note "mem-set 128m: balloon at target in $(($(date +%s) - t)) s; MemTotal $total0 -> $total1 kB; memory file backed $before -> $after KiB"
[ $((total0 - total1)) -ge $((100 * 1024)) ] ||
    { linux_show "$HVC"; fail "MemTotal fell by only $((total0 - total1)) KiB for 128 MiB ballooned out"; }
[ $((before - after)) -ge $((8 * 1024)) ] ||
    fail "ballooning 128 MiB out gave only $((before - after)) KiB back to the host"
"$XL" list linux | grep -qE "^linux +$domid +128 +1 " || fail "xl list does not show 128 MiB and 1 vCPU: $("$XL" list linux)"

t=$(date +%s)
timeout 180 "$XL" shutdown -w linux || { linux_show "$HVC"; fail "xl shutdown -w linux failed"; }
expect_end "$domid" s poweroff >/dev/null
note "xl shutdown took $(($(date +%s) - t)) s; $(($(date +%s) - start)) s from xl create"
for m in "ACPI: PM: Preparing to enter system sleep state S5" "reboot: Power down"; do
    grep -qF "$m" "$HVC" || { linux_show "$HVC"; fail "no '$m' from the kernel on hvc0"; }
done
# xl console ends with the domain, having shown the kernel's last lines.
for _ in $(seq 50); do proc_running "$xl_console" || break; sleep 0.1; done
proc_running "$xl_console" && fail "xl console still runs after the guest powered off"
grep -qF "reboot: Power down" "$cout" || fail "xl console did not show the kernel's last line"
exec 7>&-

# The guest's blocks, as Dom0 reads the files.
cmp <(dd if="$disk" bs=4096 skip=256 count=1 status=none) <(linux_block raw-linux) ||
    fail "$disk: the block the guest wrote at 1 MiB is not there"
cmp <("$IMG" read "$vhd" $((256 * 4096)) 4096) <(linux_block vhd-linux) ||
    fail "$vhd: xenolith-img does not read the guest's block at 1 MiB"
qemu-img convert -f vpc -O raw "$vhd" "$RUNDIR/vhd.raw" || fail "qemu-img cannot read $vhd"
cmp <(dd if="$RUNDIR/vhd.raw" bs=4096 count=1 status=none) <(linux_block vhd-dom0) ||
    fail "$vhd: qemu-img does not read Dom0's block at 0"
cmp <(dd if="$RUNDIR/vhd.raw" bs=4096 skip=256 count=1 status=none) <(linux_block vhd-linux) ||
    fail "$vhd: qemu-img does not read the guest's block at 1 MiB"
"$IMG" check "$vhd" >/dev/null || fail "xenolith-img check $vhd: $("$IMG" check "$vhd")"
exit 0
