#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "dom0/hex_text.h"
#include "toolstack/xluuid.h"

int xluuid_generate(uint8_t uuid[16])
{
    size_t got = 0;
    while (got < 16) {
        ssize_t r = getrandom(uuid + got, 16 - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        got += (size_t)r;
    }
    uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* version 4 */
    uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    return 0;
}

int xluuid_parse(const char *s, uint8_t uuid[16])
{
    return uuid_text_parse(s, uuid);
}

void xluuid_format(const uint8_t u[16], char buf[XLUUID_STRLEN + 1])
{
    uuid_text_format(u, buf);
}
