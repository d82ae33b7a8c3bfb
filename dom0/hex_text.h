/* Bytes written as hex text (UUIDs, MAC addresses): one parser for the
 * toolstack and the storage library. Header-only because those link
 * different libraries (libxlcfg's unit tests link no Dom0 library). */
#ifndef XENOLITH_HEX_TEXT_H
#define XENOLITH_HEX_TEXT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

static inline int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* n bytes, two hex digits each (either case), with sep after byte i
 * where bit i of seps is set, and nothing after the last. 0, or -EINVAL
 * (out may be partly written). */
static inline int hex_bytes_parse(const char *s, uint8_t *out, unsigned n, char sep,
                                  uint32_t seps)
{
    for (unsigned i = 0; i < n; i++) {
        int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
        if (lo < 0)
            return -EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (seps >> i & 1) {
            if (*s != sep)
                return -EINVAL;
            s++;
        }
    }
    return *s ? -EINVAL : 0;
}

/* A UUID's 8-4-4-4-12 text: 36 characters. */
#define UUID_TEXT_LEN 36
#define UUID_TEXT_SEPS ((1u << 3) | (1u << 5) | (1u << 7) | (1u << 9))

static inline int uuid_text_parse(const char *s, uint8_t uuid[16])
{
    uint8_t u[16];
    if (hex_bytes_parse(s, u, 16, '-', UUID_TEXT_SEPS) < 0)
        return -EINVAL;
    for (int i = 0; i < 16; i++)
        uuid[i] = u[i];
    return 0;
}

static inline void uuid_text_format(const uint8_t u[16], char out[UUID_TEXT_LEN + 1])
{
    snprintf(out, UUID_TEXT_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
}

#endif
