/* Unit tests of bzImage payload extraction (hypervisor/bzimage). The
 * payloads are made at test time by Debian's own compressors (packages
 * gzip, xz-utils, lz4, zstd, bzip2) with the options the kernel build
 * uses, around a small ELF kernel from elf_builder. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/bzimage.h"
#include "hypervisor/pvh_loader.h"
#include "include/xen_public.h"
#include "tests/unit/elf_builder.h"

#define ck_assert_contains(hay, needle)                                                  \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" does not contain \"%s\"", (hay), \
                  (needle))

#define TEXT_PADDR 0x1000000u
#define ENTRY (TEXT_PADDR + 0x850u)
#define MAX_OUT (64u << 20)
#define SETUP_SECTS 3
#define PAYLOAD_OFFSET 0x1c0u

struct tool {
    const char *name;    /* what the extractor reports */
    const char *command; /* reads stdin, writes stdout */
    const char *package;
};

/* As Linux's scripts/Makefile.lib runs them (lz4 in legacy framing). */
static const struct tool tools[] = {
    {"gzip", "gzip -n -9 -c", "gzip"},
    {"xz", "xz --check=crc32 --lzma2=dict=1MiB -c", "xz-utils"},
    {"lzma", "lzma -9 -c", "xz-utils"},
    {"lz4", "lz4 -l -9 -c", "lz4"},
    {"zstd", "zstd -19 -c", "zstd"},
    {"bzip2", "bzip2 -9 -c", "bzip2"},
};
#define NTOOLS (int)(sizeof(tools) / sizeof(tools[0]))

static char err[512];
static uint8_t text[0x6000];

/* A PVH kernel unless pvh is false; text compresses but not to nothing. */
static uint8_t *make_elf(bool pvh, size_t *size)
{
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (uint8_t)((i * 2654435761u) >> 13 ^ (i & 0x3f));
    struct elf_builder b;
    eb_init(&b, true);
    eb_add_load(&b, TEXT_PADDR, text, sizeof(text), sizeof(text) + 0x3000);
    eb_add_note(&b, "Xen", XEN_ELFNOTE_GUEST_OS, "linux", 6);
    if (pvh)
        eb_add_pvh_entry(&b, ENTRY);
    return eb_build(&b, size);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Runs the real compressor; a missing tool fails the test, naming the
 * package to install. */
static uint8_t *compress_with(const struct tool *t, const uint8_t *in, size_t in_len,
                              size_t *out_len)
{
    char src[] = "/tmp/bzimage-test-XXXXXX";
    int fd = mkstemp(src);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, in, in_len), (ssize_t)in_len);
    close(fd);
    char dst[sizeof(src) + 4];
    snprintf(dst, sizeof(dst), "%s.out", src);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "%s < %s > %s 2>/dev/null", t->command, src, dst);
    int rc = system(cmd);
    unlink(src);
    if (rc != 0) {
        unlink(dst);
        ck_abort_msg("`%s` failed (status %d): the test needs Debian's %s package", t->command,
                     rc, t->package);
    }
    uint8_t *out = read_file(dst, out_len);
    unlink(dst);
    return out;
}

/* A minimal bzImage: boot sector and setup sectors with the header, then
 * the payload (at payload_offset into the protected-mode part) and the
 * 4-byte uncompressed size the build appends. */
static uint8_t *wrap(const uint8_t *payload, size_t plen, uint32_t claimed, uint16_t version,
                     size_t *len)
{
    size_t start = (SETUP_SECTS + 1) * 512 + PAYLOAD_OFFSET;
    *len = start + plen + 4;
    uint8_t *bz = calloc(1, *len);
    ck_assert_ptr_nonnull(bz);
    bz[0x1f1] = SETUP_SECTS;
    bz[0x1fe] = 0x55;
    bz[0x1ff] = 0xaa;
    memcpy(bz + 0x202, "HdrS", 4);
    memcpy(bz + 0x206, &version, 2);
    uint32_t off = PAYLOAD_OFFSET, total = (uint32_t)(plen + 4);
    memcpy(bz + 0x248, &off, 4);
    memcpy(bz + 0x24c, &total, 4);
    memcpy(bz + start, payload, plen);
    memcpy(bz + start + plen, &claimed, 4);
    return bz;
}

/* The bzImage of the PVH ELF compressed with tools[i]; *elf_len is the ELF's size. */
static uint8_t *bzimage_of(int i, size_t *elf_len, size_t *len, uint8_t **elf)
{
    *elf = make_elf(true, elf_len);
    size_t plen;
    uint8_t *payload = compress_with(&tools[i], *elf, *elf_len, &plen);
    uint8_t *bz = wrap(payload, plen, (uint32_t)*elf_len, 0x020f, len);
    free(payload);
    return bz;
}

static int extract(const uint8_t *bz, size_t len, struct bzimage_payload *out)
{
    err[0] = '\0';
    return bzimage_extract(bz, len, MAX_OUT, out, err, sizeof(err));
}

/* ---- every compression the kernel build offers, from the real tool ---- */

START_TEST(extracts_each_compression)
{
    size_t elf_len, len;
    uint8_t *elf;
    uint8_t *bz = bzimage_of(_i, &elf_len, &len, &elf);
    ck_assert(bzimage_detect(bz, len));
    struct bzimage_payload p;
    ck_assert_msg(extract(bz, len, &p) == 0, "%s: %s", tools[_i].name, err);
    ck_assert_str_eq(p.codec, tools[_i].name);
    ck_assert_uint_eq(p.protocol, 0x020f);
    ck_assert_uint_eq(p.size, elf_len);
    ck_assert_mem_eq(p.elf, elf, elf_len);

    /* What comes out is a kernel the PVH loader takes. */
    struct pvh_image img;
    ck_assert_msg(pvh_parse(p.elf, p.size, &img, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(img.entry, ENTRY);
    free(p.elf);
    free(bz);
    free(elf);
}
END_TEST

START_TEST(truncated_payload_refused)
{
    size_t elf_len, len;
    uint8_t *elf;
    uint8_t *bz = bzimage_of(_i, &elf_len, &len, &elf);
    /* Keep the header, the start of the data and the size trailer; drop
     * the second half of the compressed stream. */
    size_t start = (SETUP_SECTS + 1) * 512 + PAYLOAD_OFFSET;
    size_t plen = len - start - 4;
    size_t cut = plen / 2;
    uint8_t *shortened = wrap(bz + start, cut, (uint32_t)elf_len, 0x020f, &len);
    struct bzimage_payload p;
    ck_assert_msg(extract(shortened, len, &p) < 0, "%s: a truncated payload was accepted",
                  tools[_i].name);
    ck_assert_contains(err, tools[_i].name);
    ck_assert_ptr_null(p.elf);
    free(shortened);
    free(bz);
    free(elf);
}
END_TEST

static void check_size_lie(int i, int delta)
{
    size_t elf_len, len;
    uint8_t *elf;
    uint8_t *bz = bzimage_of(i, &elf_len, &len, &elf);
    uint32_t lie = (uint32_t)((long)elf_len + delta);
    memcpy(bz + len - 4, &lie, 4);
    struct bzimage_payload p;
    ck_assert_msg(extract(bz, len, &p) == -EINVAL, "%s: size %+d accepted (%s)", tools[i].name,
                  delta, err);
    ck_assert_contains(err, "size field");
    free(bz);
    free(elf);
}

START_TEST(size_field_too_small_refused)
{
    check_size_lie(_i, -1);
}
END_TEST

START_TEST(size_field_too_large_refused)
{
    check_size_lie(_i, +1);
}
END_TEST

/* The legacy lz4 framing's 8 MiB blocks: an ELF larger than one block. */
START_TEST(lz4_several_blocks)
{
    size_t elf_len = (8u << 20) + 12345;
    size_t small;
    uint8_t *head = make_elf(true, &small);
    uint8_t *elf = calloc(1, elf_len);
    memcpy(elf, head, small);
    for (size_t i = small; i < elf_len; i++)
        elf[i] = (uint8_t)(i / 4096);
    size_t plen, len;
    uint8_t *payload = compress_with(&tools[3], elf, elf_len, &plen);
    uint8_t *bz = wrap(payload, plen, (uint32_t)elf_len, 0x020f, &len);
    struct bzimage_payload p;
    ck_assert_msg(extract(bz, len, &p) == 0, "%s", err);
    ck_assert_uint_eq(p.size, elf_len);
    ck_assert_mem_eq(p.elf, elf, elf_len);
    free(p.elf);
    free(bz);
    free(payload);
    free(elf);
    free(head);
}
END_TEST

/* ---- broken or unsupported files ---- */

START_TEST(bad_magic_refused)
{
    static const uint8_t junk[] = "this is no compressed kernel at all";
    size_t len;
    uint8_t *bz = wrap(junk, sizeof(junk), 1000, 0x020f, &len);
    struct bzimage_payload p;
    ck_assert_int_eq(extract(bz, len, &p), -ENOEXEC);
    ck_assert_contains(err, "no compression we know");
    ck_assert_contains(err, "74 68 69 73");
    free(bz);
}
END_TEST

START_TEST(lzo_named_and_refused)
{
    static const uint8_t lzo[] = {0x89, 'L', 'Z', 'O', 0, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3};
    size_t len;
    uint8_t *bz = wrap(lzo, sizeof(lzo), 1000, 0x020f, &len);
    struct bzimage_payload p;
    ck_assert_int_eq(extract(bz, len, &p), -ENOTSUP);
    ck_assert_contains(err, "lzo");
    free(bz);
}
END_TEST

START_TEST(old_protocol_refused)
{
    size_t elf_len, len;
    uint8_t *elf;
    uint8_t *bz = bzimage_of(0, &elf_len, &len, &elf);
    uint16_t v = 0x0207;
    memcpy(bz + 0x206, &v, 2);
    struct bzimage_payload p;
    ck_assert_int_eq(extract(bz, len, &p), -ENOEXEC);
    ck_assert_contains(err, "2.07");
    free(bz);
    free(elf);
}
END_TEST

START_TEST(payload_outside_file_refused)
{
    size_t elf_len, len;
    uint8_t *elf;
    uint8_t *bz = bzimage_of(0, &elf_len, &len, &elf);
    struct bzimage_payload p;
    /* The file cut short of the payload's end. */
    ck_assert_int_eq(extract(bz, len - 1, &p), -ENOEXEC);
    ck_assert_contains(err, "outside the file");
    /* An offset that runs past the end. */
    uint32_t off = 0xfffffff0u;
    memcpy(bz + 0x248, &off, 4);
    ck_assert_int_eq(extract(bz, len, &p), -ENOEXEC);
    ck_assert_contains(err, "outside the file");
    free(bz);
    free(elf);
}
END_TEST

START_TEST(claimed_size_above_limit_refused)
{
    size_t elf_len, len;
    uint8_t *elf;
    uint8_t *bz = bzimage_of(_i, &elf_len, &len, &elf);
    uint32_t huge = 0xfffffff0u;
    memcpy(bz + len - 4, &huge, 4);
    struct bzimage_payload p;
    ck_assert_int_eq(extract(bz, len, &p), -EFBIG);
    ck_assert_contains(err, "limit");
    huge = 0;
    memcpy(bz + len - 4, &huge, 4);
    ck_assert_int_eq(extract(bz, len, &p), -EFBIG);
    free(bz);
    free(elf);
}
END_TEST

START_TEST(not_a_bzimage)
{
    size_t elf_len;
    uint8_t *elf = make_elf(true, &elf_len);
    ck_assert(!bzimage_detect(elf, elf_len));
    ck_assert(!bzimage_detect(elf, 16));
    struct bzimage_payload p;
    ck_assert_int_eq(extract(elf, elf_len, &p), -ENOEXEC);
    ck_assert_contains(err, "HdrS");
    free(elf);
}
END_TEST

/* A bzImage of a kernel built without PVH: it unpacks, and the loader
 * then names what is missing. */
START_TEST(kernel_without_pvh_note)
{
    size_t elf_len, plen, len;
    uint8_t *elf = make_elf(false, &elf_len);
    uint8_t *payload = compress_with(&tools[0], elf, elf_len, &plen);
    uint8_t *bz = wrap(payload, plen, (uint32_t)elf_len, 0x020f, &len);
    struct bzimage_payload p;
    ck_assert_msg(extract(bz, len, &p) == 0, "%s", err);
    struct pvh_image img;
    ck_assert_int_eq(pvh_parse(p.elf, p.size, &img, err, sizeof(err)), -ENOEXEC);
    ck_assert_contains(err, "XEN_ELFNOTE_PHYS32_ENTRY");
    ck_assert_contains(err, "CONFIG_PVH");
    free(p.elf);
    free(bz);
    free(payload);
    free(elf);
}
END_TEST

/* lz4 blocks whose size fields lie about the data behind them. */
START_TEST(lz4_block_size_lies)
{
    size_t elf_len, len;
    uint8_t *elf;
    uint8_t *bz = bzimage_of(3, &elf_len, &len, &elf);
    size_t start = (SETUP_SECTS + 1) * 512 + PAYLOAD_OFFSET;
    struct bzimage_payload p;
    uint32_t block;
    memcpy(&block, bz + start + 4, 4);
    uint32_t lie = block + 100; /* past the payload's end */
    memcpy(bz + start + 4, &lie, 4);
    ck_assert_int_eq(extract(bz, len, &p), -EINVAL);
    ck_assert_contains(err, "truncated");
    lie = 0x7fffffffu; /* more than any legacy block */
    memcpy(bz + start + 4, &lie, 4);
    ck_assert_int_eq(extract(bz, len, &p), -EINVAL);
    ck_assert_contains(err, "more than a legacy block");
    lie = block - 7; /* the block's data cut */
    memcpy(bz + start + 4, &lie, 4);
    ck_assert_int_eq(extract(bz, len, &p), -EINVAL);
    free(bz);
    free(elf);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("bzimage");
    TCase *c = tcase_create("compressions");
    tcase_set_timeout(c, 60);
    tcase_add_loop_test(c, extracts_each_compression, 0, NTOOLS);
    tcase_add_loop_test(c, truncated_payload_refused, 0, NTOOLS);
    tcase_add_loop_test(c, size_field_too_small_refused, 0, NTOOLS);
    tcase_add_loop_test(c, size_field_too_large_refused, 0, NTOOLS);
    tcase_add_loop_test(c, claimed_size_above_limit_refused, 0, NTOOLS);
    tcase_add_test(c, lz4_several_blocks);
    suite_add_tcase(s, c);

    TCase *r = tcase_create("refusals");
    tcase_add_test(r, bad_magic_refused);
    tcase_add_test(r, lzo_named_and_refused);
    tcase_add_test(r, old_protocol_refused);
    tcase_add_test(r, payload_outside_file_refused);
    tcase_add_test(r, not_a_bzimage);
    tcase_add_test(r, kernel_without_pvh_note);
    tcase_add_test(r, lz4_block_size_lies);
    suite_add_tcase(s, r);
    return s;
}

#include "tests/unit/check_main.h"
