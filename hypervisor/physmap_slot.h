/*
 * Guest frames outside RAM that show a page of xenolithd's: grant-table
 * frames a guest places in free physical address space (Linux does, with
 * CONFIG_XEN_UNPOPULATED_ALLOC), as Xen maps its own frames into the
 * guest's physmap. One KVM memory slot per frame.
 */
#ifndef XENOLITH_PHYSMAP_SLOT_H
#define XENOLITH_PHYSMAP_SLOT_H

#include <stdint.h>

#include "hypervisor/domain.h"

/* KVM slots 0-2 are RAM and the special pages; grant frame i is this + i. */
#define PHYSMAP_SLOT_GNTTAB 16

/* Shows the page at hva in guest frame gpa through slot (moving it when
 * the slot already shows it elsewhere); hva NULL removes the slot. 0 or
 * -errno (KVM refuses a gpa another slot, its own included, covers). */
int physmap_slot_set(struct domain *d, unsigned slot, uint64_t gpa, void *hva);

#endif
