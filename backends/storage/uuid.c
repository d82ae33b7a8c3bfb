/* RFC 4122 version 4 UUIDs for VHD footers and repository objects. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "backends/storage/internal.h"
#include "dom0/hex_text.h"

void xns_uuid_generate(uint8_t uuid[16])
{
    size_t got = 0;
    while (got < 16) {
        ssize_t n = getrandom(uuid + got, 16 - got, 0);
        if (n > 0)
            got += (size_t)n;
    }
    uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
    uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
}

void xns_uuid_format(const uint8_t u[16], char out[37])
{
    uuid_text_format(u, out);
}

int xns_uuid_parse(const char *s, uint8_t uuid[16])
{
    return uuid_text_parse(s, uuid);
}
