/*
 * A domain's RAM as the guest sees it: one memfd mapped in xenolithd,
 * split around the MMIO hole below 4 GiB the way Xen lays out HVM guests
 * (HVM_BELOW_4G_RAM_END from xen/hvm/e820.h).
 */
#ifndef XENOLITH_GUEST_RAM_H
#define XENOLITH_GUEST_RAM_H

#include <stdbool.h>
#include <stdint.h>

#include "include/xen_public.h"

#define GUEST_PAGE_SIZE 4096ull
#define GUEST_RAM_HIGH_BASE (1ull << 32)
#define GUEST_RAM_MAX_REGIONS 3

/* Pages the toolstack uses for the guest's XenStore and console rings sit
 * where Xen's HVM toolstack puts its special pages: in the hole below
 * 4 GiB, outside RAM, reserved in the memory map. */
#define GUEST_SPECIAL_GPA 0xfeff0000ull
#define GUEST_SPECIAL_PAGES 16

struct guest_ram {
    uint8_t *hva;      /* the whole of RAM, low part first */
    uint64_t size;     /* bytes */
    uint64_t low_size; /* bytes at GPA 0; the rest starts at 4 GiB */
    uint8_t *special;  /* GUEST_SPECIAL_PAGES pages at GUEST_SPECIAL_GPA, or NULL */
    /* One bit per page of RAM in file order, set while the guest does
     * not have the page (ballooned out, or above memory= and never
     * populated): no host pointer is given for it, so that nothing the
     * guest asks of xenolithd or Dom0 makes the host back it. NULL: the
     * guest has every page. Read atomically; struct balloon writes it. */
    const uint64_t *absent;
};

/* Sets size and low_size for a RAM of `size` bytes (hva untouched). */
void guest_ram_layout(struct guest_ram *r, uint64_t size);
/* Host pointer to [gpa, gpa+len) when it lies wholly in one RAM region
 * (the special pages count as one) and the guest has every page of it. */
void *guest_ram_ptr(const struct guest_ram *r, uint64_t gpa, uint64_t len);
bool guest_ram_contains(const struct guest_ram *r, uint64_t gpa, uint64_t len);
/* Where guest page gpa lies in the domain's memory file, which is mapped
 * whole at hva (RAM, then the Xen area that holds the special pages);
 * false when gpa is no guest memory. */
bool guest_ram_file_offset(const struct guest_ram *r, uint64_t gpa, uint64_t *off);
/* The memory map handed to the guest; returns the number of entries. */
unsigned guest_ram_memmap(const struct guest_ram *r,
                          struct hvm_memmap_table_entry out[GUEST_RAM_MAX_REGIONS]);

#endif
