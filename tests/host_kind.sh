# shellcheck shell=bash
# Which KVM backs /dev/kvm here, for build.sh's tiers and the benchmarks'
# JSON: the figures mean different things on hardware virtualization
# (vmx, svm) and on PVM (software; the guest kernel is emulated). "none"
# where there is no /dev/kvm (kvm_pvm is built into some kernels that
# cannot use it: a PVM guest's own).
host_kvm_kind() {
    if [ ! -c /dev/kvm ]; then echo none
    elif [ -d /sys/module/kvm_pvm ]; then echo pvm
    elif [ -d /sys/module/kvm_intel ]; then echo vmx
    elif [ -d /sys/module/kvm_amd ]; then echo svm
    else echo unknown; fi
}
