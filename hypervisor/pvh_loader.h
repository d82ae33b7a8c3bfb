/*
 * Loading a PVH kernel: the ELF image (32- or 64-bit), its
 * XEN_ELFNOTE_PHYS32_ENTRY note, the ramdisk and the hvm_start_info that
 * tells the kernel where everything is.
 */
#ifndef XENOLITH_PVH_LOADER_H
#define XENOLITH_PVH_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "hypervisor/guest_ram.h"

#define PVH_CMDLINE_MAX 4095

struct pvh_image {
    uint64_t entry;   /* from the PHYS32_ENTRY note */
    uint64_t load_lo; /* lowest physical byte a PT_LOAD segment fills */
    uint64_t load_hi; /* one past the highest */
};

/* Where the loaded kernel starts: EIP and EBX of the boot vCPU. */
struct pvh_boot {
    uint64_t entry;
    uint64_t start_info;
    uint64_t ramdisk;     /* 0 when none */
    uint64_t end;         /* one past the last byte placed in RAM */
};

/* Parses an ELF image. 0, or -errno with a message in err that names what
 * is wrong (not an ELF, not x86, no PVH note, a classic PV kernel, ...). */
int pvh_parse(const uint8_t *file, size_t size, struct pvh_image *img, char *err,
              size_t errlen);

/* Copies the image into RAM and builds the start info, memory map, command
 * line and ramdisk module just above it (doc/design.md, "PVH boot": a kernel
 * may map little beyond itself at entry). 0, or -errno with a message (e.g. not enough memory). */
int pvh_load(const uint8_t *file, size_t size, const struct pvh_image *img,
             const struct guest_ram *ram, const char *cmdline, const uint8_t *ramdisk,
             size_t ramdisk_size, struct pvh_boot *boot, char *err, size_t errlen);

#endif
