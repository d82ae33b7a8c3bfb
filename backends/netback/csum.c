#include "config.h"

#include <string.h>

#include "backends/netback/csum.h"

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define PROTO_TCP 6
#define PROTO_UDP 17

static uint32_t sum_bytes(const uint8_t *p, size_t len, uint32_t sum)
{
    for (; len > 1; p += 2, len -= 2)
        sum += (uint32_t)p[0] << 8 | p[1];
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t csum_fold(const uint8_t *p, size_t len, uint32_t sum)
{
    sum = sum_bytes(p, len, sum);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

bool csum_fill_ipv4(uint8_t *f, size_t len)
{
    if (len < ETH_HLEN + 20 || (f[12] << 8 | f[13]) != ETHERTYPE_IPV4)
        return false;
    uint8_t *ip = f + ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || ETH_HLEN + tot > len)
        return false;
    /* A fragment past the first has no transport header to fill. */
    if ((ip[6] & 0x1f) || ip[7])
        return false;
    size_t l4len = tot - ihl, off;
    uint8_t *l4 = ip + ihl;
    if (ip[9] == PROTO_TCP && l4len >= 20)
        off = 16;
    else if (ip[9] == PROTO_UDP && l4len >= 8)
        off = 6;
    else
        return false;
    uint32_t pseudo = sum_bytes(ip + 12, 8, 0) + ip[9] + (uint32_t)l4len;
    l4[off] = l4[off + 1] = 0;
    uint16_t c = csum_fold(l4, l4len, pseudo);
    if (ip[9] == PROTO_UDP && c == 0)
        c = 0xffff;
    l4[off] = (uint8_t)(c >> 8);
    l4[off + 1] = (uint8_t)c;
    return true;
}
