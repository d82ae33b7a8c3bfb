#include "config.h"

#include <asm/bootparam.h>
#include <bzlib.h>
#include <errno.h>
#include <limits.h>
#include <lz4.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "hypervisor/bzimage.h"
#include "hypervisor/fail_msg.h"

/* Boot protocol facts (Documentation/arch/x86/boot.rst) the uapi header
 * has no names for. */
#define BOOT_HDR_OFFSET 0x1f1 /* struct setup_header inside the file */
#define BOOT_HDR_MAGIC 0x53726448u /* "HdrS" */
#define BOOT_PAYLOAD_PROTOCOL 0x0208 /* payload_offset/length appear */
#define BOOT_SECTOR 512
#define BOOT_DEFAULT_SETUP_SECTS 4 /* what setup_sects 0 means */

/* The lz4 CLI's legacy framing, which the kernel build uses: a magic, then
 * blocks of at most 8 MiB, each behind its little-endian compressed size. */
#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)

/* liblzma may use this much for its dictionary; kernels use at most 64 MiB. */
#define LZMA_MEMLIMIT (256ull << 20)

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool bzimage_detect(const uint8_t *file, size_t size)
{
    struct setup_header h;
    if (size < BOOT_HDR_OFFSET + sizeof(h))
        return false;
    memcpy(&h, file + BOOT_HDR_OFFSET, sizeof(h));
    return h.header == BOOT_HDR_MAGIC;
}

/* Each decoder fills exactly out_size bytes from in or says why not. The
 * sizes are checked by the caller to fit an int and a uInt where the
 * library needs it. */
typedef int decode_fn(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                      char *err, size_t errlen);

static int size_lies(char *err, size_t errlen, const char *codec, size_t got, size_t want)
{
    if (got > want)
        return fail(err, errlen, -EINVAL,
                    "the %s payload decompresses to more than the %zu bytes its size "
                    "field gives", codec, want);
    return fail(err, errlen, -EINVAL,
                "the %s payload decompresses to %zu bytes, not the %zu its size field gives",
                codec, got, want);
}

static int decode_gzip(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                       char *err, size_t errlen)
{
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) /* 16: the gzip wrapper */
        return fail(err, errlen, -ENOMEM, "cannot start the gzip decoder");
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)in_size;
    s.next_out = out;
    s.avail_out = (uInt)out_size;
    int zr = inflate(&s, Z_FINISH);
    size_t got = s.total_out;
    bool more = (zr == Z_OK || zr == Z_BUF_ERROR) && s.avail_out == 0;
    const char *why = s.msg ? s.msg : zError(zr);
    inflateEnd(&s);
    if (zr == Z_STREAM_END)
        return got == out_size ? 0 : size_lies(err, errlen, "gzip", got, out_size);
    if (more)
        return size_lies(err, errlen, "gzip", out_size + 1, out_size);
    if (zr == Z_BUF_ERROR)
        return fail(err, errlen, -EINVAL, "the gzip payload is truncated");
    return fail(err, errlen, -EINVAL, "the gzip payload is corrupt: %s", why);
}

static const char *lzma_why(lzma_ret r)
{
    switch (r) {
    case LZMA_MEMLIMIT_ERROR:
        return "its dictionary needs more than 256 MiB";
    case LZMA_FORMAT_ERROR:
        return "not in the format its magic promises";
    case LZMA_OPTIONS_ERROR:
        return "unsupported options";
    case LZMA_DATA_ERROR:
        return "corrupt data";
    case LZMA_BUF_ERROR:
        return "truncated";
    default:
        return "decoder error";
    }
}

/* xz (.xz container) and lzma (the legacy .lzma "alone" format). */
static int decode_lzma_stream(lzma_stream *s, const char *codec, const uint8_t *in,
                              size_t in_size, uint8_t *out, size_t out_size, char *err,
                              size_t errlen)
{
    s->next_in = in;
    s->avail_in = in_size;
    s->next_out = out;
    s->avail_out = out_size;
    lzma_ret r;
    do /* until the end mark, an error, or no progress (LZMA_BUF_ERROR) */
        r = lzma_code(s, LZMA_FINISH);
    while (r == LZMA_OK);
    size_t got = out_size - s->avail_out;
    bool more = r == LZMA_BUF_ERROR && s->avail_out == 0;
    lzma_end(s);
    if (r == LZMA_STREAM_END)
        return got == out_size ? 0 : size_lies(err, errlen, codec, got, out_size);
    if (more)
        return size_lies(err, errlen, codec, out_size + 1, out_size);
    return fail(err, errlen, -EINVAL, "the %s payload is %s", codec, lzma_why(r));
}

static int decode_xz(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                     char *err, size_t errlen)
{
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, LZMA_MEMLIMIT, 0) != LZMA_OK)
        return fail(err, errlen, -ENOMEM, "cannot start the xz decoder");
    return decode_lzma_stream(&s, "xz", in, in_size, out, out_size, err, errlen);
}

static int decode_lzma(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                       char *err, size_t errlen)
{
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_alone_decoder(&s, LZMA_MEMLIMIT) != LZMA_OK)
        return fail(err, errlen, -ENOMEM, "cannot start the lzma decoder");
    return decode_lzma_stream(&s, "lzma", in, in_size, out, out_size, err, errlen);
}

static int decode_lz4(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                      char *err, size_t errlen)
{
    size_t at = 0, got = 0;
    while (at < in_size) {
        if (in_size - at < 4)
            return fail(err, errlen, -EINVAL, "the lz4 payload is truncated in a block size");
        uint32_t n = le32(in + at);
        at += 4;
        if (n == LZ4_LEGACY_MAGIC) /* a concatenated stream starts */
            continue;
        if (n > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK))
            return fail(err, errlen, -EINVAL,
                        "the lz4 payload has a block of %u bytes, more than a legacy "
                        "block can be", n);
        if (n > in_size - at)
            return fail(err, errlen, -EINVAL,
                        "the lz4 payload is truncated: a block of %u bytes with %zu left", n,
                        in_size - at);
        size_t room = out_size - got;
        if (room > LZ4_LEGACY_BLOCK)
            room = LZ4_LEGACY_BLOCK;
        int r = LZ4_decompress_safe((const char *)in + at, (char *)out + got, (int)n,
                                    (int)room);
        if (r < 0) {
            if (room < LZ4_LEGACY_BLOCK)
                return fail(err, errlen, -EINVAL,
                            "the lz4 payload is corrupt or decompresses to more than the "
                            "%zu bytes its size field gives", out_size);
            return fail(err, errlen, -EINVAL, "the lz4 payload is corrupt (block at %zu)",
                        at - 4);
        }
        got += (size_t)r;
        at += n;
        if (got == out_size && at < in_size) {
            /* Only an empty block or another stream's magic may follow. */
            if (in_size - at >= 4 && le32(in + at) != LZ4_LEGACY_MAGIC && le32(in + at) != 0)
                return size_lies(err, errlen, "lz4", out_size + 1, out_size);
            break;
        }
    }
    return got == out_size ? 0 : size_lies(err, errlen, "lz4", got, out_size);
}

static int decode_zstd(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                       char *err, size_t errlen)
{
    ZSTD_DCtx *z = ZSTD_createDCtx();
    if (!z)
        return fail(err, errlen, -ENOMEM, "cannot start the zstd decoder");
    /* The whole output is one buffer, so any window the frame needs is in
     * it already: allow the largest. */
    ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax,
                           ZSTD_dParam_getBounds(ZSTD_d_windowLogMax).upperBound);
    size_t r = ZSTD_decompressDCtx(z, out, out_size, in, in_size);
    ZSTD_freeDCtx(z);
    if (!ZSTD_isError(r))
        return r == out_size ? 0 : size_lies(err, errlen, "zstd", r, out_size);
    if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
        return size_lies(err, errlen, "zstd", out_size + 1, out_size);
    if (ZSTD_getErrorCode(r) == ZSTD_error_srcSize_wrong)
        return fail(err, errlen, -EINVAL, "the zstd payload is truncated");
    return fail(err, errlen, -EINVAL, "the zstd payload is corrupt: %s", ZSTD_getErrorName(r));
}

static int decode_bzip2(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                        char *err, size_t errlen)
{
    unsigned got = (unsigned)out_size;
    int r = BZ2_bzBuffToBuffDecompress((char *)out, &got, (char *)in, (unsigned)in_size, 0, 0);
    if (r == BZ_OK)
        return got == out_size ? 0 : size_lies(err, errlen, "bzip2", got, out_size);
    if (r == BZ_OUTBUFF_FULL)
        return size_lies(err, errlen, "bzip2", out_size + 1, out_size);
    if (r == BZ_UNEXPECTED_EOF)
        return fail(err, errlen, -EINVAL, "the bzip2 payload is truncated");
    return fail(err, errlen, -EINVAL, "the bzip2 payload is corrupt (libbz2 error %d)", r);
}

struct codec {
    const char *name;
    const uint8_t *magic;
    size_t magic_len;
    decode_fn *decode; /* NULL: recognised but not supported */
};

#define MAGIC(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static const struct codec codecs[] = {
    {"gzip", MAGIC(0x1f, 0x8b), decode_gzip},
    {"xz", MAGIC(0xfd, '7', 'z', 'X', 'Z', 0x00), decode_xz},
    {"lzma", MAGIC(0x5d, 0x00, 0x00), decode_lzma},
    {"lz4", MAGIC(0x02, 0x21, 0x4c, 0x18), decode_lz4},
    {"zstd", MAGIC(0x28, 0xb5, 0x2f, 0xfd), decode_zstd},
    {"bzip2", MAGIC('B', 'Z', 'h'), decode_bzip2},
    {"lzo", MAGIC(0x89, 'L', 'Z', 'O'), NULL},
};

int bzimage_extract(const uint8_t *file, size_t size, size_t max_out,
                    struct bzimage_payload *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!bzimage_detect(file, size))
        return fail(err, errlen, -ENOEXEC, "not a bzImage (no \"HdrS\" boot header)");
    struct setup_header h;
    memcpy(&h, file + BOOT_HDR_OFFSET, sizeof(h));
    if (h.version < BOOT_PAYLOAD_PROTOCOL)
        return fail(err, errlen, -ENOEXEC,
                    "bzImage boot protocol %u.%02u has no payload fields (2.08 or later "
                    "needed)", h.version >> 8, h.version & 0xff);
    uint64_t sects = h.setup_sects ? h.setup_sects : BOOT_DEFAULT_SETUP_SECTS;
    uint64_t start = (sects + 1) * BOOT_SECTOR + h.payload_offset;
    if (start > size || h.payload_length > size - start)
        return fail(err, errlen, -ENOEXEC,
                    "the bzImage's payload (%u bytes at %llu) lies outside the file (%zu bytes)",
                    h.payload_length, (unsigned long long)start, size);
    if (h.payload_length < 4 + 2)
        return fail(err, errlen, -ENOEXEC, "the bzImage's payload is too short (%u bytes)",
                    h.payload_length);
    const uint8_t *p = file + start;
    size_t in_size = h.payload_length - 4;
    size_t want = le32(p + in_size); /* the size the build appended */

    const struct codec *c = NULL;
    for (size_t i = 0; !c && i < sizeof(codecs) / sizeof(codecs[0]); i++)
        if (in_size >= codecs[i].magic_len &&
            memcmp(p, codecs[i].magic, codecs[i].magic_len) == 0)
            c = &codecs[i];
    if (!c)
        return fail(err, errlen, -ENOEXEC,
                    "the bzImage's payload is in no compression we know (it starts "
                    "%02x %02x %02x %02x)", p[0], p[1], p[2], p[3]);
    if (!c->decode)
        return fail(err, errlen, -ENOTSUP,
                    "the bzImage's payload is %s-compressed, which we do not decompress "
                    "(gzip, xz, lzma, lz4, zstd and bzip2 are supported)", c->name);
    if (want == 0 || want > max_out || want > UINT_MAX || want > INT_MAX)
        return fail(err, errlen, -EFBIG,
                    "the bzImage's %s payload claims %zu bytes uncompressed; the limit is "
                    "%zu", c->name, want, max_out);
    if (in_size > UINT_MAX || in_size > INT_MAX)
        return fail(err, errlen, -EFBIG, "the bzImage's payload is too large");

    uint8_t *elf = malloc(want);
    if (!elf)
        return fail(err, errlen, -ENOMEM, "out of memory for the %zu-byte kernel", want);
    int rc = c->decode(p, in_size, elf, want, err, errlen);
    if (rc) {
        free(elf);
        return rc;
    }
    *out = (struct bzimage_payload){
        .elf = elf, .size = want, .codec = c->name, .protocol = h.version,
    };
    return 0;
}
