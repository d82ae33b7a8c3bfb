/*
 * libFuzzer harness: an untrusted image file (a guest's VHD, or a disk
 * handed over by a user) opened by the storage library blkback and xl use.
 * The bytes go to a memfd, which xns_open sees as an ordinary file through
 * /proc/self/fd; when the image opens, a few reads and writes at offsets
 * taken from the input's tail walk the BAT and sector bitmaps.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/storage/xnstorage.h"

/* Images bigger than this only slow the fuzzer down without new paths. */
#define MAX_IMAGE (1u << 20)
#define IO_MAX (64u * 1024)

static uint64_t take64(const uint8_t **p, size_t *left)
{
    uint64_t v = 0;
    size_t n = *left < 8 ? *left : 8;
    memcpy(&v, *p, n);
    *p += n;
    *left -= n;
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[IO_MAX];
    if (size > MAX_IMAGE)
        return 0;
    int fd = memfd_create("fuzz-image", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    /* The I/O script is bytes 128..191: in a VHD the reserved tail of the
     * footer's copy, which the library reads only when the end is lost, so
     * mutating the script leaves a seed image valid. */
    size_t at = size < 128 ? size : 128;
    const uint8_t *ops = data + at;
    size_t left = size - at < 64 ? size - at : 64;
    struct xns_disk *d;
    if (xns_open(path, XNS_FMT_AUTO, XNS_RDWR, &d) == 0) {
        uint64_t vsize = xns_size(d);
        struct xns_info info;
        (void)xns_info(d, &info);
        for (int i = 0; i < 4 && left > 0; i++) {
            uint64_t w = take64(&ops, &left);
            uint64_t off = vsize ? (w >> 20) % vsize : 0;
            size_t len = (size_t)(w & 0xffff) + 1;
            if (w & (1ull << 16)) {
                off &= ~(uint64_t)(XNS_SECTOR - 1);
                len = ((len + XNS_SECTOR - 1) / XNS_SECTOR) * XNS_SECTOR;
            }
            if (len > IO_MAX)
                len = IO_MAX;
            if (w & (1ull << 17)) {
                memset(buf, (int)(w >> 8), len);
                (void)xns_write(d, buf, len, off);
            } else if (w & (1ull << 18)) {
                (void)xns_discard(d, off, len);
            } else {
                (void)xns_read(d, buf, len, off);
            }
        }
        (void)xns_close(d);
    }
    (void)xns_probe(path);
    close(fd);
    return 0;
}
