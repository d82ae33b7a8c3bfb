/*
 * libFuzzer harness: a frame a guest sends with NETTXF_csum_blank, whose
 * Ethernet, IPv4 and TCP/UDP headers netback reads to fill the checksum
 * in; and the rate= value it reads from XenStore. The frame sits in a
 * buffer of exactly its length so any read past the end is caught.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/netback/csum.h"
#include "backends/netback/rate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *frame = malloc(size ? size : 1);
    if (!frame)
        return 0;
    memcpy(frame, data, size);
    (void)csum_fill_ipv4(frame, size);
    free(frame);

    if (size <= 64) {
        char s[65];
        memcpy(s, data, size);
        s[size] = '\0';
        struct rate r;
        if (rate_parse(&r, s)) {
            uint64_t now = 0;
            for (int i = 0; i < 4; i++) {
                (void)rate_take(&r, 1500, now);
                now += rate_wait_ns(&r, now) + 1;
            }
        }
    }
    return 0;
}
