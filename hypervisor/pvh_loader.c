#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hypervisor/fail_msg.h"
#include "hypervisor/pvh_loader.h"

/* The fields of a program or section header we use, whatever the class. */
struct seg {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz;
};

struct elf_view {
    const uint8_t *file;
    size_t size;
    bool is64;
    uint64_t phoff, shoff;
    unsigned phnum, shnum, phentsize, shentsize;
};

static bool in_file(const struct elf_view *v, uint64_t off, uint64_t len)
{
    return off <= v->size && len <= v->size - off;
}

/*
 * The readers of one ELF class (bits is 32 or 64), whose headers differ
 * from the other's only in field widths: its file header into v, and its
 * program and section headers into struct seg (a section's size standing
 * as both sizes).
 */
#define ELF_CLASS_READERS(bits)                                                                    \
    static int view_header##bits(struct elf_view *v, char *err, size_t errlen)                    \
    {                                                                                              \
        Elf##bits##_Ehdr eh;                                                                       \
        if (v->size < sizeof(eh))                                                                  \
            return fail(err, errlen, -ENOEXEC, "truncated ELF header");                            \
        memcpy(&eh, v->file, sizeof(eh));                                                          \
        if (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386)                                   \
            return fail(err, errlen, -ENOEXEC, "ELF file for machine %u, not x86",                 \
                        eh.e_machine);                                                             \
        if (eh.e_type != ET_EXEC)                                                                  \
            return fail(err, errlen, -ENOEXEC, "ELF file is not an executable (type %u)",          \
                        eh.e_type);                                                                \
        v->is64 = bits == 64;                                                                      \
        v->phoff = eh.e_phoff;                                                                     \
        v->phnum = eh.e_phnum;                                                                     \
        v->phentsize = eh.e_phentsize;                                                             \
        v->shoff = eh.e_shoff;                                                                     \
        v->shnum = eh.e_shnum;                                                                     \
        v->shentsize = eh.e_shentsize;                                                             \
        if (v->phnum && v->phentsize != sizeof(Elf##bits##_Phdr))                                  \
            return fail(err, errlen, -ENOEXEC, "bad ELF program header size %u", v->phentsize);   \
        /* Sections are optional: a table we cannot read is ignored. */                            \
        if (v->shnum && v->shentsize != sizeof(Elf##bits##_Shdr))                                  \
            v->shnum = 0;                                                                          \
        return 0;                                                                                  \
    }                                                                                              \
    static void phdr##bits(const uint8_t *p, struct seg *s)                                        \
    {                                                                                              \
        Elf##bits##_Phdr h;                                                                        \
        memcpy(&h, p, sizeof(h));                                                                  \
        *s = (struct seg){h.p_type, h.p_offset, h.p_paddr, h.p_filesz, h.p_memsz};                 \
    }                                                                                              \
    static void shdr##bits(const uint8_t *p, struct seg *s)                                        \
    {                                                                                              \
        Elf##bits##_Shdr h;                                                                        \
        memcpy(&h, p, sizeof(h));                                                                  \
        *s = (struct seg){h.sh_type, h.sh_offset, h.sh_addr, h.sh_size, h.sh_size};                \
    }

/* An ELF32 container may carry x86-64 code (doc/design.md, "PVH boot"),
 * so both classes take either x86 machine. */
ELF_CLASS_READERS(32)
ELF_CLASS_READERS(64)

static void phdr_at(const struct elf_view *v, unsigned i, struct seg *s)
{
    const uint8_t *p = v->file + v->phoff + (uint64_t)i * v->phentsize;
    (v->is64 ? phdr64 : phdr32)(p, s);
}

static void shdr_at(const struct elf_view *v, unsigned i, struct seg *s)
{
    const uint8_t *p = v->file + v->shoff + (uint64_t)i * v->shentsize;
    (v->is64 ? shdr64 : shdr32)(p, s);
}

struct note_scan {
    bool saw_xen;      /* any note owned by "Xen" */
    bool have_entry;
    uint64_t entry;
    bool bad_entry;    /* a PHYS32_ENTRY note with a descriptor we cannot read */
};

/* Walks one note area. Both ELF classes lay notes out with 4-byte
 * alignment on x86, as the Xen notes in Linux and Mini-OS are. */
static void scan_notes(const uint8_t *p, uint64_t len, struct note_scan *ns)
{
    uint64_t off = 0;
    while (len - off >= 12) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, p + off, 4);
        memcpy(&descsz, p + off + 4, 4);
        memcpy(&type, p + off + 8, 4);
        uint64_t name_off = off + 12;
        uint64_t desc_off = name_off + (((uint64_t)namesz + 3) & ~3ull);
        uint64_t next = desc_off + (((uint64_t)descsz + 3) & ~3ull);
        if (next > len || desc_off > len)
            return;
        if (namesz == 4 && memcmp(p + name_off, "Xen", 4) == 0) {
            ns->saw_xen = true;
            if (type == XEN_ELFNOTE_PHYS32_ENTRY) {
                if (descsz == 4) {
                    uint32_t e;
                    memcpy(&e, p + desc_off, 4);
                    ns->entry = e;
                    ns->have_entry = true;
                } else if (descsz == 8) {
                    memcpy(&ns->entry, p + desc_off, 8);
                    ns->have_entry = true;
                } else {
                    ns->bad_entry = true;
                }
            }
        }
        off = next;
    }
}

static int open_view(const uint8_t *file, size_t size, struct elf_view *v, char *err,
                     size_t errlen)
{
    memset(v, 0, sizeof(*v));
    v->file = file;
    v->size = size;
    if (size < EI_NIDENT || memcmp(file, ELFMAG, SELFMAG) != 0) {
        /* A bzImage carries "HdrS" at 0x202: say what the user has. */
        if (size >= 0x206 && memcmp(file + 0x202, "HdrS", 4) == 0)
            return fail(err, errlen, -ENOEXEC,
                        "not an ELF file: it is a bzImage, whose ELF payload must be "
                        "extracted first (bzimage_extract)");
        return fail(err, errlen, -ENOEXEC, "not an ELF file");
    }
    if (file[EI_DATA] != ELFDATA2LSB)
        return fail(err, errlen, -ENOEXEC, "not a little-endian ELF file");
    if (file[EI_CLASS] != ELFCLASS64 && file[EI_CLASS] != ELFCLASS32)
        return fail(err, errlen, -ENOEXEC, "unknown ELF class %u", file[EI_CLASS]);
    int rc = file[EI_CLASS] == ELFCLASS64 ? view_header64(v, err, errlen)
                                          : view_header32(v, err, errlen);
    if (rc)
        return rc;
    if (v->phnum == 0)
        return fail(err, errlen, -ENOEXEC, "ELF file has no program headers");
    if (!in_file(v, v->phoff, (uint64_t)v->phnum * v->phentsize))
        return fail(err, errlen, -ENOEXEC, "ELF program headers lie outside the file");
    if (v->shnum && !in_file(v, v->shoff, (uint64_t)v->shnum * v->shentsize))
        v->shnum = 0;
    return 0;
}

int pvh_parse(const uint8_t *file, size_t size, struct pvh_image *img, char *err,
              size_t errlen)
{
    struct elf_view v;
    int rc = open_view(file, size, &v, err, errlen);
    if (rc)
        return rc;

    struct note_scan ns = {0};
    bool any_load = false;
    img->load_lo = UINT64_MAX;
    img->load_hi = 0;
    for (unsigned i = 0; i < v.phnum; i++) {
        struct seg s;
        phdr_at(&v, i, &s);
        if (s.type == PT_NOTE) {
            if (!in_file(&v, s.offset, s.filesz))
                return fail(err, errlen, -ENOEXEC, "ELF note segment %u lies outside the file", i);
            scan_notes(file + s.offset, s.filesz, &ns);
        } else if (s.type == PT_LOAD && s.memsz) {
            if (s.filesz > s.memsz)
                return fail(err, errlen, -ENOEXEC,
                            "ELF segment %u has more file bytes than memory bytes", i);
            if (!in_file(&v, s.offset, s.filesz))
                return fail(err, errlen, -ENOEXEC, "ELF segment %u lies outside the file", i);
            if (s.paddr + s.memsz < s.paddr)
                return fail(err, errlen, -ENOEXEC, "ELF segment %u wraps the address space", i);
            any_load = true;
            if (s.paddr < img->load_lo)
                img->load_lo = s.paddr;
            if (s.paddr + s.memsz > img->load_hi)
                img->load_hi = s.paddr + s.memsz;
        }
    }
    /* Xen's loader also reads notes that sit only in a section. */
    for (unsigned i = 0; !ns.have_entry && i < v.shnum; i++) {
        struct seg s;
        shdr_at(&v, i, &s);
        if (s.type == SHT_NOTE && in_file(&v, s.offset, s.filesz))
            scan_notes(file + s.offset, s.filesz, &ns);
    }
    if (!any_load)
        return fail(err, errlen, -ENOEXEC, "ELF file has no loadable segments");
    if (ns.bad_entry && !ns.have_entry)
        return fail(err, errlen, -ENOEXEC,
                    "the PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) has a malformed descriptor");
    if (!ns.have_entry) {
        if (ns.saw_xen)
            return fail(err, errlen, -ENOEXEC,
                        "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): this is a classic PV "
                        "kernel, and classic PV guests cannot run on KVM; use a kernel built "
                        "with PVH support (Linux CONFIG_PVH=y) and type=\"pvh\"");
        return fail(err, errlen, -ENOEXEC,
                    "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) in the ELF file; a PVH "
                    "kernel must carry one (Linux: CONFIG_PVH=y)");
    }
    if (ns.entry < img->load_lo || ns.entry >= img->load_hi)
        return fail(err, errlen, -ENOEXEC,
                    "the PVH entry point 0x%llx lies outside the loaded image "
                    "[0x%llx, 0x%llx)",
                    (unsigned long long)ns.entry, (unsigned long long)img->load_lo,
                    (unsigned long long)img->load_hi);
    img->entry = ns.entry;
    return 0;
}

static uint64_t page_up(uint64_t x)
{
    return (x + GUEST_PAGE_SIZE - 1) & ~(GUEST_PAGE_SIZE - 1);
}

int pvh_load(const uint8_t *file, size_t size, const struct pvh_image *img,
             const struct guest_ram *ram, const char *cmdline, const uint8_t *ramdisk,
             size_t ramdisk_size, struct pvh_boot *boot, char *err, size_t errlen)
{
    size_t clen = cmdline ? strlen(cmdline) : 0;
    if (clen > PVH_CMDLINE_MAX)
        return fail(err, errlen, -E2BIG, "command line too long: %zu bytes, the limit is %d",
                    clen, PVH_CMDLINE_MAX);

    /* Start info (with its module list and memory map) in one page, then
     * the command line, then the ramdisk, all page aligned. */
    uint64_t si = page_up(img->load_hi);
    uint64_t cl = si + GUEST_PAGE_SIZE;
    uint64_t rd = page_up(cl + clen + 1);
    uint64_t end = ramdisk_size ? page_up(rd + ramdisk_size) : rd;
    /* EBX is 32 bits wide, and everything must be low RAM. */
    if (end > ram->low_size || end < si)
        return fail(err, errlen, -ENOMEM,
                    "not enough memory: the kernel%s need RAM up to %llu KiB "
                    "but the domain's low RAM ends at %llu KiB",
                    ramdisk_size ? ", its ramdisk and boot data" : " and its boot data",
                    (unsigned long long)(end >> 10), (unsigned long long)(ram->low_size >> 10));

    struct elf_view v;
    int rc = open_view(file, size, &v, err, errlen);
    if (rc)
        return rc;
    for (unsigned i = 0; i < v.phnum; i++) {
        struct seg s;
        phdr_at(&v, i, &s);
        if (s.type != PT_LOAD || !s.memsz)
            continue;
        uint8_t *dst = guest_ram_ptr(ram, s.paddr, s.memsz);
        if (!dst)
            return fail(err, errlen, -ENOMEM,
                        "not enough memory: kernel segment at 0x%llx (%llu KiB) lies "
                        "outside the domain's RAM",
                        (unsigned long long)s.paddr, (unsigned long long)(s.memsz >> 10));
        memcpy(dst, file + s.offset, s.filesz);
        memset(dst + s.filesz, 0, s.memsz - s.filesz);
    }

    uint8_t *page = guest_ram_ptr(ram, si, GUEST_PAGE_SIZE);
    memset(page, 0, GUEST_PAGE_SIZE);
    struct hvm_start_info info = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .cmdline_paddr = cl,
    };
    uint64_t off = sizeof(info);
    if (ramdisk_size) {
        struct hvm_modlist_entry mod = {.paddr = rd, .size = ramdisk_size};
        info.nr_modules = 1;
        info.modlist_paddr = si + off;
        memcpy(page + off, &mod, sizeof(mod));
        off += sizeof(mod);
        memcpy(guest_ram_ptr(ram, rd, ramdisk_size), ramdisk, ramdisk_size);
    }
    struct hvm_memmap_table_entry map[GUEST_RAM_MAX_REGIONS];
    info.memmap_entries = guest_ram_memmap(ram, map);
    info.memmap_paddr = si + off;
    memcpy(page + off, map, sizeof(map[0]) * info.memmap_entries);
    memcpy(page, &info, sizeof(info));

    char *cdst = guest_ram_ptr(ram, cl, clen + 1);
    memcpy(cdst, cmdline ? cmdline : "", clen);
    cdst[clen] = '\0';

    *boot = (struct pvh_boot){
        .entry = img->entry, .start_info = si, .ramdisk = ramdisk_size ? rd : 0, .end = end,
    };
    return 0;
}
