/*
 * Kernels as distributions ship them: an x86 bzImage (Linux boot protocol
 * 2.08 or later) whose protected-mode payload is the kernel's ELF image,
 * compressed. We take the ELF out with the compression's own library and
 * hand it to the PVH loader; the real-mode setup code never runs.
 */
#ifndef XENOLITH_BZIMAGE_H
#define XENOLITH_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bzimage_payload {
    uint8_t *elf;      /* malloc'd; free() it */
    size_t size;
    const char *codec; /* "gzip", "xz", "lzma", "lz4", "zstd" or "bzip2" */
    unsigned protocol; /* boot protocol version, e.g. 0x020f */
};

/* True when the file carries the boot protocol's "HdrS" signature. */
bool bzimage_detect(const uint8_t *file, size_t size);

/* Decompresses the payload. The payload ends with the 4-byte uncompressed
 * size the kernel build appends; the output must be exactly that long and
 * at most max_out bytes. 0, or -errno with a message in err that names
 * what is wrong (old protocol, payload outside the file, unknown or
 * unsupported compression, corrupt or truncated data, a size that lies). */
int bzimage_extract(const uint8_t *file, size_t size, size_t max_out,
                    struct bzimage_payload *out, char *err, size_t errlen);

#endif
