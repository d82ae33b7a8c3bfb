# shellcheck shell=bash
# Sourced by the tests that boot Debian's own cloud kernel
# (test_linux*.sh), after blk.bash or net.bash: the kernel from
# /var/cache/xenolith/linux-guest (tests/integration/fetch_linux_guest.sh),
# an initramfs built here from busybox-static, the kernel package's own
# modules and an init the test writes, and the wait for what that init
# says on hvc0. Missing prerequisites fail the test.

# linux_kernel: LINUX_KERNEL (the vmlinuz) and LINUX_MODDIR (its modules).
linux_kernel() {
    local f tree
    for f in /bin/busybox cpio gzip dpkg-deb modinfo; do
        command -v "$f" >/dev/null || fail "$f missing: install busybox-static, cpio, gzip, dpkg and kmod"
    done
    tree=$("$SRC/tests/integration/fetch_linux_guest.sh") || fail "no Debian cloud kernel (see the message above)"
    LINUX_KERNEL=$(find "$tree/boot" -name 'vmlinuz-*' 2>/dev/null | head -n 1)
    [ -f "$LINUX_KERNEL" ] || fail "no vmlinuz in $tree/boot"
    LINUX_MODDIR=$(find "$tree/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)
    [ -d "$LINUX_MODDIR" ] || fail "no module directory in $tree/lib/modules"
}

# linux_module_file NAME: the package's file of module NAME (- and _ alike).
linux_module_file() {
    local pat=${1//[-_]/[-_]}
    local f
    f=$(find "$LINUX_MODDIR/kernel" -name "$pat.ko*" | head -n 1)
    [ -n "$f" ] || fail "no module $1 in $LINUX_MODDIR"
    echo "$f"
}

# linux_modules NAME...: the files to load, each after what it depends on
# (the depends= its own modinfo names, as depmod reads it), each once.
linux_modules() {
    local seen=" " order=()
    _linux_add() {
        local f d
        case "$seen" in *" ${1//-/_} "*) return ;; esac
        seen+="${1//-/_} "
        f=$(linux_module_file "$1") || exit 1
        for d in $(modinfo -F depends "$f" | tr ',' ' '); do _linux_add "$d"; done
        order+=("$f")
    }
    for m in "$@"; do _linux_add "$m"; done
    printf '%s\n' "${order[@]}"
}

# linux_initramfs OUT MODULE...: an initramfs (gzip'd cpio) at OUT with
# busybox, the modules and their dependencies, and an init that mounts
# /proc, /sys and /dev, loads the modules in order, runs the body read
# from stdin and then waits to be shut down (the kernel's orderly
# poweroff and reboot run /sbin/poweroff and /sbin/reboot). The body may
# use $bb (busybox), say (a line on hvc0), block SEED (4 KiB of 32-byte
# lines, as linux_block makes them here), wait_for PATH (up to 30 s) and
# hvc_shell (a shell that runs the lines typed on hvc0, xl console's
# input, its output on hvc0). LINUX_SAY names the device say writes to
# (/dev/hvc0 unless set; /dev/console follows the kernel's console=, for
# an initramfs that must speak on other machines' consoles too).
linux_initramfs() {
    local out=$1 root f
    shift
    root=$(mktemp -d "$RUNDIR/initramfs.XXXXXX")
    mkdir -p "$root"/bin "$root"/sbin "$root"/dev "$root"/proc "$root"/sys "$root"/tmp "$root"/lib/modules
    cp /bin/busybox "$root/bin/busybox"
    local mods
    mods=$(linux_modules "$@") || exit 1
    : >"$root/lib/modules/order"
    for f in $mods; do
        cp "$f" "$root/lib/modules/"
        basename "$f" >>"$root/lib/modules/order"
    done
    # What the kernel's orderly poweroff and reboot (xl shutdown, xl
    # reboot) run.
    cat >"$root/sbin/poweroff" <<'EOF'
#!/bin/busybox sh
exec /bin/busybox poweroff -f
EOF
    cat >"$root/sbin/reboot" <<'EOF'
#!/bin/busybox sh
exec /bin/busybox reboot -f
EOF
    {
        echo '#!/bin/busybox sh'
        echo "say_tty=${LINUX_SAY:-/dev/hvc0}"
        cat <<'EOF'
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
$bb mount -t devtmpfs dev /dev
say() { echo "$*" > $say_tty; }
block() {
    i=0
    while [ $i -lt 128 ]; do $bb printf '%-31s\n' "$1 $i"; i=$((i + 1)); done
}
wait_for() {
    i=0
    while [ ! -e "$1" ] && [ $i -lt 300 ]; do $bb sleep 0.1; i=$((i + 1)); done
    [ -e "$1" ]
}
hvc_shell() {
    $bb sh </dev/hvc0 >/dev/hvc0 2>&1 &
}
say "XENOLITH-LINUX-INIT: init running on $($bb uname -r)"
for m in $($bb cat /lib/modules/order); do
    $bb insmod "/lib/modules/$m" || say "XENOLITH-LINUX: insmod $m failed"
done
EOF
        cat
        # shellcheck disable=SC2016 # the guest's shell expands it
        echo 'while :; do $bb sleep 3600; done'
    } >"$root/init"
    chmod +x "$root/init" "$root/sbin/poweroff" "$root/sbin/reboot"
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out" ||
        fail "cannot build the initramfs"
}

# linux_block SEED: the 4 KiB block the guest's block SEED makes.
linux_block() {
    local i
    for i in $(seq 0 127); do printf '%-31s\n' "$1 $i"; done
}

# linux_cfg NAME [LINE...]: $RUNDIR/NAME.cfg for Debian's kernel with
# $RUNDIR/initrd.gz, 256 MiB and one vCPU on hvc0, kept when it stops,
# with the test's own lines (disks, vifs) after those.
linux_cfg() {
    local name=$1 line
    shift
    {
        echo "name = \"$name\""
        echo 'type = "pvh"'
        echo "kernel = \"$LINUX_KERNEL\""
        echo "ramdisk = \"$RUNDIR/initrd.gz\""
        echo 'extra = "console=hvc0"'
        echo 'memory = 256'
        echo 'vcpus = 1'
        echo 'on_poweroff = "preserve"'
        echo 'on_crash = "preserve"'
        for line in "$@"; do echo "$line"; done
    } >"$RUNDIR/$name.cfg"
}

# linux_show HVC: the end of the console and of xenolithd's log.
linux_show() {
    echo "--- hvc0 ($1):"
    tail -n 60 "$1" 2>/dev/null
    echo "--- xenolithd:"
    grep -v "unserved port" "$RUNDIR/daemon.log" | tail -n 20
}

# linux_wait HVC TEXT SECONDS DOMID [N]: until the console has N (1)
# lines with TEXT; fails (showing both logs) if the domain stops first or
# the time runs out.
linux_wait() {
    local hvc=$1 text=$2 secs=$3 domid=$4 n=${5:-1}
    for _ in $(seq $((secs * 5))); do
        [ "$(grep -cF -- "$text" "$hvc" 2>/dev/null)" -ge "$n" ] && return 0
        grep -qE "domain $domid \([^)]*\) (shut down|crashed)" "$RUNDIR/daemon.log" && break
        daemon_alive || break
        sleep 0.2
    done
    [ "$(grep -cF -- "$text" "$hvc" 2>/dev/null)" -ge "$n" ] && return 0
    linux_show "$hvc"
    fail "the guest did not say '$text' ($n times) within $secs s"
}
