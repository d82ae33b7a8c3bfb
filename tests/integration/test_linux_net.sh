#!/bin/bash
# Debian's own cloud kernel (linux-image-cloud-amd64, unmodified) on the
# network: a PVH guest with one vif on a bridge in a private namespace
# (net.bash), its initramfs (linux.bash) loading the package's
# xen-netfront.ko; the guest configures eth0 with busybox's ip, pings
# Dom0's address on the bridge, and Dom0 pings the guest; xl shutdown
# then powers it off with the kernel's own messages on hvc0.
. "$(dirname "$0")/net.bash"
. "$(dirname "$0")/linux.bash"

GUEST_IP=10.99.0.2
linux_kernel
start_net
start_client "$RUNDIR/consoled.out" "$BUILD/backends/xenolith-consoled" -F --rundir "$RUNDIR"
HVC="$RUNDIR/console/guest-linuxnet.log"

linux_initramfs "$RUNDIR/initrd.gz" xen-netfront <<EOF
if wait_for /sys/class/net/eth0; then
    say "XENOLITH-LINUX-NET: eth0 mac \$(\$bb cat /sys/class/net/eth0/address)"
    \$bb ip link set lo up
    \$bb ip link set eth0 up
    \$bb ip addr add $GUEST_IP/24 dev eth0
    if \$bb ping -c 3 -W 5 $DOM0_IP > /tmp/ping 2>&1; then
        say "XENOLITH-LINUX-NET: ping $DOM0_IP ok"
    else
        say "XENOLITH-LINUX-NET: ping $DOM0_IP failed"
    fi
    \$bb cat /tmp/ping > /dev/hvc0
else
    say "XENOLITH-LINUX-NET: no eth0"
fi
say "XENOLITH-LINUX-READY"
EOF

cat >"$RUNDIR/linuxnet.cfg" <<EOF
name = "linuxnet"
type = "pvh"
kernel = "$LINUX_KERNEL"
ramdisk = "$RUNDIR/initrd.gz"
extra = "console=hvc0"
memory = 256
vcpus = 1
vif = [ 'bridge=$BR' ]
on_poweroff = "preserve"
on_crash = "preserve"
EOF

start=$(date +%s)
in_ns "$XL" create "$RUNDIR/linuxnet.cfg" >"$RUNDIR/create.out" 2>&1 ||
    fail "xl create failed: $(cat "$RUNDIR/create.out")"
domid=$("$XL" domid linuxnet) || fail "no domid for linuxnet"
linux_wait "$HVC" "XENOLITH-LINUX-INIT: init running on" 300 "$domid"
note "init ran $(($(date +%s) - start)) s after xl create"
linux_wait "$HVC" "XENOLITH-LINUX-READY" 60 "$domid"
grep -q "XENOLITH-LINUX-NET: eth0 mac 00:16:3e:" "$HVC" || { linux_show "$HVC"; fail "xen-netfront made no eth0 with the vif's MAC"; }
in_ns test -d "/sys/class/net/vif$domid.0/brport" || fail "tap vif$domid.0 is not on bridge $BR"
grep -q "XENOLITH-LINUX-NET: ping $DOM0_IP ok" "$HVC" || { linux_show "$HVC"; fail "the guest's ping of Dom0 got no reply"; }
out=$(in_ns "$PROBE" ping "$GUEST_IP" 3 10000) || { linux_show "$HVC"; fail "Dom0's ping of the guest: $out"; }
note "$out"
note "ready $(($(date +%s) - start)) s after xl create"

t=$(date +%s)
timeout 180 "$XL" shutdown -w linuxnet || { linux_show "$HVC"; fail "xl shutdown -w linuxnet failed"; }
expect_end "$domid" s poweroff >/dev/null
note "xl shutdown took $(($(date +%s) - t)) s"
grep -q "reboot: Power down" "$HVC" || { linux_show "$HVC"; fail "no 'reboot: Power down' from the kernel on hvc0"; }
exit 0
