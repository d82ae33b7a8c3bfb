/*
 * Linux since the XSA-466 changes (6.13, and 6.1.119+ as Debian ships it)
 * no longer calls through the hypercall page: every hypercall reaches one
 * of two tiny functions, one with `vmmcall` for AMD and one with `vmcall`
 * for Intel, chosen by CPU vendor. Our host's KVM has no Xen support, so
 * it would take either instruction as a KVM hypercall and answer
 * -KVM_ENOSYS. At load time we rewrite those two instructions in the
 * guest's copy of the kernel into the exit our hypercall page uses
 * (`out %eax,$XENOLITH_HYPERCALL_PORT; nop`, the same 3 bytes): the
 * kernel file stays as it is and no symbol table is needed
 * (doc/linux-guests.md).
 *
 * A site is accepted only in the shape those functions have: the
 * instruction, at once a return (`ret`, `ret; int3`, or `jmp` to the
 * return thunk), and its sibling of the other vendor within 32 bytes in
 * the same shape. A lone vmcall elsewhere (KVM's own paravirt code, which
 * never runs under Xen's CPUID) is left alone.
 */
#ifndef XENOLITH_HYPERCALL_PATCH_H
#define XENOLITH_HYPERCALL_PATCH_H

#include <stddef.h>
#include <stdint.h>

#define HCPATCH_MAX_SITES 8

struct hcpatch_result {
    unsigned nr_sites;                 /* instructions rewritten */
    uint64_t sites[HCPATCH_MAX_SITES]; /* their offsets in the image */
};

/* Rewrites every vmcall/vmmcall pair in image (a kernel's loaded bytes)
 * and reports where. At most HCPATCH_MAX_SITES are rewritten; finding
 * more means the image is not what we expect, and nothing is touched:
 * returns -1 then, else the number of sites. */
int hcpatch_apply(uint8_t *image, size_t len, struct hcpatch_result *res);

#endif
