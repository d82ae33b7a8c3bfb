/*
 * Builds small ELF kernels in memory for the PVH loader's unit tests, so
 * each test states exactly the headers, segments and notes it is about
 * instead of depending on a real vmlinux.
 */
#ifndef XENOLITH_TEST_ELF_BUILDER_H
#define XENOLITH_TEST_ELF_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EB_MAX_LOADS 4
#define EB_MAX_NOTES 4
#define EB_NOTE_NAME_MAX 16
#define EB_NOTE_DESC_MAX 16

struct eb_note {
    char name[EB_NOTE_NAME_MAX];
    uint32_t type;
    uint8_t desc[EB_NOTE_DESC_MAX];
    uint32_t descsz;
};

/* data is the caller's and must outlive eb_build; filesz bytes are read. */
struct eb_load {
    uint64_t paddr;
    const void *data;
    uint64_t filesz, memsz;
};

struct elf_builder {
    bool is64;
    uint16_t machine;
    uint16_t type;
    uint64_t e_entry; /* deliberately unlike any note: PVH must ignore it */
    unsigned nloads;
    struct eb_load loads[EB_MAX_LOADS];
    unsigned nseg_notes; /* in a PT_NOTE segment */
    struct eb_note seg_notes[EB_MAX_NOTES];
    unsigned nsec_notes; /* in an SHT_NOTE section that no segment covers */
    struct eb_note sec_notes[EB_MAX_NOTES];
};

/* An ET_EXEC for EM_X86_64 (64-bit) or EM_386 (32-bit) with nothing in it. */
void eb_init(struct elf_builder *b, bool is64);
void eb_add_load(struct elf_builder *b, uint64_t paddr, const void *data, uint64_t filesz,
                 uint64_t memsz);
void eb_add_note(struct elf_builder *b, const char *name, uint32_t type, const void *desc,
                 uint32_t descsz);
void eb_add_section_note(struct elf_builder *b, const char *name, uint32_t type,
                         const void *desc, uint32_t descsz);
/* The Xen PVH entry note with a 4-byte descriptor, as Linux emits it. */
void eb_add_pvh_entry(struct elf_builder *b, uint32_t entry);

/* A malloc'd image; free() it. */
uint8_t *eb_build(const struct elf_builder *b, size_t *size);

/* Where program header i sits in the built image, for tests that corrupt
 * it. Loads come first in the order added, then the PT_NOTE if any. */
size_t eb_phdr_offset(const struct elf_builder *b, unsigned i);

#endif
