/*
 * libFuzzer harness: a guest kernel file, which xl create hands to
 * xenolithd. A bzImage is unpacked (each codec's library sees the
 * payload), and whatever ELF results, or the input itself when it is no
 * bzImage, goes through the PVH loader's parser and then its loader into a
 * small guest RAM. Output is capped so a lying size costs nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "hypervisor/bzimage.h"
#include "hypervisor/guest_ram.h"
#include "hypervisor/pvh_loader.h"

#define MAX_ELF (4u << 20)
#define RAM_SIZE (16u << 20)

static void load_elf(const uint8_t *elf, size_t size)
{
    static uint8_t *ram_mem;
    char err[256];
    struct pvh_image img;
    if (pvh_parse(elf, size, &img, err, sizeof(err)) != 0)
        return;
    if (!ram_mem && !(ram_mem = malloc(RAM_SIZE)))
        return;
    struct guest_ram ram = {.hva = ram_mem};
    guest_ram_layout(&ram, RAM_SIZE);
    static const uint8_t initrd[512] = {1, 2, 3};
    struct pvh_boot boot;
    (void)pvh_load(elf, size, &img, &ram, "console=hvc0", initrd, sizeof(initrd), &boot, err,
                   sizeof(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (bzimage_detect(data, size)) {
        struct bzimage_payload pl;
        char err[256];
        if (bzimage_extract(data, size, MAX_ELF, &pl, err, sizeof(err)) == 0) {
            load_elf(pl.elf, pl.size);
            free(pl.elf);
        }
        return 0;
    }
    load_elf(data, size);
    return 0;
}
