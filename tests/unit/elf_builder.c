#include "config.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "include/xen_public.h"
#include "tests/unit/elf_builder.h"

static size_t align_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

void eb_init(struct elf_builder *b, bool is64)
{
    memset(b, 0, sizeof(*b));
    b->is64 = is64;
    b->machine = is64 ? EM_X86_64 : EM_386;
    b->type = ET_EXEC;
    b->e_entry = 0xdeadbeef;
}

void eb_add_load(struct elf_builder *b, uint64_t paddr, const void *data, uint64_t filesz,
                 uint64_t memsz)
{
    /* A test that outgrows the fixed tables is a test bug: stop loudly. */
    if (b->nloads == EB_MAX_LOADS)
        abort();
    b->loads[b->nloads++] = (struct eb_load){paddr, data, filesz, memsz};
}

static void set_note(struct eb_note *n, const char *name, uint32_t type, const void *desc,
                     uint32_t descsz)
{
    if (strlen(name) >= EB_NOTE_NAME_MAX || descsz > EB_NOTE_DESC_MAX)
        abort();
    memset(n, 0, sizeof(*n));
    strcpy(n->name, name);
    n->type = type;
    memcpy(n->desc, desc, descsz);
    n->descsz = descsz;
}

void eb_add_note(struct elf_builder *b, const char *name, uint32_t type, const void *desc,
                 uint32_t descsz)
{
    if (b->nseg_notes == EB_MAX_NOTES)
        abort();
    set_note(&b->seg_notes[b->nseg_notes++], name, type, desc, descsz);
}

void eb_add_section_note(struct elf_builder *b, const char *name, uint32_t type,
                         const void *desc, uint32_t descsz)
{
    if (b->nsec_notes == EB_MAX_NOTES)
        abort();
    set_note(&b->sec_notes[b->nsec_notes++], name, type, desc, descsz);
}

void eb_add_pvh_entry(struct elf_builder *b, uint32_t entry)
{
    eb_add_note(b, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, sizeof(entry));
}

/* Note records in the 4-byte-aligned layout x86 kernels use for both
 * classes; out may be NULL to measure. */
static size_t put_notes(uint8_t *out, const struct eb_note *notes, unsigned n)
{
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t namesz = (uint32_t)strlen(notes[i].name) + 1;
        uint32_t hdr[3] = {namesz, notes[i].descsz, notes[i].type};
        if (out) {
            memcpy(out + off, hdr, sizeof(hdr));
            memcpy(out + off + 12, notes[i].name, namesz);
            memcpy(out + off + 12 + align_up(namesz, 4), notes[i].desc, notes[i].descsz);
        }
        off += 12 + align_up(namesz, 4) + align_up(notes[i].descsz, 4);
    }
    return off;
}

static unsigned phnum(const struct elf_builder *b)
{
    return b->nloads + (b->nseg_notes ? 1 : 0);
}

static size_t ehdr_size(const struct elf_builder *b)
{
    return b->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
}

static size_t phdr_size(const struct elf_builder *b)
{
    return b->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
}

size_t eb_phdr_offset(const struct elf_builder *b, unsigned i)
{
    return ehdr_size(b) + i * phdr_size(b);
}

static void put_phdr(const struct elf_builder *b, uint8_t *out, unsigned i, uint32_t type,
                     uint64_t offset, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
    /* vaddr differs from paddr on purpose: the loader must use paddr. */
    uint64_t vaddr = paddr + 0xffffffff80000000ull;
    if (b->is64) {
        Elf64_Phdr ph = {
            .p_type = type, .p_flags = PF_R | PF_W | PF_X, .p_offset = offset,
            .p_vaddr = vaddr, .p_paddr = paddr, .p_filesz = filesz, .p_memsz = memsz,
            .p_align = 4,
        };
        memcpy(out + eb_phdr_offset(b, i), &ph, sizeof(ph));
    } else {
        Elf32_Phdr ph = {
            .p_type = type, .p_flags = PF_R | PF_W | PF_X, .p_offset = (Elf32_Off)offset,
            .p_vaddr = (Elf32_Addr)vaddr, .p_paddr = (Elf32_Addr)paddr,
            .p_filesz = (Elf32_Word)filesz, .p_memsz = (Elf32_Word)memsz, .p_align = 4,
        };
        memcpy(out + eb_phdr_offset(b, i), &ph, sizeof(ph));
    }
}

static void put_shdr(const struct elf_builder *b, uint8_t *out, size_t shoff, unsigned i,
                     uint32_t type, uint64_t offset, uint64_t size)
{
    if (b->is64) {
        Elf64_Shdr sh = {.sh_type = type, .sh_offset = offset, .sh_size = size,
                         .sh_addralign = type == SHT_NULL ? 0 : 4};
        memcpy(out + shoff + i * sizeof(sh), &sh, sizeof(sh));
    } else {
        Elf32_Shdr sh = {.sh_type = type, .sh_offset = (Elf32_Off)offset,
                         .sh_size = (Elf32_Word)size, .sh_addralign = type == SHT_NULL ? 0 : 4};
        memcpy(out + shoff + i * sizeof(sh), &sh, sizeof(sh));
    }
}

uint8_t *eb_build(const struct elf_builder *b, size_t *size)
{
    size_t off = eb_phdr_offset(b, phnum(b));
    size_t seg_notes_off = align_up(off, 4);
    size_t seg_notes_len = put_notes(NULL, b->seg_notes, b->nseg_notes);
    size_t sec_notes_off = align_up(seg_notes_off + seg_notes_len, 4);
    size_t sec_notes_len = put_notes(NULL, b->sec_notes, b->nsec_notes);
    off = sec_notes_off + sec_notes_len;
    size_t load_off[EB_MAX_LOADS];
    for (unsigned i = 0; i < b->nloads; i++) {
        load_off[i] = align_up(off, 16);
        off = load_off[i] + b->loads[i].filesz;
    }
    size_t shentsize = b->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    unsigned shnum = b->nsec_notes ? 2 : 0; /* index 0 is the mandatory null section */
    size_t shoff = shnum ? align_up(off, 8) : 0;
    size_t total = shnum ? shoff + shnum * shentsize : off;

    uint8_t *out = calloc(1, total);
    if (!out)
        abort();

    unsigned char ident[EI_NIDENT] = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3,
                                      b->is64 ? ELFCLASS64 : ELFCLASS32, ELFDATA2LSB,
                                      EV_CURRENT};
    if (b->is64) {
        Elf64_Ehdr eh = {
            .e_type = b->type, .e_machine = b->machine, .e_version = EV_CURRENT,
            .e_entry = b->e_entry, .e_phoff = phnum(b) ? ehdr_size(b) : 0, .e_shoff = shoff,
            .e_ehsize = sizeof(eh), .e_phentsize = sizeof(Elf64_Phdr),
            .e_phnum = (Elf64_Half)phnum(b), .e_shentsize = (Elf64_Half)shentsize,
            .e_shnum = (Elf64_Half)shnum,
        };
        memcpy(eh.e_ident, ident, EI_NIDENT);
        memcpy(out, &eh, sizeof(eh));
    } else {
        Elf32_Ehdr eh = {
            .e_type = b->type, .e_machine = b->machine, .e_version = EV_CURRENT,
            .e_entry = (Elf32_Addr)b->e_entry,
            .e_phoff = phnum(b) ? (Elf32_Off)ehdr_size(b) : 0, .e_shoff = (Elf32_Off)shoff,
            .e_ehsize = sizeof(eh), .e_phentsize = sizeof(Elf32_Phdr),
            .e_phnum = (Elf32_Half)phnum(b), .e_shentsize = (Elf32_Half)shentsize,
            .e_shnum = (Elf32_Half)shnum,
        };
        memcpy(eh.e_ident, ident, EI_NIDENT);
        memcpy(out, &eh, sizeof(eh));
    }

    for (unsigned i = 0; i < b->nloads; i++) {
        const struct eb_load *l = &b->loads[i];
        put_phdr(b, out, i, PT_LOAD, load_off[i], l->paddr, l->filesz, l->memsz);
        if (l->filesz)
            memcpy(out + load_off[i], l->data, l->filesz);
    }
    if (b->nseg_notes) {
        put_notes(out + seg_notes_off, b->seg_notes, b->nseg_notes);
        put_phdr(b, out, b->nloads, PT_NOTE, seg_notes_off, 0, seg_notes_len, seg_notes_len);
    }
    if (shnum) {
        put_notes(out + sec_notes_off, b->sec_notes, b->nsec_notes);
        put_shdr(b, out, shoff, 0, SHT_NULL, 0, 0);
        put_shdr(b, out, shoff, 1, SHT_NOTE, sec_notes_off, sec_notes_len);
    }
    *size = total;
    return out;
}
