#include "config.h"

#include <string.h>


#include "hypervisor/guest_ram.h"

void guest_ram_layout(struct guest_ram *r, uint64_t size)
{
    r->size = size;
    r->low_size = size < HVM_BELOW_4G_RAM_END ? size : HVM_BELOW_4G_RAM_END;
}

/* Whether the guest has every page of RAM in [off, off + len) of the
 * file. */
static bool present(const struct guest_ram *r, uint64_t off, uint64_t len)
{
    if (!r->absent)
        return true;
    for (uint64_t i = off / GUEST_PAGE_SIZE; i <= (off + len - 1) / GUEST_PAGE_SIZE; i++)
        if (__atomic_load_n(&r->absent[i / 64], __ATOMIC_SEQ_CST) >> (i % 64) & 1)
            return false;
    return true;
}

void *guest_ram_ptr(const struct guest_ram *r, uint64_t gpa, uint64_t len)
{
    if (len == 0 || gpa + len < gpa)
        return NULL;
    if (gpa + len <= r->low_size)
        return present(r, gpa, len) ? r->hva + gpa : NULL;
    uint64_t high = r->size - r->low_size;
    if (gpa >= GUEST_RAM_HIGH_BASE && gpa - GUEST_RAM_HIGH_BASE + len <= high) {
        uint64_t off = r->low_size + (gpa - GUEST_RAM_HIGH_BASE);
        return present(r, off, len) ? r->hva + off : NULL;
    }
    if (r->special && gpa >= GUEST_SPECIAL_GPA &&
        gpa - GUEST_SPECIAL_GPA + len <= GUEST_SPECIAL_PAGES * GUEST_PAGE_SIZE)
        return r->special + (gpa - GUEST_SPECIAL_GPA);
    return NULL;
}

bool guest_ram_contains(const struct guest_ram *r, uint64_t gpa, uint64_t len)
{
    return guest_ram_ptr(r, gpa, len) != NULL;
}

bool guest_ram_file_offset(const struct guest_ram *r, uint64_t gpa, uint64_t *off)
{
    /* The file is mapped whole at hva, so where a page is here is where
     * it is in the file; the special pages are then no case of their own. */
    const uint8_t *p = guest_ram_ptr(r, gpa, GUEST_PAGE_SIZE);
    if (!p)
        return false;
    *off = (uint64_t)(p - r->hva);
    return true;
}

unsigned guest_ram_memmap(const struct guest_ram *r,
                          struct hvm_memmap_table_entry out[GUEST_RAM_MAX_REGIONS])
{
    unsigned n = 0;
    memset(out, 0, sizeof(*out) * GUEST_RAM_MAX_REGIONS);
    out[n++] = (struct hvm_memmap_table_entry){
        .addr = 0, .size = r->low_size, .type = XEN_HVM_MEMMAP_TYPE_RAM,
    };
    if (r->special)
        out[n++] = (struct hvm_memmap_table_entry){
            .addr = GUEST_SPECIAL_GPA, .size = GUEST_SPECIAL_PAGES * GUEST_PAGE_SIZE,
            .type = XEN_HVM_MEMMAP_TYPE_RESERVED,
        };
    if (r->size > r->low_size)
        out[n++] = (struct hvm_memmap_table_entry){
            .addr = GUEST_RAM_HIGH_BASE, .size = r->size - r->low_size,
            .type = XEN_HVM_MEMMAP_TYPE_RAM,
        };
    return n;
}
