/*
 * xenolith-img: the storage library from the shell. Tests drive images
 * through it, and its crashwriter/verify pair is how the crash tests
 * learn which writes were acknowledged before a SIGKILL.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/storage/xnstorage.h"

static int die(const char *what)
{
    fprintf(stderr, "xenolith-img: %s%s%s\n", what ? what : "", what ? ": " : "",
            xns_strerror());
    return 1;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: xenolith-img create [-t raw|fixed|dynamic] [-s SIZE] [-p PARENT] [-b BLOCK]\n"
            "                           [-r BAT_RESERVE] [-H] FILE\n"
            "       xenolith-img info FILE\n"
            "       xenolith-img check [-r] FILE\n"
            "       xenolith-img read FILE [OFFSET LENGTH]     (to stdout)\n"
            "       xenolith-img write FILE OFFSET              (stdin)\n"
            "       xenolith-img discard FILE OFFSET LENGTH\n"
            "       xenolith-img resize FILE SIZE\n"
            "       xenolith-img coalesce CHILD\n"
            "       xenolith-img set-hidden FILE 0|1\n"
            "       xenolith-img set-parent FILE PARENT\n"
            "       xenolith-img convert [-t raw|fixed|dynamic] SRC DST\n"
            "       xenolith-img crashwriter FILE SEED           (until killed)\n"
            "       xenolith-img verify FILE LOG...\n"
            "       xenolith-img bench FILE SECONDS BLOCK     (prints MB/s)\n"
            "SIZE takes k, m, g, t suffixes (powers of 1024).\n");
    return 2;
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s)
        return -1;
    int shift = 0;
    switch (*end) {
    case 't': case 'T': shift = 40; break;
    case 'g': case 'G': shift = 30; break;
    case 'm': case 'M': shift = 20; break;
    case 'k': case 'K': shift = 10; break;
    case '\0': break;
    default: return -1;
    }
    if (*end && end[1] && strcmp(end + 1, "iB") != 0 && strcmp(end + 1, "B") != 0)
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int parse_type(const char *t, struct xns_create_opts *o)
{
    if (strcmp(t, "raw") == 0)
        o->format = XNS_FMT_RAW;
    else if (strcmp(t, "fixed") == 0)
        o->vhd_type = XNS_VHD_FIXED;
    else if (strcmp(t, "dynamic") == 0)
        o->vhd_type = XNS_VHD_DYNAMIC;
    else
        return -1;
    return 0;
}

static int cmd_create(int argc, char **argv)
{
    struct xns_create_opts o = {.format = XNS_FMT_VHD, .vhd_type = XNS_VHD_DYNAMIC};
    uint64_t v;
    int c;
    while ((c = getopt(argc, argv, "t:s:p:b:r:H")) != -1) {
        switch (c) {
        case 't': if (parse_type(optarg, &o) < 0) return usage(); break;
        case 's': if (parse_size(optarg, &o.size) < 0) return usage(); break;
        case 'p': o.parent = optarg; break;
        case 'b': if (parse_size(optarg, &v) < 0) return usage(); o.block_size = (uint32_t)v; break;
        case 'r': if (parse_size(optarg, &o.bat_reserve) < 0) return usage(); break;
        case 'H': o.hidden = true; break;
        default: return usage();
        }
    }
    if (optind + 1 != argc)
        return usage();
    return xns_create(argv[optind], &o) < 0 ? die(NULL) : 0;
}

static const char *type_name(enum xns_vhd_type t)
{
    switch (t) {
    case XNS_VHD_FIXED: return "fixed";
    case XNS_VHD_DYNAMIC: return "dynamic";
    case XNS_VHD_DIFF: return "differencing";
    default: return "none";
    }
}

static int cmd_info(int argc, char **argv)
{
    if (argc != 2)
        return usage();
    struct xns_disk *d;
    struct xns_info i;
    if (xns_open(argv[1], XNS_FMT_AUTO, XNS_RDONLY, &d) < 0 || xns_info(d, &i) < 0)
        return die(NULL);
    char u[37], pu[37];
    xns_uuid_format(i.uuid, u);
    xns_uuid_format(i.parent_uuid, pu);
    printf("format: %s\n", i.format == XNS_FMT_VHD ? "vhd" : "raw");
    printf("type: %s\n", type_name(i.vhd_type));
    printf("size: %" PRIu64 "\n", i.size);
    printf("physical-size: %" PRIu64 "\n", i.phys_size);
    printf("physical-used: %" PRIu64 "\n", i.phys_used);
    if (i.format == XNS_FMT_VHD) {
        printf("uuid: %s\n", u);
        printf("hidden: %d\n", i.hidden);
        if (i.vhd_type != XNS_VHD_FIXED) {
            printf("block-size: %u\n", i.block_size);
            printf("blocks-allocated: %u\n", i.blocks_allocated);
        }
        if (i.vhd_type == XNS_VHD_DIFF) {
            printf("parent: %s\n", i.parent);
            printf("parent-uuid: %s\n", pu);
        }
        printf("chain-depth: %d\n", i.depth);
    }
    xns_close(d);
    return 0;
}

static void print_report(void *ctx, const char *msg)
{
    (void)ctx;
    printf("%s\n", msg);
}

static int cmd_check(int argc, char **argv)
{
    bool repair = argc == 3 && strcmp(argv[1], "-r") == 0;
    if (argc != 2 + repair)
        return usage();
    int n = xns_check(argv[argc - 1], repair, print_report, NULL);
    if (n < 0)
        return die(argv[argc - 1]);
    if (n == 0)
        printf("%s: clean\n", argv[argc - 1]);
    return n ? 1 : 0;
}

static int cmd_read(int argc, char **argv)
{
    if (argc != 2 && argc != 4)
        return usage();
    struct xns_disk *d;
    if (xns_open(argv[1], XNS_FMT_AUTO, XNS_RDONLY, &d) < 0)
        return die(NULL);
    uint64_t off = 0, len = xns_size(d);
    if (argc == 4 && (parse_size(argv[2], &off) < 0 || parse_size(argv[3], &len) < 0))
        return usage();
    char *buf = malloc(1 << 20);
    int rc = 0;
    while (rc == 0 && len > 0 && buf) {
        size_t n = len < (1 << 20) ? (size_t)len : (1 << 20);
        if (xns_read(d, buf, n, off) < 0) {
            rc = die(NULL);
            break;
        }
        if (fwrite(buf, 1, n, stdout) != n)
            rc = 1;
        off += n;
        len -= n;
    }
    free(buf);
    xns_close(d);
    return rc;
}

static int cmd_write(int argc, char **argv)
{
    uint64_t off;
    if (argc != 3 || parse_size(argv[2], &off) < 0)
        return usage();
    struct xns_disk *d;
    if (xns_open(argv[1], XNS_FMT_AUTO, XNS_RDWR, &d) < 0)
        return die(NULL);
    char *buf = malloc(1 << 20);
    size_t n;
    int rc = 0;
    while (buf && (n = fread(buf, 1, 1 << 20, stdin)) > 0) {
        if (xns_write(d, buf, n, off) < 0) {
            rc = die(NULL);
            break;
        }
        off += n;
    }
    free(buf);
    if (xns_close(d) < 0 && rc == 0)
        rc = die(NULL);
    return rc;
}

static int cmd_discard(int argc, char **argv)
{
    uint64_t off, len;
    if (argc != 4 || parse_size(argv[2], &off) < 0 || parse_size(argv[3], &len) < 0)
        return usage();
    struct xns_disk *d;
    if (xns_open(argv[1], XNS_FMT_AUTO, XNS_RDWR, &d) < 0)
        return die(NULL);
    int rc = xns_discard(d, off, len) < 0 ? die(NULL) : 0;
    xns_close(d);
    return rc;
}

static void progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (isatty(2))
        fprintf(stderr, "\r%3d%%", total ? (int)(done * 100 / total) : 100);
}

static int cmd_convert(int argc, char **argv)
{
    struct xns_create_opts o = {.format = XNS_FMT_VHD, .vhd_type = XNS_VHD_DYNAMIC};
    int c;
    while ((c = getopt(argc, argv, "t:")) != -1)
        if (c != 't' || parse_type(optarg, &o) < 0)
            return usage();
    if (optind + 2 != argc)
        return usage();
    struct xns_disk *s, *d;
    if (xns_open(argv[optind], XNS_FMT_AUTO, XNS_RDONLY, &s) < 0)
        return die(NULL);
    o.size = xns_size(s);
    if (xns_create(argv[optind + 1], &o) < 0 ||
        xns_open(argv[optind + 1], o.format, XNS_RDWR, &d) < 0)
        return die(NULL);
    int rc = xns_copy(s, d, progress, NULL) < 0 ? die(NULL) : 0;
    xns_close(s);
    if (xns_close(d) < 0 && rc == 0)
        rc = die(NULL);
    return rc;
}

/* A deterministic stream: crashwriter and verify must agree on every
 * write's place and contents from the seed alone. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Write number seq of run `seed`: up to 64 KiB, sector aligned, within
 * the sixteenth of the disk the seed picks, so that each run starts out
 * allocating blocks no earlier run touched. */
static void crash_op(uint64_t seed, uint64_t seq, uint64_t sectors, uint64_t *first,
                     uint32_t *count)
{
    uint64_t r = mix(seed * 1000003 + seq), area = sectors / 16;
    *count = (uint32_t)(1 + r % 128);
    *first = (seed % 16) * area + mix(r) % (area - *count);
}

static void crash_sector(uint64_t seed, uint64_t seq, uint64_t sector, uint8_t *p)
{
    uint64_t x = mix(seed ^ (seq << 20) ^ (sector << 1));
    for (int i = 0; i < 512; i += 8) {
        x = mix(x);
        memcpy(p + i, &x, 8);
    }
}

static int cmd_crashwriter(int argc, char **argv)
{
    uint64_t seed;
    if (argc != 3 || parse_size(argv[2], &seed) < 0)
        return usage();
    struct xns_disk *d;
    if (xns_open(argv[1], XNS_FMT_AUTO, XNS_RDWR, &d) < 0)
        return die(NULL);
    uint64_t sectors = xns_size(d) / 512;
    uint8_t *buf = malloc(128 * 512);
    char line[64];
    int n = snprintf(line, sizeof(line), "seed %" PRIu64 "\n", seed);
    if (!buf || write(1, line, (size_t)n) != n)
        return 1;
    for (uint64_t seq = 0;; seq++) {
        uint64_t first;
        uint32_t count;
        crash_op(seed, seq, sectors, &first, &count);
        for (uint32_t i = 0; i < count; i++)
            crash_sector(seed, seq, first + i, buf + i * 512);
        if (xns_write_sectors(d, buf, first, count) < 0)
            return die(NULL);
        /* Acknowledged: the line is out before the next write starts. */
        n = snprintf(line, sizeof(line), "ack %" PRIu64 "\n", seq);
        if (write(1, line, (size_t)n) != n)
            return 1;
    }
}

struct expect {
    uint32_t run, seq;   /* run 0 = never written (zeros) */
    uint32_t mrun, mseq; /* a write in flight at a kill may have landed */
};

/* Any expectation in the MiB starting at sector s? Unwritten space of a
 * large sparse disk is not worth reading sector by sector. */
static bool written_near(const struct expect *ex, uint64_t s, uint64_t sectors)
{
    for (uint64_t i = s; i < s + 2048 && i < sectors; i++)
        if (ex[i].run || ex[i].mrun)
            return true;
    return false;
}

static int cmd_verify(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    struct xns_disk *d;
    if (xns_open(argv[1], XNS_FMT_AUTO, XNS_RDONLY, &d) < 0)
        return die(NULL);
    uint64_t sectors = xns_size(d) / 512;
    struct expect *ex = calloc(sectors, sizeof(*ex));
    uint64_t *seeds = calloc((size_t)argc, sizeof(uint64_t));
    if (!ex || !seeds)
        return 1;
    uint64_t acked = 0;
    for (int r = 2; r < argc; r++) {
        FILE *f = fopen(argv[r], "r");
        if (!f) {
            fprintf(stderr, "xenolith-img: %s: %s\n", argv[r], strerror(errno));
            return 1;
        }
        long long last = -1, v;
        char word[16];
        if (fscanf(f, "seed %" SCNu64 "\n", &seeds[r]) != 1) {
            fprintf(stderr, "xenolith-img: %s: no seed line\n", argv[r]);
            return 1;
        }
        while (fscanf(f, "%15s %lld\n", word, &v) == 2)
            if (strcmp(word, "ack") == 0 && v == last + 1)
                last = v;
        fclose(f);
        for (long long seq = 0; seq <= last + 1; seq++) {
            uint64_t first;
            uint32_t count;
            crash_op(seeds[r], (uint64_t)seq, sectors, &first, &count);
            for (uint32_t i = 0; i < count; i++) {
                struct expect *e = &ex[first + i];
                if (seq <= last)
                    *e = (struct expect){(uint32_t)r, (uint32_t)seq, 0, 0};
                else
                    e->mrun = (uint32_t)r, e->mseq = (uint32_t)seq;
            }
        }
        acked += (uint64_t)(last + 1);
    }
    uint8_t want[512], maybe[512];
    uint8_t *chunk = malloc(1 << 20);
    uint64_t bad = 0, checked = 0;
    if (!chunk)
        return 1;
    for (uint64_t s = 0; s < sectors; s++) {
        struct expect *e = &ex[s];
        uint64_t in = s % 2048;
        if (in == 0 && !written_near(ex, s, sectors)) {
            s += 2047; /* nothing was written in this MiB: it reads zeros, as check saw */
            continue;
        }
        if (in == 0 && xns_read_sectors(d, chunk, s, (uint32_t)(sectors - s < 2048 ? sectors - s : 2048)) < 0)
            return die(NULL);
        const uint8_t *got = chunk + in * 512;
        if (e->run)
            crash_sector(seeds[e->run], e->seq, s, want);
        else
            memset(want, 0, 512);
        bool ok = memcmp(got, want, 512) == 0;
        if (!ok && e->mrun) {
            crash_sector(seeds[e->mrun], e->mseq, s, maybe);
            ok = memcmp(got, maybe, 512) == 0;
        }
        checked += e->run != 0;
        if (!ok && bad++ < 5)
            fprintf(stderr, "xenolith-img: sector %" PRIu64 " holds neither %s nor the write in "
                    "flight at the kill\n", s, e->run ? "its last acknowledged write" : "zeros");
    }
    printf("verify: %" PRIu64 " acknowledged writes, %" PRIu64 " written sectors checked, %"
           PRIu64 " wrong\n", acked, checked, bad);
    xns_close(d);
    free(chunk);
    free(ex);
    free(seeds);
    return bad ? 1 : 0;
}

/* One request of the benchmark's mix at a random BLOCK: odd ones write. */
static int bench_request(struct xns_disk *d, char *buf, uint64_t bs, uint64_t size, uint64_t n,
                         uint64_t *x)
{
    *x = mix(*x);
    uint64_t off = *x % (size / bs) * bs;
    return n & 1 ? xns_write(d, buf, (size_t)bs, off) : xns_read(d, buf, (size_t)bs, off);
}

/*
 * Fills the disk (so every block is allocated), then random reads and
 * writes of BLOCK bytes, half each, for SECONDS: the steady state a guest
 * sees once its disk is in use. Between the two the disk leaves the page
 * cache, and an untimed run of the same mix (four requests per BLOCK of
 * the disk) brings it back: the cache is then built by the requests
 * measured, as a guest's would be, and not by the fill. The fill's 1 MiB
 * writes leave a raw file in 1 MiB folios, and each 64 KiB buffered write
 * into one costs the kernel (ext4_block_write_begin walks the whole
 * folio) several times what it costs in the smaller folios of a VHD,
 * whose data sits 512 bytes off page alignment: that, not the format,
 * made a VHD look 1.6 to 2.4 times faster than raw.
 */
static int cmd_bench(int argc, char **argv)
{
    uint64_t secs, bs;
    if (argc != 4 || parse_size(argv[2], &secs) < 0 || parse_size(argv[3], &bs) < 0 ||
        bs % 512 || bs == 0 || bs > (1 << 20))
        return usage();
    struct xns_disk *d;
    if (xns_open(argv[1], XNS_FMT_AUTO, XNS_RDWR, &d) < 0)
        return die(NULL);
    uint64_t size = xns_size(d) / bs * bs;
    char *buf = malloc(1 << 20);
    if (!buf)
        return 1;
    memset(buf, 0x3c, 1 << 20);
    for (uint64_t off = 0; off + (1 << 20) <= size; off += 1 << 20)
        if (xns_write(d, buf, 1 << 20, off) < 0)
            return die(NULL);
    if (xns_drop_cache(d) < 0)
        return die(NULL);
    uint64_t x = 12345, n = 0;
    for (; n < 4 * (size / bs); n++)
        if (bench_request(d, buf, bs, size, n, &x) < 0)
            return die(NULL);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t bytes = 0;
    double el = 0;
    for (;; n++) {
        if (bench_request(d, buf, bs, size, n, &x) < 0)
            return die(NULL);
        bytes += bs;
        if ((n & 255) == 0) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            el = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
            if (el >= (double)secs)
                break;
        }
    }
    if (xns_close(d) < 0)
        return die(NULL);
    printf("%.1f\n", (double)bytes / el / 1e6);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *c = argv[1];
    argc--;
    argv++;
    if (strcmp(c, "create") == 0)
        return cmd_create(argc, argv);
    if (strcmp(c, "info") == 0)
        return cmd_info(argc, argv);
    if (strcmp(c, "check") == 0)
        return cmd_check(argc, argv);
    if (strcmp(c, "read") == 0)
        return cmd_read(argc, argv);
    if (strcmp(c, "write") == 0)
        return cmd_write(argc, argv);
    if (strcmp(c, "discard") == 0)
        return cmd_discard(argc, argv);
    if (strcmp(c, "convert") == 0)
        return cmd_convert(argc, argv);
    if (strcmp(c, "crashwriter") == 0)
        return cmd_crashwriter(argc, argv);
    if (strcmp(c, "verify") == 0)
        return cmd_verify(argc, argv);
    if (strcmp(c, "bench") == 0)
        return cmd_bench(argc, argv);
    uint64_t v;
    if (strcmp(c, "resize") == 0 && argc == 3 && parse_size(argv[2], &v) == 0)
        return xns_resize(argv[1], v) < 0 ? die(NULL) : 0;
    if (strcmp(c, "coalesce") == 0 && argc == 2)
        return xns_coalesce(argv[1], progress, NULL) < 0 ? die(NULL) : 0;
    if (strcmp(c, "set-hidden") == 0 && argc == 3)
        return xns_vhd_set_hidden(argv[1], strcmp(argv[2], "1") == 0) < 0 ? die(NULL) : 0;
    if (strcmp(c, "set-parent") == 0 && argc == 3)
        return xns_vhd_set_parent(argv[1], argv[2]) < 0 ? die(NULL) : 0;
    return usage();
}
