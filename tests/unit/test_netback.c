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

/* An Ethernet frame with IPv4 10.0.0.1 -> 10.0.0.2 carrying a UDP
 * datagram (12345 -> 7) or a TCP segment (12345 -> 80, seq 1, PSH|ACK,
 * window 512) with the payload; checksum fields zero. */
static size_t ip_frame(uint8_t *f, int proto, const char *payload)
{
    size_t plen = strlen(payload), hlen = proto == 17 ? 8 : 20, l4 = hlen + plen, tot = 20 + l4;
    memset(f, 0, 14 + tot);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint8_t *h = ip + 20;
    h[0] = 0x30;
    h[1] = 0x39; /* 12345 */
    if (proto == 17) {
        h[3] = 7;
        h[4] = (uint8_t)(l4 >> 8);
        h[5] = (uint8_t)l4;
    } else {
        h[3] = 80;
        h[7] = 1;    /* seq */
        h[12] = 0x50; /* 5 words */
        h[13] = 0x18; /* PSH|ACK */
        h[14] = 2;    /* window 512 */
    }
    memcpy(h + hlen, payload, plen);
    return 14 + tot;
}

static uint16_t field(const uint8_t *f, int proto)
{
    const uint8_t *c = f + 14 + 20 + (proto == 17 ? 6 : 16);
    return (uint16_t)(c[0] << 8 | c[1]);
}

/* The expected sums come from outside this code: RFC 1071 computed by a
 * separate implementation (Python's struct and sum) over the same
 * frames, so a wrong csum_fold cannot agree with itself. Odd payload
 * lengths check the padding of the last byte. */
START_TEST(csum_fill)
{
    static const struct {
        int proto;
        const char *payload;
        uint16_t sum;
    } cases[] = {
        {17, "hello, odd length", 0x9d58}, {17, "even", 0xf0ae}, {17, "x", 0x4399},
        {17, "", 0xbb9b}, {6, "odd tcp payload", 0xf3f8}, {6, "GET / HTTP/1.0\r\n", 0x979a},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int proto = cases[i].proto;
        uint8_t f[128];
        size_t len = ip_frame(f, proto, cases[i].payload);
        ck_assert(csum_fill_ipv4(f, len));
        ck_assert_msg(field(f, proto) == cases[i].sum, "%s '%s': %#x, want %#x",
                      proto == 17 ? "UDP" : "TCP", cases[i].payload, field(f, proto),
                      cases[i].sum);
        /* Whatever the guest left in the field (a partial sum) is replaced. */
        uint8_t *c = f + 14 + 20 + (proto == 17 ? 6 : 16);
        c[0] = 0xab;
        c[1] = 0xcd;
        ck_assert(csum_fill_ipv4(f, len));
        ck_assert_uint_eq(field(f, proto), cases[i].sum);
    }
}
END_TEST

START_TEST(csum_refusals)
{
    uint8_t f[128];
    size_t len = ip_frame(f, 17, "x");
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
    tcase_add_test(c, csum_fill);
    tcase_add_test(c, csum_refusals);
    suite_add_tcase(s, c);
    return s;
}

#include "tests/unit/check_main.h"
