/*
 * Guest virtual to guest physical translation by walking the guest's own
 * page tables in software, for hypercall pointer arguments. KVM_TRANSLATE
 * would cost an ioctl per page; the tables are in memory we already map.
 */
#ifndef XENOLITH_PAGEWALK_H
#define XENOLITH_PAGEWALK_H

#include <stdbool.h>
#include <stdint.h>

/* The paging-relevant control state of a vCPU at the time of the call. */
struct paging_mode {
    uint64_t cr0, cr3, cr4, efer;
};

/* Reads len bytes of guest physical memory; 0, or -EFAULT outside RAM. */
typedef int (*phys_read_fn)(void *ctx, uint64_t gpa, void *buf, unsigned len);

/* Translates gva; *gpa receives the physical address of that byte.
 * write: the access will store, so read-only pages fault (when CR0.WP).
 * Returns 0 or -EFAULT (not present, non-canonical, table outside RAM). */
int pagewalk(const struct paging_mode *m, uint64_t gva, bool write,
             phys_read_fn read, void *ctx, uint64_t *gpa);

#endif
