/* The VHD format rules and refusals of the storage library, on images in
 * a temporary directory. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "backends/storage/vhd.h"
#include "backends/storage/vhd_fmt.h"
#include "backends/storage/xnstorage.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/xns-unit.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *path(const char *name)
{
    static char bufs[4][256];
    static int i;
    char *p = bufs[i++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static void make(const char *name, enum xns_vhd_type type, uint64_t size, const char *parent)
{
    struct xns_create_opts o = {
        .format = XNS_FMT_VHD, .vhd_type = type, .size = size, .parent = parent};
    ck_assert_msg(xns_create(path(name), &o) == 0, "%s", xns_strerror());
}

static struct xns_disk *open_rw(const char *name)
{
    struct xns_disk *d;
    ck_assert_msg(xns_open(path(name), XNS_FMT_AUTO, XNS_RDWR, &d) == 0, "%s", xns_strerror());
    return d;
}

static void fill(char *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)(seed * 131 + i * 7 + (i >> 9));
}

static void poke(const char *name, uint64_t off, const void *data, size_t len)
{
    int fd = open(path(name), O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, data, len, (off_t)off), (ssize_t)len);
    close(fd);
}

static void peek(const char *name, uint64_t off, void *data, size_t len)
{
    int fd = open(path(name), O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, data, len, (off_t)off), (ssize_t)len);
    close(fd);
}

static off_t file_size(const char *name)
{
    struct stat st;
    ck_assert_int_eq(stat(path(name), &st), 0);
    return st.st_size;
}

/* Opening must fail, the message must name the file and contain `fault`,
 * and a writable open attempt must leave the file byte for byte as is. */
static void expect_refusal(const char *name, const char *fault)
{
    off_t size = file_size(name);
    char *before = malloc((size_t)size), *after = malloc((size_t)size);
    peek(name, 0, before, (size_t)size);
    struct xns_disk *d = NULL;
    ck_assert_int_lt(xns_open(path(name), XNS_FMT_VHD, XNS_RDWR, &d), 0);
    ck_assert_msg(strstr(xns_strerror(), path(name)) != NULL, "message lacks the file: %s",
                  xns_strerror());
    ck_assert_msg(strstr(xns_strerror(), fault) != NULL, "expected '%s' in: %s", fault,
                  xns_strerror());
    ck_assert_int_eq(file_size(name), size);
    peek(name, 0, after, (size_t)size);
    ck_assert_msg(memcmp(before, after, (size_t)size) == 0, "a refused image was written");
    free(before);
    free(after);
}

START_TEST(checksum_and_footer_roundtrip)
{
    struct vhd_footer f = {0}, g;
    memcpy(f.cookie, "conectix", 8);
    f.features = 2;
    f.version = VHD_VERSION;
    f.data_offset = 512;
    f.curr_size = f.orig_size = 10 << 20;
    f.type = 3;
    f.uuid[3] = 7;
    f.hidden = 1;
    uint8_t buf[512];
    char why[200];
    vhd_footer_encode(&f, buf);
    ck_assert_int_eq(vhd_footer_decode(buf, &g, why, sizeof(why)), 0);
    ck_assert_uint_eq(g.curr_size, 10 << 20);
    ck_assert_uint_eq(g.hidden, 1);
    /* One's complement of the byte sum, checksum field excluded. */
    uint32_t sum = 0;
    for (int i = 0; i < 512; i++)
        if (i < 64 || i >= 68)
            sum += buf[i];
    ck_assert_uint_eq(g.checksum, ~sum);
    buf[100] ^= 1;
    ck_assert_int_eq(vhd_footer_decode(buf, &g, why, sizeof(why)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "checksum"));
    buf[100] ^= 1;
    buf[0] = 'X';
    ck_assert_int_eq(vhd_footer_decode(buf, &g, why, sizeof(why)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "cookie"));
}
END_TEST

START_TEST(footer_field_rules)
{
    struct vhd_footer f = {0}, g;
    uint8_t buf[512];
    char why[200];
    memcpy(f.cookie, "conectix", 8);
    f.version = VHD_VERSION;
    f.type = 2;
    f.data_offset = 512; /* fixed disks have no data offset */
    vhd_footer_encode(&f, buf);
    ck_assert_int_eq(vhd_footer_decode(buf, &g, why, sizeof(why)), -EINVAL);
    f.data_offset = VHD_NO_OFFSET;
    f.type = 5;
    vhd_footer_encode(&f, buf);
    ck_assert_int_eq(vhd_footer_decode(buf, &g, why, sizeof(why)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "disk type"));
    f.type = 2;
    f.curr_size = 1000; /* not whole sectors */
    vhd_footer_encode(&f, buf);
    ck_assert_int_eq(vhd_footer_decode(buf, &g, why, sizeof(why)), -EINVAL);
    f.curr_size = 1024;
    f.version = 0x00020000;
    vhd_footer_encode(&f, buf);
    ck_assert_int_eq(vhd_footer_decode(buf, &g, why, sizeof(why)), -EINVAL);
}
END_TEST

START_TEST(header_rules)
{
    struct vhd_header h = {0}, g;
    uint8_t buf[1024];
    char why[200];
    memcpy(h.cookie, "cxsparse", 8);
    h.version = VHD_HEADER_VERSION;
    h.table_offset = 1536;
    h.max_entries = 5;
    h.block_size = 3u << 20; /* not a power of two */
    vhd_header_encode(&h, buf);
    ck_assert_int_eq(vhd_header_decode(buf, &g, why, sizeof(why)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "power of two"));
    h.block_size = 2u << 20;
    h.table_offset = 1537;
    vhd_header_encode(&h, buf);
    ck_assert_int_eq(vhd_header_decode(buf, &g, why, sizeof(why)), -EINVAL);
    h.table_offset = 1536;
    h.loc[1] = (struct vhd_locator){VHD_LOC_W2KU, 2048, 40, 4096};
    vhd_header_encode(&h, buf);
    ck_assert_int_eq(vhd_header_decode(buf, &g, why, sizeof(why)), 0);
    ck_assert_uint_eq(g.loc[1].code, VHD_LOC_W2KU);
    ck_assert_uint_eq(g.loc[1].offset, 4096);
    buf[600] ^= 0x10;
    ck_assert_int_eq(vhd_header_decode(buf, &g, why, sizeof(why)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "checksum"));
}
END_TEST

START_TEST(geometry_and_sizes)
{
    uint16_t c;
    uint8_t h, s;
    vhd_geometry(204800, &c, &h, &s); /* 100 MiB */
    ck_assert_uint_eq(s, 17);
    ck_assert_uint_eq(h, 12);
    ck_assert_uint_eq(c, 1003);
    vhd_geometry(65535ull * 16 * 255 * 4, &c, &h, &s); /* capped */
    ck_assert_uint_eq(c, 65535);
    ck_assert_uint_eq(h, 16);
    ck_assert_uint_eq(s, 255);
    vhd_geometry(4u << 21, &c, &h, &s); /* 4 GiB: 63 sectors per track */
    ck_assert_uint_eq(s, 63);
    ck_assert_uint_eq(h, 16);
    ck_assert_uint_eq(vhd_bitmap_bytes(2u << 20), 512);
    ck_assert_uint_eq(vhd_bitmap_bytes(512), 512);
    ck_assert_uint_eq(vhd_bitmap_bytes(256u << 20), 65536);
    ck_assert_uint_eq(vhd_time(946684800u + 5), 5);
    struct vhd_locator l = {.space = 1};
    ck_assert_uint_eq(vhd_locator_space(&l), 512); /* sectors, as the spec says */
    l.space = 1024;
    ck_assert_uint_eq(vhd_locator_space(&l), 1024); /* bytes, as Windows writes */
}
END_TEST

START_TEST(utf16_and_locators)
{
    uint8_t buf[64];
    char out[64];
    int n = vhd_utf8_to_utf16("a\xc3\xa9\xf0\x9f\x98\x80", buf, sizeof(buf), true);
    ck_assert_int_eq(n, 8); /* a, é, and a surrogate pair */
    ck_assert_uint_eq(buf[0], 0);
    ck_assert_uint_eq(buf[1], 'a');
    ck_assert_int_eq(vhd_utf16_to_utf8(buf, (size_t)n, true, out, sizeof(out)), 7);
    ck_assert_str_eq(out, "a\xc3\xa9\xf0\x9f\x98\x80");
    ck_assert_int_lt(vhd_utf8_to_utf16("\xff", buf, sizeof(buf), true), 0);
    n = vhd_locator_encode(VHD_LOC_W2RU, "./dir/p.vhd", buf, sizeof(buf));
    ck_assert_int_eq(n, 22);
    ck_assert_uint_eq(buf[2], '\\'); /* little endian, Windows separators */
    ck_assert_uint_eq(buf[3], 0);
    ck_assert_int_ge(vhd_locator_decode(VHD_LOC_W2RU, buf, (size_t)n, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "./dir/p.vhd");
    n = vhd_locator_encode(VHD_LOC_MACX, "/a/b.vhd", buf, sizeof(buf));
    ck_assert_int_ge(vhd_locator_decode(VHD_LOC_MACX, buf, (size_t)n, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "/a/b.vhd");
    ck_assert_int_lt(vhd_locator_encode(VHD_LOC_W2KU, "/a/very/long/path/x.vhd", buf, 8), 0);
}
END_TEST

START_TEST(dynamic_roundtrip)
{
    make("d.vhd", XNS_VHD_DYNAMIC, 20 << 20, NULL);
    struct xns_disk *d = open_rw("d.vhd");
    ck_assert_uint_eq(xns_size(d), 20 << 20);
    char w[100000], r[100000];
    fill(w, sizeof(w), 1);
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 3000001), 0); /* unaligned, spans a block */
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 3000001), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    ck_assert_int_eq(xns_read(d, r, 4096, 10 << 20), 0); /* never written: zeros */
    for (int i = 0; i < 4096; i++)
        ck_assert_int_eq(r[i], 0);
    ck_assert_int_lt(xns_write(d, w, 1024, (20 << 20) - 512), 0); /* past the end */
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "past the disk's end"));
    struct xns_info in;
    ck_assert_int_eq(xns_info(d, &in), 0);
    ck_assert_uint_eq(in.blocks_allocated, 1);
    ck_assert_int_eq(xns_close(d), 0);
    /* Both footers agree, the BAT points at page-aligned data. */
    ck_assert_int_eq(xns_check(path("d.vhd"), false, NULL, NULL), 0);
    ck_assert_int_eq(xns_open(path("d.vhd"), XNS_FMT_AUTO, XNS_RDONLY, &d), 0);
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 3000001), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    ck_assert_int_lt(xns_write(d, w, 512, 0), 0);
    ck_assert_int_eq(xns_close(d), 0);
}
END_TEST

START_TEST(fixed_and_raw)
{
    make("f.vhd", XNS_VHD_FIXED, 3 << 20, NULL);
    ck_assert_int_eq(file_size("f.vhd"), (3 << 20) + 512);
    struct xns_disk *d = open_rw("f.vhd");
    char w[8192], r[8192];
    fill(w, sizeof(w), 2);
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 1 << 20), 0);
    xns_close(d);
    peek("f.vhd", 1 << 20, r, sizeof(r)); /* a fixed VHD is raw data + footer */
    ck_assert_mem_eq(r, w, sizeof(w));
    ck_assert_int_eq(xns_resize(path("f.vhd"), 4 << 20), 0);
    ck_assert_int_eq(file_size("f.vhd"), (4 << 20) + 512);
    d = open_rw("f.vhd");
    ck_assert_int_eq(xns_read(d, r, 512, 3 << 20), 0); /* old footer gone */
    for (int i = 0; i < 512; i++)
        ck_assert_int_eq(r[i], 0);
    xns_close(d);
    struct xns_create_opts o = {.format = XNS_FMT_RAW, .size = 1 << 20};
    ck_assert_int_eq(xns_create(path("r.raw"), &o), 0);
    ck_assert_int_eq(xns_probe(path("r.raw")), XNS_FMT_RAW);
    ck_assert_int_eq(xns_probe(path("f.vhd")), XNS_FMT_VHD);
    ck_assert_int_lt(xns_create(path("r.raw"), &o), 0); /* never overwrites */
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "already exists"));
}
END_TEST

START_TEST(refuse_bad_cookie_and_checksum)
{
    make("a.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    off_t end = file_size("a.vhd") - 512;
    poke("a.vhd", (uint64_t)end + 30, "Z", 1); /* inside the footer: checksum */
    expect_refusal("a.vhd", "checksum");
    make("b.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    poke("b.vhd", 0, "notavhd!", 8);
    poke("b.vhd", (uint64_t)file_size("b.vhd") - 512, "notavhd!", 8);
    expect_refusal("b.vhd", "cookie");
    make("c.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    poke("c.vhd", 512 + 60, "Q", 1); /* dynamic header */
    expect_refusal("c.vhd", "dynamic header checksum");
}
END_TEST

/* Rewrites the header through the format code with a change applied. */
static void edit_header(const char *name, void (*edit)(struct vhd_header *))
{
    uint8_t buf[1024];
    struct vhd_header h;
    char why[200];
    peek(name, 512, buf, sizeof(buf));
    ck_assert_int_eq(vhd_header_decode(buf, &h, why, sizeof(why)), 0);
    edit(&h);
    vhd_header_encode(&h, buf);
    poke(name, 512, buf, sizeof(buf));
}

static void block_3m(struct vhd_header *h)
{
    h->block_size = 3u << 20;
}
static void few_entries(struct vhd_header *h)
{
    h->max_entries = 1;
}

static uint32_t bat_offset(const char *name)
{
    uint8_t buf[1024];
    struct vhd_header h;
    char why[200];
    peek(name, 512, buf, sizeof(buf));
    ck_assert_int_eq(vhd_header_decode(buf, &h, why, sizeof(why)), 0);
    return (uint32_t)h.table_offset;
}

START_TEST(refuse_bad_bat_and_block_size)
{
    make("a.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    edit_header("a.vhd", block_3m);
    expect_refusal("a.vhd", "power of two");
    make("b.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    edit_header("b.vhd", few_entries);
    expect_refusal("b.vhd", "BAT has 1 entries");
    make("c.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    uint8_t past[4] = {0x00, 0x10, 0x00, 0x00}; /* sector 1 Mi: far past the end */
    poke("c.vhd", bat_offset("c.vhd"), past, 4);
    expect_refusal("c.vhd", "past the end");
    make("d.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    uint8_t meta[4] = {0, 0, 0, 1}; /* sector 1: the dynamic header */
    poke("d.vhd", bat_offset("d.vhd") + 4, meta, 4);
    expect_refusal("d.vhd", "into the image's metadata");
    /* Two entries naming the same block. */
    make("e.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    struct xns_disk *d = open_rw("e.vhd");
    char w[512] = "x";
    ck_assert_int_eq(xns_write(d, w, 512, 0), 0);
    xns_close(d);
    uint8_t first[4];
    peek("e.vhd", bat_offset("e.vhd"), first, 4);
    poke("e.vhd", bat_offset("e.vhd") + 8, first, 4);
    expect_refusal("e.vhd", "overlap");
}
END_TEST

/* A dynamic image written field by field, with valid checksums: footer
 * copy at 0, header at 512, BAT at 1536, footer at file_size - 512. */
static void handmade(const char *name, uint64_t curr_size, uint32_t max_entries,
                     uint32_t block_size, uint64_t file_size)
{
    struct vhd_footer f = {0};
    memcpy(f.cookie, "conectix", 8);
    f.features = VHD_FEATURES_RESERVED;
    f.version = VHD_VERSION;
    f.data_offset = 512;
    f.curr_size = f.orig_size = curr_size;
    f.type = XNS_VHD_DYNAMIC;
    struct vhd_header h = {0};
    memcpy(h.cookie, "cxsparse", 8);
    h.data_offset = VHD_NO_OFFSET;
    h.table_offset = 1536;
    h.version = VHD_HEADER_VERSION;
    h.max_entries = max_entries;
    h.block_size = block_size;
    uint8_t fb[VHD_FOOTER_SIZE], hb[VHD_HEADER_SIZE], bat[512];
    vhd_footer_encode(&f, fb);
    vhd_header_encode(&h, hb);
    memset(bat, 0xff, sizeof(bat));
    int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)file_size), 0);
    ck_assert_int_eq(pwrite(fd, fb, sizeof(fb), 0), (ssize_t)sizeof(fb));
    ck_assert_int_eq(pwrite(fd, hb, sizeof(hb), 512), (ssize_t)sizeof(hb));
    ck_assert_int_eq(pwrite(fd, bat, sizeof(bat), 1536), (ssize_t)sizeof(bat));
    ck_assert_int_eq(pwrite(fd, fb, sizeof(fb), (off_t)file_size - 512), (ssize_t)sizeof(fb));
    close(fd);
}

/* A size near 2^64 must not wrap the count of blocks it needs: one BAT
 * entry would otherwise pass for a disk of 2^55 sectors, and sector 4096
 * (block 1) would index past the BAT. */
START_TEST(refuse_size_that_wraps_the_block_count)
{
    handmade("huge.vhd", 0xFFFFFFFFFFFFFE00ull, 1, 2u << 20, 2560);
    struct xns_disk *d = NULL;
    int rc = xns_open(path("huge.vhd"), XNS_FMT_VHD, XNS_RDWR, &d);
    if (rc == 0) {
        char buf[512] = "x";
        xns_write(d, buf, sizeof(buf), 4096ull * 512);
        xns_close(d);
        ck_abort_msg("an image of %llu bytes with one 2 MiB block was opened",
                     0xFFFFFFFFFFFFFE00ull);
    }
    expect_refusal("huge.vhd", "BAT has 1 entries");
}
END_TEST

static uint64_t vm_peak_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    unsigned long long kib = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmPeak: %llu kB", &kib) == 1)
            break;
    fclose(f);
    ck_assert_uint_gt(kib, 0);
    return kib << 10;
}

/* A BAT of 2^27 entries (512 MiB) in a sparse file: its holes read as
 * zeros, entries that point into the metadata. The first sector of them
 * is enough to refuse it; the opener must not first allocate memory for
 * the whole BAT (and a bitmap pointer per entry) and read it all. */
START_TEST(refuse_sparse_bat_before_allocating_it)
{
    uint32_t entries = 1u << 27;
    handmade("sparse.vhd", 8 << 20, entries, 2u << 20, 1536 + (uint64_t)entries * 4 + 512);
    uint64_t before = vm_peak_bytes();
    struct xns_disk *d = NULL;
    ck_assert_int_lt(xns_open(path("sparse.vhd"), XNS_FMT_VHD, XNS_RDONLY, &d), 0);
    ck_assert_msg(strstr(xns_strerror(), "BAT entry 128 points at offset 0, into the image's "
                                         "metadata") != NULL,
                  "unexpected refusal: %s", xns_strerror());
    uint64_t grown = vm_peak_bytes() - before;
    ck_assert_msg(grown < (64ull << 20), "opening took %llu MiB of address space",
                  (unsigned long long)(grown >> 20));
}
END_TEST

START_TEST(differencing_chain)
{
    make("base.vhd", XNS_VHD_DYNAMIC, 16 << 20, NULL);
    struct xns_disk *d = open_rw("base.vhd");
    char w[1 << 20], r[1 << 20], p0[1 << 20];
    fill(w, sizeof(w), 3);
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 1 << 20), 0);
    xns_close(d);
    make("mid.vhd", XNS_VHD_DIFF, 0, path("base.vhd"));
    make("top.vhd", XNS_VHD_DIFF, 0, path("mid.vhd"));
    d = open_rw("top.vhd");
    struct xns_info in;
    ck_assert_int_eq(xns_info(d, &in), 0);
    ck_assert_int_eq(in.depth, 3);
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 1 << 20), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    char w2[1000];
    fill(w2, sizeof(w2), 4);
    ck_assert_int_eq(xns_write(d, w2, sizeof(w2), (1 << 20) + 5000), 0);
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 1 << 20), 0);
    memcpy(p0, w, sizeof(w));
    memcpy(p0 + 5000, w2, sizeof(w2));
    ck_assert_mem_eq(r, p0, sizeof(r)); /* the sectors around the write still show the base */
    xns_close(d);
    ck_assert_int_eq(xns_open(path("base.vhd"), XNS_FMT_AUTO, XNS_RDONLY, &d), 0);
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 1 << 20), 0);
    ck_assert_mem_eq(r, w, sizeof(w)); /* the base never changes */
    xns_close(d);
    /* Coalesce keeps every byte of the child's view. */
    ck_assert_int_eq(xns_coalesce(path("top.vhd"), NULL, NULL), 0);
    ck_assert_int_eq(xns_open(path("mid.vhd"), XNS_FMT_AUTO, XNS_RDONLY, &d), 0);
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 1 << 20), 0);
    ck_assert_mem_eq(r, p0, sizeof(r));
    xns_close(d);
    ck_assert_int_eq(xns_check(path("top.vhd"), false, NULL, NULL), 0);
}
END_TEST

START_TEST(refuse_missing_wrong_and_looping_parents)
{
    make("p.vhd", XNS_VHD_DYNAMIC, 4 << 20, NULL);
    make("c.vhd", XNS_VHD_DIFF, 0, path("p.vhd"));
    ck_assert_int_eq(rename(path("p.vhd"), path("gone.vhd")), 0);
    expect_refusal("c.vhd", "is missing");
    make("p.vhd", XNS_VHD_DYNAMIC, 4 << 20, NULL); /* same name, another image */
    expect_refusal("c.vhd", "is not the image");
    /* Nothing of the file found there is told: not its UUID. */
    struct xns_disk *pd;
    struct xns_info pi;
    char pu[37];
    ck_assert_int_eq(xns_open(path("p.vhd"), XNS_FMT_VHD, XNS_RDONLY, &pd), 0);
    ck_assert_int_eq(xns_info(pd, &pi), 0);
    xns_close(pd);
    xns_uuid_format(pi.uuid, pu);
    ck_assert_int_lt(xns_open(path("c.vhd"), XNS_FMT_VHD, XNS_RDONLY, &pd), 0);
    ck_assert_msg(strstr(xns_strerror(), pu) == NULL, "the message tells the UUID of %s: %s",
                  path("p.vhd"), xns_strerror());
    /* a <- b, then a made the child of b: a loop. */
    make("x.vhd", XNS_VHD_DYNAMIC, 4 << 20, NULL);
    make("y.vhd", XNS_VHD_DIFF, 0, path("x.vhd"));
    make("z.vhd", XNS_VHD_DIFF, 0, path("y.vhd"));
    ck_assert_int_eq(xns_vhd_set_parent(path("y.vhd"), path("z.vhd")), 0);
    expect_refusal("z.vhd", "loops");
}
END_TEST

/* A locator is the child's content, so whoever made the child chose it:
 * it may only name an image beside the child, never one elsewhere (an
 * absolute path, ../) that the child's owner may not read. */
START_TEST(refuse_parent_outside_the_directory)
{
    ck_assert_int_eq(mkdir(path("sub"), 0700), 0);
    make("sub/p.vhd", XNS_VHD_DYNAMIC, 4 << 20, NULL);
    struct xns_create_opts o = {
        .format = XNS_FMT_VHD, .vhd_type = XNS_VHD_DIFF, .parent = path("sub/p.vhd")};
    ck_assert_int_lt(xns_create(path("up.vhd"), &o), 0);
    ck_assert_msg(strstr(xns_strerror(), "beside") != NULL, "%s", xns_strerror());
    ck_assert_int_ne(access(path("up.vhd"), F_OK), 0);
    /* Made beside its parent, then moved up: the absolute locator still
     * finds sub/p.vhd, which is no longer beside it. */
    make("sub/c.vhd", XNS_VHD_DIFF, 0, path("sub/p.vhd"));
    ck_assert_int_eq(rename(path("sub/c.vhd"), path("c.vhd")), 0);
    expect_refusal("c.vhd", "outside");
    /* Moved back, it opens again. */
    ck_assert_int_eq(rename(path("c.vhd"), path("sub/c.vhd")), 0);
    struct xns_disk *d = open_rw("sub/c.vhd");
    xns_close(d);
    /* Nor may a parent be swapped for one elsewhere. */
    make("q.vhd", XNS_VHD_DYNAMIC, 4 << 20, NULL);
    ck_assert_int_lt(xns_vhd_set_parent(path("sub/c.vhd"), path("q.vhd")), 0);
    ck_assert_msg(strstr(xns_strerror(), "beside") != NULL, "%s", xns_strerror());
}
END_TEST

START_TEST(grow_in_place_and_by_moving_blocks)
{
    make("g.vhd", XNS_VHD_DYNAMIC, 4 << 20, NULL);
    struct xns_disk *d = open_rw("g.vhd");
    char w[4096], r[4096];
    fill(w, sizeof(w), 5);
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 3 << 20), 0);
    xns_close(d);
    ck_assert_int_eq(xns_resize(path("g.vhd"), 1ull << 30), 0);
    ck_assert_int_lt(xns_resize(path("g.vhd"), 1 << 20), 0);
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "cannot shrink"));
    d = open_rw("g.vhd");
    ck_assert_uint_eq(xns_size(d), 1ull << 30);
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 3 << 20), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    ck_assert_int_eq(xns_write(d, w, sizeof(w), (1ull << 30) - 4096), 0);
    xns_close(d);
    ck_assert_int_eq(xns_check(path("g.vhd"), false, NULL, NULL), 0);
    /* No room reserved: the first block sits right after the BAT. */
    struct xns_create_opts o = {.format = XNS_FMT_VHD, .size = 4 << 20, .bat_reserve = 4 << 20};
    ck_assert_int_eq(xns_create(path("h.vhd"), &o), 0);
    d = open_rw("h.vhd");
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 0), 0);
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 2 << 20), 0);
    xns_close(d);
    ck_assert_int_eq(xns_resize(path("h.vhd"), 4ull << 30), 0);
    d = open_rw("h.vhd");
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 0), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 2 << 20), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    xns_close(d);
    ck_assert_int_eq(xns_check(path("h.vhd"), false, NULL, NULL), 0);
}
END_TEST

static void count_report(void *ctx, const char *msg)
{
    (void)msg;
    (*(int *)ctx)++;
}

START_TEST(check_and_repair)
{
    make("k.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    struct xns_disk *d = open_rw("k.vhd");
    char w[4096];
    fill(w, sizeof(w), 6);
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 0), 0);
    xns_close(d);
    /* What a writer that moves the footer last leaves after a crash: data
     * where the footer was. */
    off_t end = file_size("k.vhd");
    char junk[512];
    memset(junk, 0x5a, sizeof(junk));
    poke("k.vhd", (uint64_t)end - 512, junk, sizeof(junk));
    expect_refusal("k.vhd", "copy at offset 0 is intact");
    int reports = 0;
    ck_assert_int_eq(xns_check(path("k.vhd"), false, count_report, &reports), 1);
    reports = 0;
    ck_assert_int_eq(xns_check(path("k.vhd"), true, count_report, &reports), 0);
    ck_assert_int_eq(reports, 2); /* the fault and the repair */
    d = open_rw("k.vhd");
    char r[4096];
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 0), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    xns_close(d);
    /* A stale copy at 0 is repaired from the footer. */
    poke("k.vhd", 40, junk, 8);
    ck_assert_int_eq(xns_check(path("k.vhd"), false, NULL, NULL), 1);
    ck_assert_int_eq(xns_check(path("k.vhd"), true, NULL, NULL), 0);
    ck_assert_int_eq(xns_check(path("k.vhd"), false, NULL, NULL), 0);
}
END_TEST

START_TEST(discard_reads_zeros)
{
    make("z.vhd", XNS_VHD_DYNAMIC, 8 << 20, NULL);
    struct xns_disk *d = open_rw("z.vhd");
    char w[1 << 20], r[1 << 20];
    fill(w, sizeof(w), 7);
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 0), 0);
    ck_assert_int_eq(xns_discard(d, 4096, 65536), 0);
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 0), 0);
    ck_assert_mem_eq(r, w, 4096);
    for (int i = 4096; i < 4096 + 65536; i++)
        ck_assert_int_eq(r[i], 0);
    ck_assert_mem_eq(r + 4096 + 65536, w + 4096 + 65536, sizeof(w) - 4096 - 65536);
    xns_close(d);
}
END_TEST

struct worker {
    struct xns_disk *d;
    int id;
};

static void *write_worker(void *arg)
{
    struct worker *w = arg;
    char buf[65536];
    for (int i = 0; i < 16; i++) {
        fill(buf, sizeof(buf), (unsigned)(w->id * 100 + i));
        uint64_t off = ((uint64_t)(i * 4 + w->id) << 21) + (uint64_t)w->id * 8192;
        if (xns_write(w->d, buf, sizeof(buf), off) < 0)
            return (void *)1;
    }
    return NULL;
}

START_TEST(threads_share_a_handle)
{
    make("t.vhd", XNS_VHD_DYNAMIC, 128 << 20, NULL);
    make("tc.vhd", XNS_VHD_DIFF, 0, path("t.vhd"));
    const char *names[] = {"t.vhd", "tc.vhd"};
    for (int n = 0; n < 2; n++) {
        struct xns_disk *d = open_rw(names[n]);
        pthread_t th[4];
        struct worker w[4];
        for (int i = 0; i < 4; i++) {
            w[i] = (struct worker){d, i};
            ck_assert_int_eq(pthread_create(&th[i], NULL, write_worker, &w[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
            void *ret;
            pthread_join(th[i], &ret);
            ck_assert_ptr_null(ret);
        }
        char r[65536], e[65536];
        for (int id = 0; id < 4; id++)
            for (int i = 0; i < 16; i++) {
                fill(e, sizeof(e), (unsigned)(id * 100 + i));
                uint64_t off = ((uint64_t)(i * 4 + id) << 21) + (uint64_t)id * 8192;
                ck_assert_int_eq(xns_read(d, r, sizeof(r), off), 0);
                ck_assert_mem_eq(r, e, sizeof(r));
            }
        ck_assert_int_eq(xns_close(d), 0);
        ck_assert_int_eq(xns_check(path(names[n]), false, NULL, NULL), 0);
    }
}
END_TEST

START_TEST(copy_keeps_sparse)
{
    make("s.vhd", XNS_VHD_DYNAMIC, 64 << 20, NULL);
    struct xns_disk *s = open_rw("s.vhd"), *d;
    char w[4096];
    fill(w, sizeof(w), 8);
    ck_assert_int_eq(xns_write(s, w, sizeof(w), 40 << 20), 0);
    make("dst.vhd", XNS_VHD_DYNAMIC, 64 << 20, NULL);
    d = open_rw("dst.vhd");
    ck_assert_int_eq(xns_copy(s, d, NULL, NULL), 0);
    struct xns_info in;
    ck_assert_int_eq(xns_info(d, &in), 0);
    ck_assert_uint_eq(in.blocks_allocated, 1);
    char r[4096];
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 40 << 20), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    xns_close(s);
    xns_close(d);
}
END_TEST

/* An LVM SR without device-mapper has no /dev/VG directory at all: a
 * parent named in the same directory is still beside its child, one in
 * another directory that does not exist is not. */
START_TEST(parent_beside_in_a_directory_that_does_not_exist)
{
    ck_assert(vhd_parent_beside("/dev/VG_xn_none/VHD-child", "/dev/VG_xn_none/VHD-parent"));
    ck_assert(!vhd_parent_beside("/dev/VG_xn_none/VHD-child", "/dev/VG_xn_other/VHD-parent"));
    ck_assert(!vhd_parent_beside("/dev/VG_xn_none/VHD-child", "/dev/VG_xn_none/.."));
}
END_TEST

/* Pages of the file at p that the page cache holds. */
static size_t resident_pages(const char *p)
{
    int fd = open(p, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    size_t pages = ((size_t)st.st_size + 4095) / 4096, n = 0;
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    unsigned char *vec = malloc(pages);
    ck_assert_int_eq(mincore(m, (size_t)st.st_size, vec), 0);
    for (size_t i = 0; i < pages; i++)
        n += vec[i] & 1;
    free(vec);
    munmap(m, (size_t)st.st_size);
    close(fd);
    return n;
}

/*
 * After xns_drop_cache the page cache holds nothing of the image or its
 * parent, and what was written reads back from the store. tmpfs keeps
 * its pages whatever one asks, so the images go to /var/tmp when /tmp is
 * one.
 */
START_TEST(drop_cache_empties_the_page_cache)
{
    struct statfs sf;
    ck_assert_int_eq(statfs(dir, &sf), 0);
    char vdir[64] = "";
    if (sf.f_type == TMPFS_MAGIC) {
        snprintf(vdir, sizeof(vdir), "/var/tmp/xns-unit.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(vdir));
        ck_assert_int_eq(statfs(vdir, &sf), 0);
        ck_assert_msg(sf.f_type != TMPFS_MAGIC, "/tmp and /var/tmp are both tmpfs: no page "
                      "cache to drop");
    }
    char pp[128], cp[128];
    snprintf(pp, sizeof(pp), "%s/p.vhd", *vdir ? vdir : dir);
    snprintf(cp, sizeof(cp), "%s/c.vhd", *vdir ? vdir : dir);
    struct xns_create_opts o = {.format = XNS_FMT_VHD, .vhd_type = XNS_VHD_DYNAMIC, .size = 8 << 20};
    ck_assert_msg(xns_create(pp, &o) == 0, "%s", xns_strerror());
    struct xns_disk *d;
    ck_assert_int_eq(xns_open(pp, XNS_FMT_AUTO, XNS_RDWR, &d), 0);
    static char w[1 << 20], r[1 << 20];
    fill(w, sizeof(w), 9);
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 0), 0);
    ck_assert_int_eq(xns_close(d), 0);
    o = (struct xns_create_opts){.format = XNS_FMT_VHD, .vhd_type = XNS_VHD_DIFF, .parent = pp};
    ck_assert_msg(xns_create(cp, &o) == 0, "%s", xns_strerror());
    ck_assert_int_eq(xns_open(cp, XNS_FMT_AUTO, XNS_RDWR, &d), 0);
    ck_assert_int_eq(xns_write(d, w, sizeof(w), 2 << 20), 0);
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 0), 0);
    ck_assert_uint_gt(resident_pages(pp), 200);
    ck_assert_uint_gt(resident_pages(cp), 200);

    ck_assert_int_eq(xns_drop_cache(d), 0);
    ck_assert_uint_eq(resident_pages(pp), 0);
    ck_assert_uint_eq(resident_pages(cp), 0);
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 0), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    ck_assert_int_eq(xns_read(d, r, sizeof(r), 2 << 20), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    xns_close(d);
    if (*vdir) {
        unlink(pp);
        unlink(cp);
        rmdir(vdir);
    }
}
END_TEST

START_TEST(create_refusals)
{
    struct xns_create_opts o = {.format = XNS_FMT_VHD, .size = 3000ull << 30};
    ck_assert_int_lt(xns_create(path("big.vhd"), &o), 0);
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "2040 GiB"));
    o.size = 1 << 20;
    o.block_size = 3000;
    ck_assert_int_lt(xns_create(path("bs.vhd"), &o), 0);
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "power of two"));
    ck_assert_int_ne(access(path("bs.vhd"), F_OK), 0); /* nothing left behind */
    o.block_size = 0;
    o.vhd_type = XNS_VHD_DIFF;
    o.parent = path("none.vhd");
    ck_assert_int_lt(xns_create(path("orphan.vhd"), &o), 0);
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "none.vhd"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("storage_vhd");
    TCase *f = tcase_create("format");
    tcase_add_test(f, checksum_and_footer_roundtrip);
    tcase_add_test(f, footer_field_rules);
    tcase_add_test(f, header_rules);
    tcase_add_test(f, geometry_and_sizes);
    tcase_add_test(f, utf16_and_locators);
    suite_add_tcase(s, f);
    TCase *t = tcase_create("images");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, dynamic_roundtrip);
    tcase_add_test(t, fixed_and_raw);
    tcase_add_test(t, refuse_bad_cookie_and_checksum);
    tcase_add_test(t, refuse_bad_bat_and_block_size);
    tcase_add_test(t, refuse_size_that_wraps_the_block_count);
    tcase_add_test(t, refuse_sparse_bat_before_allocating_it);
    tcase_add_test(t, differencing_chain);
    tcase_add_test(t, refuse_missing_wrong_and_looping_parents);
    tcase_add_test(t, refuse_parent_outside_the_directory);
    tcase_add_test(t, grow_in_place_and_by_moving_blocks);
    tcase_add_test(t, check_and_repair);
    tcase_add_test(t, discard_reads_zeros);
    tcase_add_test(t, threads_share_a_handle);
    tcase_add_test(t, copy_keeps_sparse);
    tcase_add_test(t, drop_cache_empties_the_page_cache);
    tcase_add_test(t, create_refusals);
    tcase_add_test(t, parent_beside_in_a_directory_that_does_not_exist);
    suite_add_tcase(s, t);
    return s;
}

#include "check_main.h"
