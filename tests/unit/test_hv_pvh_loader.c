/* Unit tests of the PVH kernel loader (hypervisor/pvh_loader). */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/pvh_loader.h"
#include "include/xen_public.h"
#include "tests/unit/elf_builder.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define ck_assert_contains(hay, needle)                                                  \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" does not contain \"%s\"", (hay), \
                  (needle))

/* The kernel most tests start from: text and data at 1 MiB, the data
 * segment with BSS, entry in the text. */
#define TEXT_PADDR 0x100000u
#define TEXT_SIZE 0x1800u
#define DATA_PADDR 0x102000u
#define DATA_FILESZ 0x100u
#define DATA_MEMSZ 0x2234u
#define ENTRY (TEXT_PADDR + 0x40u)

static uint8_t text[TEXT_SIZE];
static uint8_t data[DATA_FILESZ];
static char err[512];

static void fill_pattern(void)
{
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(0xff - i);
}

static void base_kernel(struct elf_builder *b, bool is64)
{
    fill_pattern();
    eb_init(b, is64);
    eb_add_load(b, TEXT_PADDR, text, TEXT_SIZE, TEXT_SIZE);
    eb_add_load(b, DATA_PADDR, data, DATA_FILESZ, DATA_MEMSZ);
    eb_add_note(b, "Xen", XEN_ELFNOTE_GUEST_OS, "linux", 6);
    eb_add_pvh_entry(b, ENTRY);
}

/* Parses what b builds; the image is freed, the result and message kept. */
static int parse(const struct elf_builder *b, struct pvh_image *img)
{
    size_t size;
    uint8_t *file = eb_build(b, &size);
    err[0] = '\0';
    int rc = pvh_parse(file, size, img, err, sizeof(err));
    free(file);
    return rc;
}

/* For the refusals: the message, after checking the code. */
static const char *parse_error(const struct elf_builder *b)
{
    struct pvh_image img;
    int rc = parse(b, &img);
    ck_assert_msg(rc == -ENOEXEC, "expected -ENOEXEC, got %d (%s)", rc, err);
    ck_assert_msg(err[0] != '\0', "no message");
    return err;
}

static const char *parse_buffer_error(const uint8_t *buf, size_t size)
{
    struct pvh_image img;
    err[0] = '\0';
    ck_assert_int_eq(pvh_parse(buf, size, &img, err, sizeof(err)), -ENOEXEC);
    return err;
}

/* ---- refusals ---- */

START_TEST(not_an_elf)
{
    static const uint8_t junk[64] = "#!/bin/sh\necho this is not a kernel\n";
    ck_assert_contains(parse_buffer_error(junk, sizeof(junk)), "not an ELF file");
    ck_assert_contains(parse_buffer_error(junk, 3), "not an ELF file");
    ck_assert_contains(parse_buffer_error(junk, 0), "not an ELF file");
    /* The magic alone, cut short before a whole header. */
    static const uint8_t magic[] = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, 1, 0,
                                    0,    0,   0,   0,   0,          0,           0, 0, 2};
    parse_buffer_error(magic, sizeof(magic));
}
END_TEST

START_TEST(bzimage_is_named)
{
    uint8_t *bz = calloc(1, 0x1000);
    ck_assert_ptr_nonnull(bz);
    bz[0x1fe] = 0x55;
    bz[0x1ff] = 0xaa;
    memcpy(bz + 0x202, "HdrS", 4);
    const char *msg = parse_buffer_error(bz, 0x1000);
    ck_assert_contains(msg, "not an ELF file");
    ck_assert_contains(msg, "bzImage");
    free(bz);
}
END_TEST

START_TEST(big_endian_refused)
{
    struct elf_builder b;
    base_kernel(&b, true);
    size_t size;
    uint8_t *file = eb_build(&b, &size);
    file[EI_DATA] = ELFDATA2MSB;
    struct pvh_image img;
    ck_assert_int_eq(pvh_parse(file, size, &img, err, sizeof(err)), -ENOEXEC);
    ck_assert_contains(err, "little-endian");
    free(file);
}
END_TEST

START_TEST(wrong_machine)
{
    struct elf_builder b;
    base_kernel(&b, true);
    b.machine = EM_AARCH64;
    ck_assert_contains(parse_error(&b), "not x86");
    base_kernel(&b, false);
    b.machine = EM_ARM;
    ck_assert_contains(parse_error(&b), "not x86");
}
END_TEST

START_TEST(not_et_exec)
{
    struct elf_builder b;
    base_kernel(&b, true);
    b.type = ET_DYN;
    ck_assert_contains(parse_error(&b), "not an executable");
    base_kernel(&b, false);
    b.type = ET_REL;
    ck_assert_contains(parse_error(&b), "not an executable");
}
END_TEST

START_TEST(no_program_headers)
{
    struct elf_builder b;
    eb_init(&b, true);
    ck_assert_contains(parse_error(&b), "no program headers");
}
END_TEST

START_TEST(program_headers_outside_file)
{
    struct elf_builder b;
    base_kernel(&b, true);
    size_t size;
    uint8_t *file = eb_build(&b, &size);
    Elf64_Ehdr eh;
    memcpy(&eh, file, sizeof(eh));
    eh.e_phoff = size - 8;
    memcpy(file, &eh, sizeof(eh));
    struct pvh_image img;
    ck_assert_int_eq(pvh_parse(file, size, &img, err, sizeof(err)), -ENOEXEC);
    ck_assert_contains(err, "outside the file");
    free(file);
}
END_TEST

/* The image b builds, with program header i (64-bit) pointing at other
 * file bytes; memsz follows filesz so that only the offset can be wrong. */
static uint8_t *build_with_phdr(const struct elf_builder *b, unsigned i, uint64_t offset,
                                uint64_t filesz, size_t *size)
{
    uint8_t *file = eb_build(b, size);
    Elf64_Phdr ph;
    memcpy(&ph, file + eb_phdr_offset(b, i), sizeof(ph));
    ph.p_offset = offset;
    ph.p_filesz = filesz;
    ph.p_memsz = filesz;
    memcpy(file + eb_phdr_offset(b, i), &ph, sizeof(ph));
    return file;
}

START_TEST(segment_outside_file)
{
    struct elf_builder b;
    base_kernel(&b, true);
    struct pvh_image img;
    size_t size;
    free(eb_build(&b, &size));
    /* Past the end, straddling the end, and a size that wraps. */
    const uint64_t cases[][2] = {{1 * MiB, 16}, {size - 16, 32}, {16, UINT64_MAX - 8}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n;
        uint8_t *file = build_with_phdr(&b, 0, cases[i][0], cases[i][1], &n);
        ck_assert_int_eq(pvh_parse(file, n, &img, err, sizeof(err)), -ENOEXEC);
        ck_assert_contains(err, "outside the file");
        free(file);
    }
}
END_TEST

START_TEST(note_segment_outside_file)
{
    struct elf_builder b;
    base_kernel(&b, true);
    size_t size;
    uint8_t *file = build_with_phdr(&b, 2, 1 * MiB, 64, &size);
    struct pvh_image img;
    ck_assert_int_eq(pvh_parse(file, size, &img, err, sizeof(err)), -ENOEXEC);
    ck_assert_contains(err, "outside the file");
    free(file);
}
END_TEST

START_TEST(filesz_above_memsz)
{
    struct elf_builder b;
    base_kernel(&b, true);
    b.loads[1].memsz = DATA_FILESZ - 1;
    ck_assert_contains(parse_error(&b), "more file bytes than memory bytes");
}
END_TEST

START_TEST(no_loadable_segment)
{
    struct elf_builder b;
    eb_init(&b, true);
    eb_add_pvh_entry(&b, ENTRY);
    ck_assert_contains(parse_error(&b), "no loadable segments");
}
END_TEST

START_TEST(no_xen_notes)
{
    struct elf_builder b;
    fill_pattern();
    eb_init(&b, true);
    eb_add_load(&b, TEXT_PADDR, text, TEXT_SIZE, TEXT_SIZE);
    const char *msg = parse_error(&b);
    ck_assert_contains(msg, "no PVH entry note");
    ck_assert_ptr_null(strstr(msg, "classic PV"));
}
END_TEST

START_TEST(only_foreign_notes)
{
    /* A note of type 18 from another owner is not Xen's. */
    struct elf_builder b;
    fill_pattern();
    eb_init(&b, true);
    eb_add_load(&b, TEXT_PADDR, text, TEXT_SIZE, TEXT_SIZE);
    uint32_t entry = ENTRY;
    eb_add_note(&b, "GNU", XEN_ELFNOTE_PHYS32_ENTRY, &entry, 4);
    eb_add_note(&b, "Linux", XEN_ELFNOTE_PHYS32_ENTRY, &entry, 4);
    const char *msg = parse_error(&b);
    ck_assert_contains(msg, "no PVH entry note");
    ck_assert_ptr_null(strstr(msg, "classic PV"));
}
END_TEST

START_TEST(classic_pv_kernel)
{
    struct elf_builder b;
    fill_pattern();
    eb_init(&b, true);
    eb_add_load(&b, TEXT_PADDR, text, TEXT_SIZE, TEXT_SIZE);
    uint64_t entry = 0xffffffff81000000ull;
    eb_add_note(&b, "Xen", XEN_ELFNOTE_GUEST_OS, "linux", 6);
    eb_add_note(&b, "Xen", XEN_ELFNOTE_ENTRY, &entry, 8);
    eb_add_note(&b, "Xen", XEN_ELFNOTE_HYPERCALL_PAGE, &entry, 8);
    const char *msg = parse_error(&b);
    ck_assert_contains(msg, "no PVH entry note");
    ck_assert_contains(msg, "classic PV");
    ck_assert_contains(msg, "cannot run on KVM");
}
END_TEST

START_TEST(malformed_entry_descriptor)
{
    struct elf_builder b;
    fill_pattern();
    eb_init(&b, true);
    eb_add_load(&b, TEXT_PADDR, text, TEXT_SIZE, TEXT_SIZE);
    uint16_t entry = 0x1000;
    eb_add_note(&b, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, sizeof(entry));
    ck_assert_contains(parse_error(&b), "malformed");
}
END_TEST

START_TEST(entry_outside_image)
{
    struct elf_builder b;
    struct pvh_image img;
    static const uint32_t bad[] = {TEXT_PADDR - 1, DATA_PADDR + DATA_MEMSZ, 0, 0xffffffffu};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        base_kernel(&b, true);
        b.nseg_notes = 0;
        eb_add_pvh_entry(&b, bad[i]);
        ck_assert_contains(parse_error(&b), "outside the loaded image");
    }
    /* The last byte of the image is still inside it. */
    base_kernel(&b, true);
    b.nseg_notes = 0;
    eb_add_pvh_entry(&b, DATA_PADDR + DATA_MEMSZ - 1);
    ck_assert_int_eq(parse(&b, &img), 0);
    ck_assert_uint_eq(img.entry, DATA_PADDR + DATA_MEMSZ - 1);
}
END_TEST

/* ---- acceptance ---- */

START_TEST(elf64_with_4_byte_entry)
{
    struct elf_builder b;
    struct pvh_image img;
    base_kernel(&b, true);
    ck_assert_msg(parse(&b, &img) == 0, "%s", err);
    /* The note's address, never e_entry. */
    ck_assert_uint_eq(img.entry, ENTRY);
    ck_assert_uint_eq(img.load_lo, TEXT_PADDR);
    ck_assert_uint_eq(img.load_hi, DATA_PADDR + DATA_MEMSZ);
}
END_TEST

START_TEST(elf64_with_8_byte_entry)
{
    struct elf_builder b;
    struct pvh_image img;
    base_kernel(&b, true);
    b.nseg_notes = 0;
    uint64_t entry = ENTRY + 0x10;
    eb_add_note(&b, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, sizeof(entry));
    ck_assert_msg(parse(&b, &img) == 0, "%s", err);
    ck_assert_uint_eq(img.entry, ENTRY + 0x10);
}
END_TEST

START_TEST(elf32_i386)
{
    struct elf_builder b;
    struct pvh_image img;
    base_kernel(&b, false);
    ck_assert_msg(parse(&b, &img) == 0, "%s", err);
    ck_assert_uint_eq(img.entry, ENTRY);
    ck_assert_uint_eq(img.load_lo, TEXT_PADDR);
    ck_assert_uint_eq(img.load_hi, DATA_PADDR + DATA_MEMSZ);
}
END_TEST

START_TEST(elf32_carrying_x86_64)
{
    /* How some kernels ship their 64-bit code (doc/design.md, "PVH boot"). */
    struct elf_builder b;
    struct pvh_image img;
    base_kernel(&b, false);
    b.machine = EM_X86_64;
    ck_assert_msg(parse(&b, &img) == 0, "%s", err);
    ck_assert_uint_eq(img.entry, ENTRY);
}
END_TEST

START_TEST(elf64_i386_machine)
{
    struct elf_builder b;
    struct pvh_image img;
    base_kernel(&b, true);
    b.machine = EM_386;
    ck_assert_msg(parse(&b, &img) == 0, "%s", err);
}
END_TEST

START_TEST(note_only_in_a_section)
{
    for (int is64 = 0; is64 <= 1; is64++) {
        struct elf_builder b;
        struct pvh_image img;
        base_kernel(&b, is64);
        b.nseg_notes = 0;
        uint32_t entry = ENTRY + 4;
        eb_add_section_note(&b, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, 4);
        ck_assert_msg(parse(&b, &img) == 0, "ELF%d: %s", is64 ? 64 : 32, err);
        ck_assert_uint_eq(img.entry, ENTRY + 4);
    }
}
END_TEST

START_TEST(note_in_section_beside_other_notes)
{
    /* A PT_NOTE that holds only other notes must not end the search. */
    struct elf_builder b;
    struct pvh_image img;
    base_kernel(&b, true);
    b.nseg_notes = 0;
    eb_add_note(&b, "GNU", 3, "\x01\x02\x03\x04", 4);
    eb_add_note(&b, "Xen", XEN_ELFNOTE_GUEST_OS, "linux", 6);
    uint32_t entry = ENTRY + 8;
    eb_add_section_note(&b, "GNU", 1, "abcd", 4);
    eb_add_section_note(&b, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, 4);
    ck_assert_msg(parse(&b, &img) == 0, "%s", err);
    ck_assert_uint_eq(img.entry, ENTRY + 8);
}
END_TEST

START_TEST(entry_note_after_other_notes)
{
    struct elf_builder b;
    struct pvh_image img;
    base_kernel(&b, true);
    b.nseg_notes = 0;
    eb_add_note(&b, "GNU", 3, "\x01\x02\x03\x04\x05", 5);
    eb_add_note(&b, "Xen", XEN_ELFNOTE_GUEST_VERSION, "2.6", 4);
    eb_add_note(&b, "Xen", XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 8);
    eb_add_pvh_entry(&b, ENTRY + 12);
    ck_assert_msg(parse(&b, &img) == 0, "%s", err);
    ck_assert_uint_eq(img.entry, ENTRY + 12);
}
END_TEST

/* ---- loading ---- */

#define RAM_SIZE (16 * MiB)

static uint8_t *ram_buf;

static void ram_setup(void)
{
    ram_buf = malloc(RAM_SIZE);
    ck_assert_ptr_nonnull(ram_buf);
    /* Garbage, so BSS that is not cleared and pages not written show. */
    memset(ram_buf, 0xa5, RAM_SIZE);
}

static void ram_teardown(void)
{
    free(ram_buf);
}

static struct guest_ram small_ram(uint64_t size)
{
    struct guest_ram r = {.hva = ram_buf};
    guest_ram_layout(&r, size);
    return r;
}

struct loaded {
    struct pvh_image img;
    struct pvh_boot boot;
    int rc;
};

static struct loaded load(const struct elf_builder *b, const struct guest_ram *ram,
                          const char *cmdline, const uint8_t *rd, size_t rd_size)
{
    struct loaded l;
    size_t size;
    uint8_t *file = eb_build(b, &size);
    err[0] = '\0';
    ck_assert_msg(pvh_parse(file, size, &l.img, err, sizeof(err)) == 0, "%s", err);
    memset(&l.boot, 0x5a, sizeof(l.boot));
    l.rc = pvh_load(file, size, &l.img, ram, cmdline, rd, rd_size, &l.boot, err, sizeof(err));
    free(file);
    return l;
}

static struct hvm_start_info start_info_at(uint64_t gpa)
{
    struct hvm_start_info si;
    ck_assert_uint_le(gpa + sizeof(si), RAM_SIZE);
    memcpy(&si, ram_buf + gpa, sizeof(si));
    return si;
}

static bool all_bytes(uint64_t gpa, uint64_t len, uint8_t v)
{
    for (uint64_t i = 0; i < len; i++)
        if (ram_buf[gpa + i] != v)
            return false;
    return true;
}

START_TEST(load_copies_segments_and_clears_bss)
{
    struct elf_builder b;
    base_kernel(&b, true);
    struct guest_ram ram = small_ram(RAM_SIZE);
    struct loaded l = load(&b, &ram, "console=hvc0", NULL, 0);
    ck_assert_msg(l.rc == 0, "%s", err);
    ck_assert(memcmp(ram_buf + TEXT_PADDR, text, TEXT_SIZE) == 0);
    ck_assert(memcmp(ram_buf + DATA_PADDR, data, DATA_FILESZ) == 0);
    ck_assert(all_bytes(DATA_PADDR + DATA_FILESZ, DATA_MEMSZ - DATA_FILESZ, 0));
    /* Between the segments and below the image nothing is written. */
    ck_assert(all_bytes(TEXT_PADDR + TEXT_SIZE, DATA_PADDR - TEXT_PADDR - TEXT_SIZE, 0xa5));
    ck_assert(all_bytes(0, TEXT_PADDR, 0xa5));
    ck_assert_uint_eq(l.boot.entry, ENTRY);
}
END_TEST

START_TEST(load_elf32)
{
    struct elf_builder b;
    base_kernel(&b, false);
    struct guest_ram ram = small_ram(RAM_SIZE);
    struct loaded l = load(&b, &ram, "", NULL, 0);
    ck_assert_msg(l.rc == 0, "%s", err);
    ck_assert(memcmp(ram_buf + TEXT_PADDR, text, TEXT_SIZE) == 0);
    ck_assert(all_bytes(DATA_PADDR + DATA_FILESZ, DATA_MEMSZ - DATA_FILESZ, 0));
    ck_assert_uint_eq(l.boot.entry, ENTRY);
}
END_TEST

START_TEST(load_start_info)
{
    struct elf_builder b;
    base_kernel(&b, true);
    struct guest_ram ram = small_ram(RAM_SIZE);
    const char *cmdline = "console=hvc0 test=hypercalls,cpuid root=/dev/xvda1";
    struct loaded l = load(&b, &ram, cmdline, NULL, 0);
    ck_assert_msg(l.rc == 0, "%s", err);

    /* The page after the image (doc/design.md, "PVH boot": the kernel may map little). */
    uint64_t image_end = DATA_PADDR + DATA_MEMSZ;
    uint64_t next_page = (image_end + 4095) & ~4095ull;
    ck_assert_uint_eq(l.boot.start_info, next_page);
    struct hvm_start_info si = start_info_at(l.boot.start_info);
    ck_assert_uint_eq(si.magic, XEN_HVM_START_MAGIC_VALUE);
    ck_assert_uint_eq(si.version, 1);
    ck_assert_uint_eq(si.nr_modules, 0);
    ck_assert_uint_eq(si.rsdp_paddr, 0);
    ck_assert_uint_eq(si.reserved, 0);
    ck_assert_uint_eq(l.boot.ramdisk, 0);

    ck_assert_uint_ge(si.cmdline_paddr, image_end);
    ck_assert_uint_lt(si.cmdline_paddr + strlen(cmdline), RAM_SIZE);
    ck_assert_str_eq((const char *)ram_buf + si.cmdline_paddr, cmdline);

    struct hvm_memmap_table_entry want[GUEST_RAM_MAX_REGIONS];
    unsigned n = guest_ram_memmap(&ram, want);
    ck_assert_uint_eq(si.memmap_entries, n);
    ck_assert_uint_lt(si.memmap_paddr + n * sizeof(want[0]), RAM_SIZE);
    ck_assert(memcmp(ram_buf + si.memmap_paddr, want, n * sizeof(want[0])) == 0);

    /* Everything placed lies below boot.end and within RAM. */
    ck_assert_uint_le(si.cmdline_paddr + strlen(cmdline) + 1, l.boot.end);
    ck_assert_uint_le(l.boot.end, ram.low_size);
    /* EBX is 32 bits wide. */
    ck_assert_uint_lt(l.boot.start_info, 1ull << 32);
}
END_TEST

START_TEST(load_ramdisk)
{
    struct elf_builder b;
    base_kernel(&b, true);
    struct guest_ram ram = small_ram(RAM_SIZE);
    size_t rd_size = 300 * KiB + 17;
    uint8_t *rd = malloc(rd_size);
    ck_assert_ptr_nonnull(rd);
    for (size_t i = 0; i < rd_size; i++)
        rd[i] = (uint8_t)(i ^ (i >> 8));
    const char *cmdline = "root=/dev/ram0";
    struct loaded l = load(&b, &ram, cmdline, rd, rd_size);
    ck_assert_msg(l.rc == 0, "%s", err);

    struct hvm_start_info si = start_info_at(l.boot.start_info);
    ck_assert_uint_eq(si.nr_modules, 1);
    struct hvm_modlist_entry mod;
    memcpy(&mod, ram_buf + si.modlist_paddr, sizeof(mod));
    ck_assert_uint_eq(mod.paddr % 4096, 0);
    ck_assert_uint_eq(mod.paddr, l.boot.ramdisk);
    ck_assert_uint_eq(mod.size, rd_size);
    ck_assert_uint_eq(mod.cmdline_paddr, 0);
    ck_assert_uint_eq(mod.reserved, 0);
    ck_assert(memcmp(ram_buf + mod.paddr, rd, rd_size) == 0);

    /* The ramdisk overlaps neither the image nor the boot data. */
    ck_assert_uint_ge(mod.paddr, si.cmdline_paddr + strlen(cmdline) + 1);
    ck_assert_uint_ge(mod.paddr, l.boot.start_info + 4096);
    ck_assert_uint_le(mod.paddr + rd_size, l.boot.end);
    ck_assert_str_eq((const char *)ram_buf + si.cmdline_paddr, cmdline);
    ck_assert(memcmp(ram_buf + TEXT_PADDR, text, TEXT_SIZE) == 0);

    /* The module list and memory map in the start info page do not overlap. */
    ck_assert_uint_ge(si.modlist_paddr, l.boot.start_info + sizeof(si));
    ck_assert(si.memmap_paddr >= si.modlist_paddr + sizeof(mod) ||
              si.memmap_paddr + si.memmap_entries * sizeof(struct hvm_memmap_table_entry) <=
                  si.modlist_paddr);
    free(rd);
}
END_TEST

START_TEST(load_memmap_of_big_domain)
{
    /* A domain larger than the hole: only the low pages are touched, so a
     * 16 MiB buffer stands in for 6 GiB. */
    struct elf_builder b;
    base_kernel(&b, true);
    struct guest_ram ram = small_ram(6 * GiB);
    struct loaded l = load(&b, &ram, "x", NULL, 0);
    ck_assert_msg(l.rc == 0, "%s", err);
    struct hvm_start_info si = start_info_at(l.boot.start_info);
    struct hvm_memmap_table_entry want[GUEST_RAM_MAX_REGIONS];
    ck_assert_uint_eq(guest_ram_memmap(&ram, want), 2);
    ck_assert_uint_eq(si.memmap_entries, 2);
    ck_assert(memcmp(ram_buf + si.memmap_paddr, want, sizeof(want)) == 0);
}
END_TEST

START_TEST(load_null_cmdline_is_empty)
{
    struct elf_builder b;
    base_kernel(&b, true);
    struct guest_ram ram = small_ram(RAM_SIZE);
    struct loaded l = load(&b, &ram, NULL, NULL, 0);
    ck_assert_msg(l.rc == 0, "%s", err);
    struct hvm_start_info si = start_info_at(l.boot.start_info);
    ck_assert_str_eq((const char *)ram_buf + si.cmdline_paddr, "");
}
END_TEST

START_TEST(load_kernel_larger_than_ram)
{
    struct elf_builder b;
    base_kernel(&b, true);
    struct guest_ram ram = small_ram(1 * MiB);
    struct loaded l = load(&b, &ram, "", NULL, 0);
    ck_assert_int_eq(l.rc, -ENOMEM);
    ck_assert_contains(err, "not enough memory");
    /* Nothing was copied before the refusal. */
    ck_assert(all_bytes(0, 2 * MiB, 0xa5));
}
END_TEST

START_TEST(load_no_room_for_boot_data)
{
    /* The image itself fits; its start info page would not. */
    struct elf_builder b;
    base_kernel(&b, true);
    struct guest_ram ram = small_ram(DATA_PADDR + DATA_MEMSZ);
    struct loaded l = load(&b, &ram, "", NULL, 0);
    ck_assert_int_eq(l.rc, -ENOMEM);
    ck_assert_contains(err, "not enough memory");
}
END_TEST

START_TEST(load_ramdisk_does_not_fit)
{
    struct elf_builder b;
    base_kernel(&b, true);
    struct guest_ram ram = small_ram(2 * MiB);
    size_t rd_size = 1 * MiB;
    uint8_t *rd = calloc(1, rd_size);
    ck_assert_ptr_nonnull(rd);
    struct loaded l = load(&b, &ram, "", rd, rd_size);
    ck_assert_int_eq(l.rc, -ENOMEM);
    ck_assert_contains(err, "not enough memory");
    ck_assert_contains(err, "ramdisk");
    free(rd);
}
END_TEST

START_TEST(load_cmdline_limit)
{
    struct elf_builder b;
    base_kernel(&b, true);
    struct guest_ram ram = small_ram(RAM_SIZE);
    char *cmd = malloc(PVH_CMDLINE_MAX + 2);
    ck_assert_ptr_nonnull(cmd);
    memset(cmd, 'a', PVH_CMDLINE_MAX + 1);
    cmd[PVH_CMDLINE_MAX + 1] = '\0';
    struct loaded l = load(&b, &ram, cmd, NULL, 0);
    ck_assert_int_lt(l.rc, 0);
    ck_assert_contains(err, "command line");

    /* At the limit it still goes through whole. */
    cmd[PVH_CMDLINE_MAX] = '\0';
    l = load(&b, &ram, cmd, NULL, 0);
    ck_assert_msg(l.rc == 0, "%s", err);
    struct hvm_start_info si = start_info_at(l.boot.start_info);
    ck_assert_str_eq((const char *)ram_buf + si.cmdline_paddr, cmd);
    free(cmd);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pvh_loader");

    TCase *r = tcase_create("refusals");
    tcase_add_test(r, not_an_elf);
    tcase_add_test(r, bzimage_is_named);
    tcase_add_test(r, big_endian_refused);
    tcase_add_test(r, wrong_machine);
    tcase_add_test(r, not_et_exec);
    tcase_add_test(r, no_program_headers);
    tcase_add_test(r, program_headers_outside_file);
    tcase_add_test(r, segment_outside_file);
    tcase_add_test(r, note_segment_outside_file);
    tcase_add_test(r, filesz_above_memsz);
    tcase_add_test(r, no_loadable_segment);
    tcase_add_test(r, no_xen_notes);
    tcase_add_test(r, only_foreign_notes);
    tcase_add_test(r, classic_pv_kernel);
    tcase_add_test(r, malformed_entry_descriptor);
    tcase_add_test(r, entry_outside_image);
    suite_add_tcase(s, r);

    TCase *a = tcase_create("acceptance");
    tcase_add_test(a, elf64_with_4_byte_entry);
    tcase_add_test(a, elf64_with_8_byte_entry);
    tcase_add_test(a, elf32_i386);
    tcase_add_test(a, elf32_carrying_x86_64);
    tcase_add_test(a, elf64_i386_machine);
    tcase_add_test(a, note_only_in_a_section);
    tcase_add_test(a, note_in_section_beside_other_notes);
    tcase_add_test(a, entry_note_after_other_notes);
    suite_add_tcase(s, a);

    TCase *l = tcase_create("load");
    tcase_add_checked_fixture(l, ram_setup, ram_teardown);
    tcase_add_test(l, load_copies_segments_and_clears_bss);
    tcase_add_test(l, load_elf32);
    tcase_add_test(l, load_start_info);
    tcase_add_test(l, load_ramdisk);
    tcase_add_test(l, load_memmap_of_big_domain);
    tcase_add_test(l, load_null_cmdline_is_empty);
    tcase_add_test(l, load_kernel_larger_than_ram);
    tcase_add_test(l, load_no_room_for_boot_data);
    tcase_add_test(l, load_ramdisk_does_not_fit);
    tcase_add_test(l, load_cmdline_limit);
    suite_add_tcase(s, l);
    return s;
}

#include "tests/unit/check_main.h"
