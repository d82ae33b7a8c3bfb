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

/* An access the hypervisor makes on the guest's behalf, as the guest's
 * CPU would make it; the bits are those of the #PF error code. */
#define PAGEWALK_PRESENT (1u << 0) /* in pf_error: a present entry refused it */
#define PAGEWALK_WRITE (1u << 1)
#define PAGEWALK_USER (1u << 2)    /* CPL 3: U/S is checked, RW always */
#define PAGEWALK_RSVD (1u << 3)    /* in pf_error: a reserved bit was set */
#define PAGEWALK_FETCH (1u << 4)

/* Host pointer to len bytes of guest physical memory, NULL outside RAM. */
typedef void *(*phys_ptr_fn)(void *ctx, uint64_t gpa, unsigned len);

/* Translates gva for an access (PAGEWALK_WRITE/USER/FETCH) and, as the
 * CPU does, sets the accessed bit of every entry used and the dirty bit
 * of the last one on a write (locked, in place). Returns 0; -EFAULT with
 * *pf_error the #PF error code; -ERANGE for a non-canonical gva (a #GP). */
int pagewalk_access(const struct paging_mode *m, uint64_t gva, unsigned access,
                    phys_ptr_fn ptr, void *ctx, uint64_t *gpa, uint32_t *pf_error);

#endif
