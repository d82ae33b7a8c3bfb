#!/bin/bash
# Kernels and configs xenolithd must refuse, each with an error that says
# what is wrong, and no domain left behind.
. "$(dirname "$0")/lib.sh"
start_daemon

# expect_refusal NAME KERNEL TEXT [config lines...]
expect_refusal() {
    local name=$1 kernel=$2 text=$3
    shift 3
    local cfg="$RUNDIR/$name.cfg" out
    {
        echo "name = \"$name\""
        echo "type = \"pvh\""
        echo "kernel = \"$kernel\""
        echo "memory = 32"
        for line in "$@"; do echo "$line"; done
    } >"$cfg"
    if out=$("$XL" create "$cfg" 2>&1); then
        fail "$name: xl create succeeded; expected a refusal saying '$text'"
    fi
    echo "$out" | grep -qF -- "$text" || fail "$name: expected '$text' in the error, got: $out"
    "$XL" list | grep -q "^$name " && fail "$name: a refused domain was left behind"
    note "$name refused: $(echo "$out" | tail -n 1)"
}

# Not an ELF at all.
printf 'this is not a kernel\n' >"$RUNDIR/text.img"
expect_refusal notelf "$RUNDIR/text.img" "not an ELF file"

# An x86-64 executable without any Xen note.
cat >"$RUNDIR/plain.S" <<'ASM'
	.globl _start
_start:	hlt
ASM
gcc -nostdlib -static -no-pie -Wl,-Ttext=0x100000 -Wl,--build-id=none \
    -o "$RUNDIR/plain.elf" "$RUNDIR/plain.S" || fail "cannot build the test ELF"
expect_refusal nonote "$RUNDIR/plain.elf" "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)"

# A classic PV kernel: Xen notes, but no PVH entry.
cat >"$RUNDIR/pv.S" <<'ASM'
	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 8, 1		/* namesz, descsz, XEN_ELFNOTE_ENTRY */
	.asciz "Xen"
	.quad _start
	.text
	.globl _start
_start:	hlt
ASM
gcc -nostdlib -static -no-pie -Wl,-Ttext=0x100000 -Wl,--build-id=none \
    -o "$RUNDIR/pv.elf" "$RUNDIR/pv.S" || fail "cannot build the PV test ELF"
expect_refusal classicpv "$RUNDIR/pv.elf" "classic PV guests cannot run on KVM"

# The kernel does not fit: it loads at 1 MiB and the domain has 1 MiB.
expect_refusal tiny "$GUEST" "not enough memory" "memory = 1"

# More memory than the host has.
expect_refusal huge "$GUEST" "not enough memory" "memory = 16000000"

# A missing kernel file.
expect_refusal nofile "$RUNDIR/does-not-exist" "does-not-exist"

# A key whose absence the guest would notice (xlcfg_keys.c): refused by
# xl before any domain is built.
expect_refusal pcidev "$GUEST" 'key "pci": Xenolith cannot pass host devices through' \
    "pci = [ '01:00.0' ]"

# A key with no effect here: the domain is built, and xl says which key.
create_guest novnc cpuid "vnc = 1" >/dev/null
grep -qF 'warning: '"$RUNDIR"'/novnc.cfg:8: key "vnc" has no effect here' "$RUNDIR/create-novnc.out" ||
    fail "xl create did not warn of vnc=: $(cat "$RUNDIR/create-novnc.out")"

# xenolithd is still there and still serves.
daemon_alive || fail "xenolithd died while refusing bad kernels"
"$XL" list >/dev/null || fail "xl list failed after the refusals"
exit 0
