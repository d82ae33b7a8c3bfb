/*
 * The floor under bench/create-first-line: what any KVM launcher pays
 * before its guest can say anything. A process that opens /dev/kvm,
 * creates a VM with MIB of RAM (a memory file, as xenolithd backs guest
 * RAM) and one vCPU, puts two instructions in it (an OUT to port 0x80 and
 * a HLT) and runs it to its first exit, then prints LINE. The benchmark
 * times this process from its start to LINE as it times `xl create -c` to
 * the guest's first console line.
 *
 * Usage: xenolith-bench-kvm-first-exit MIB LINE
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define CODE 0x1000

static void die(const char *what)
{
    fprintf(stderr, "xenolith-bench-kvm-first-exit: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 3 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: xenolith-bench-kvm-first-exit MIB LINE\n");
        return 2;
    }
    size_t ram_size = (size_t)atoi(argv[1]) << 20;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die("KVM_CREATE_VM");
    int memfd = memfd_create("guest-ram", MFD_CLOEXEC);
    if (memfd < 0 || ftruncate(memfd, (off_t)ram_size) < 0)
        die("guest RAM");
    uint8_t *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (ram == MAP_FAILED)
        die("mmap guest RAM");
    static const uint8_t code[] = {0xe6, 0x80, 0xf4}; /* out 0x80, al; hlt */
    memcpy(ram + CODE, code, sizeof(code));
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = ram_size,
        .userspace_addr = (uint64_t)(uintptr_t)ram,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        die("KVM_SET_USER_MEMORY_REGION");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < 0)
        die("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");
    /* Real mode at CODE: the vCPU's reset state but for CS and RIP. */
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        die("KVM_SET_SREGS");
    struct kvm_regs regs = {.rip = CODE, .rflags = 0x2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");
    if (ioctl(vcpu, KVM_RUN, 0) < 0)
        die("KVM_RUN");
    if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x80) {
        fprintf(stderr, "xenolith-bench-kvm-first-exit: first exit %u, not the OUT to 0x80\n",
                run->exit_reason);
        return 1;
    }
    printf("%s\n", argv[2]);
    fflush(stdout);
    return 0;
}
