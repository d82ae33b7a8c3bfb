/* Unit tests of xenolith-netback's pure parts: the rate= credit scheme
 * and the checksums it fills for NETTXF_csum_blank. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "backends/netback/csum.h"
#include "backends/netback/rate.h"

#define MS 1000000ull

START_TEST(rate_parsing)
{
    struct rate r;
    ck_assert(rate_parse(&r, NULL));
    ck_assert_uint_eq(r.bytes, 0);
    ck_assert(rate_parse(&r, ""));
    ck_assert(rate_parse(&r, "25000,20000"));
    ck_assert_uint_eq(r.bytes, 25000);
    ck_assert_uint_eq(r.usecs, 20000);
    ck_assert(!rate_parse(&r, "25000"));
    ck_assert_uint_eq(r.bytes, 0); /* malformed: unlimited */
    ck_assert(!rate_parse(&r, "25000,"));
    ck_assert(!rate_parse(&r, ",20000"));
    ck_assert(!rate_parse(&r, "0,20000"));
    ck_assert(!rate_parse(&r, "25000,0"));
    ck_assert(!rate_parse(&r, "25000,20000x"));
    ck_assert(!rate_parse(&r, "-1,5"));
}
END_TEST

START_TEST(rate_credit)
{
    struct rate r;
    ck_assert(rate_parse(&r, "3000,10000")); /* 3000 bytes per 10 ms */
    uint64_t t = 1000 * MS;
    ck_assert(rate_take(&r, 1500, t));
    ck_assert(rate_take(&r, 1500, t));
    ck_assert(!rate_take(&r, 1, t + 1 * MS));
    ck_assert_uint_eq(rate_wait_ns(&r, t + 1 * MS), 9 * MS);
    ck_assert(!rate_take(&r, 1500, t + 9 * MS));
    /* The next interval refills the budget. */
    ck_assert(rate_take(&r, 1500, t + 10 * MS));
    ck_assert_uint_eq(rate_wait_ns(&r, t + 30 * MS), 0);
    /* A packet bigger than the whole budget goes on a full budget only. */
    ck_assert(rate_take(&r, 9000, t + 30 * MS));
    ck_assert(!rate_take(&r, 9000, t + 31 * MS));
    ck_assert(!rate_take(&r, 1, t + 31 * MS));
    ck_assert(rate_take(&r, 9000, t + 40 * MS));
    /* Unlimited takes everything. */
    ck_assert(rate_parse(&r, NULL));
    ck_assert(rate_take(&r, UINT64_MAX, 0));
    ck_assert_uint_eq(rate_wait_ns(&r, 0), 0);
}
END_TEST

/* An Ethernet frame with IPv4 10.0.0.1 -> 10.0.0.2 and a UDP datagram. */
static size_t udp_frame(uint8_t *f, const char *payload)
{
    size_t plen = strlen(payload), ulen = 8 + plen, tot = 20 + ulen;
    memset(f, 0, 14 + tot);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = 17;
    uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint8_t *u = ip + 20;
    u[0] = 0x30;
    u[1] = 0x39; /* 12345 */
    u[3] = 7;
    u[4] = (uint8_t)(ulen >> 8);
    u[5] = (uint8_t)ulen;
    memcpy(u + 8, payload, plen);
    return 14 + tot;
}

/* The checksum over pseudo header and datagram verifies to 0. */
static uint16_t verify_udp(const uint8_t *f)
{
    const uint8_t *ip = f + 14;
    size_t ulen = (size_t)(ip[2] << 8 | ip[3]) - 20;
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 17;
    pseudo[10] = (uint8_t)(ulen >> 8);
    pseudo[11] = (uint8_t)ulen;
    uint32_t sum = 0;
    for (int i = 0; i < 12; i += 2)
        sum += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
    return csum_fold(ip + 20, ulen, sum);
}

START_TEST(csum_udp)
{
    uint8_t f[128];
    size_t len = udp_frame(f, "hello, odd length");
    ck_assert(csum_fill_ipv4(f, len));
    ck_assert_uint_ne(f[14 + 20 + 6] << 8 | f[14 + 20 + 7], 0);
    ck_assert_uint_eq(verify_udp(f), 0);
    /* Whatever the guest left in the field (a partial sum) is replaced. */
    f[14 + 20 + 6] = 0xab;
    f[14 + 20 + 7] = 0xcd;
    ck_assert(csum_fill_ipv4(f, len));
    ck_assert_uint_eq(verify_udp(f), 0);
}
END_TEST

START_TEST(csum_refusals)
{
    uint8_t f[128];
    size_t len = udp_frame(f, "x");
    ck_assert(!csum_fill_ipv4(f, 20));    /* shorter than the headers */
    ck_assert(!csum_fill_ipv4(f, len - 1)); /* IP length past the frame */
    uint8_t g[128];
    memcpy(g, f, len);
    g[12] = 0x86;
    g[13] = 0xdd; /* not IPv4 */
    ck_assert(!csum_fill_ipv4(g, len));
    memcpy(g, f, len);
    g[14] = 0x44; /* header length 16 */
    ck_assert(!csum_fill_ipv4(g, len));
    memcpy(g, f, len);
    g[14 + 7] = 1; /* a later fragment */
    ck_assert(!csum_fill_ipv4(g, len));
    memcpy(g, f, len);
    g[14 + 9] = 1; /* ICMP: nothing to fill */
    ck_assert(!csum_fill_ipv4(g, len));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("netback");
    TCase *r = tcase_create("rate");
    tcase_add_test(r, rate_parsing);
    tcase_add_test(r, rate_credit);
    suite_add_tcase(s, r);
    TCase *c = tcase_create("csum");
    tcase_add_test(c, csum_udp);
    tcase_add_test(c, csum_refusals);
    suite_add_tcase(s, c);
    return s;
}

#include "tests/unit/check_main.h"
