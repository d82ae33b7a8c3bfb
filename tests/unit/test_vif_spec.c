/* Unit tests of vif specs (xl-network-configuration(5)): every key, the
 * defaults, rate= to credit per interval, and each refusal; vif= in a
 * domain config with its devids and file:line errors. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cfg_helpers.h"
#include "toolstack/domain_config.h"
#include "toolstack/vif_spec.h"

#define PVH "name = \"g\"\ntype = \"pvh\"\nkernel = \"/k\"\n"

static char err[1024];

static struct vif_spec ok(const char *spec)
{
    struct vif_spec v;
    int rc = vif_spec_parse(spec, &v, err, sizeof(err));
    ck_assert_msg(rc == 0, "'%s' refused: %s", spec, err);
    return v;
}

static const char *refused(const char *spec)
{
    struct vif_spec v;
    int rc = vif_spec_parse(spec, &v, err, sizeof(err));
    ck_assert_msg(rc == -EINVAL, "'%s' should be refused", spec);
    ck_assert_ptr_null(v.bridge);
    return err;
}

START_TEST(defaults)
{
    struct vif_spec v = ok("");
    ck_assert_int_eq(v.devid, -1);
    ck_assert_str_eq(v.bridge, "xenbr0");
    ck_assert_str_eq(v.script, "vif-bridge");
    ck_assert_str_eq(v.type, "vif");
    ck_assert_ptr_null(v.ip);
    ck_assert_ptr_null(v.vifname);
    ck_assert_uint_eq(v.rate_bytes, 0);
    ck_assert_uint_eq(v.mtu, 0);
    ck_assert(!v.mac_given);
    /* Xen's OUI, a locally random rest with the top bit clear. */
    ck_assert_uint_eq(v.mac[0], 0x00);
    ck_assert_uint_eq(v.mac[1], 0x16);
    ck_assert_uint_eq(v.mac[2], 0x3e);
    ck_assert_uint_eq(v.mac[3] & 0x80, 0);
    vif_spec_free(&v);
    /* Two default MACs differ (24 random bits; a clash is 1 in 8M). */
    struct vif_spec a = ok(""), b = ok("");
    ck_assert(memcmp(a.mac, b.mac, 6) != 0);
    vif_spec_free(&a);
    vif_spec_free(&b);
}
END_TEST

START_TEST(every_key)
{
    struct vif_spec v = ok(" mac=00:16:3E:0a:0B:0c, bridge=br1 ,ip=10.0.0.2, script=/etc/my-vif,"
                           "vifname=guestnet0,rate=10Mb/s@20ms,mtu=9000,model=e1000,"
                           "type=ioemu,gatewaydev=eth0,devid=7,backend=0");
    ck_assert(v.mac_given);
    char mac[18];
    vif_mac_format(v.mac, mac);
    ck_assert_str_eq(mac, "00:16:3e:0a:0b:0c");
    ck_assert_str_eq(v.bridge, "br1");
    ck_assert_str_eq(v.ip, "10.0.0.2");
    ck_assert_str_eq(v.script, "/etc/my-vif");
    ck_assert_str_eq(v.vifname, "guestnet0");
    ck_assert_uint_eq(v.rate_bytes, 25000); /* 1.25 MB/s for 20 ms */
    ck_assert_uint_eq(v.rate_usecs, 20000);
    ck_assert_uint_eq(v.mtu, 9000);
    ck_assert_str_eq(v.model, "e1000");
    ck_assert_str_eq(v.type, "ioemu");
    ck_assert_str_eq(v.gatewaydev, "eth0");
    ck_assert_int_eq(v.devid, 7);
    vif_spec_free(&v);
    /* Empty entries between commas are skipped, as xl does. */
    v = ok(",,bridge=xenbr1,,");
    ck_assert_str_eq(v.bridge, "xenbr1");
    vif_spec_free(&v);
}
END_TEST

static void rate_is(const char *s, uint64_t bytes, uint32_t usecs)
{
    uint64_t b = 0;
    uint32_t u = 0;
    ck_assert_msg(vif_rate_parse(s, &b, &u, err, sizeof(err)) == 0, "rate %s: %s", s, err);
    ck_assert_msg(b == bytes && u == usecs, "rate %s: %lu per %u us, expected %lu per %u", s,
                  (unsigned long)b, u, (unsigned long)bytes, usecs);
}

START_TEST(rates)
{
    rate_is("1000B/s", 50, 50000); /* default interval 50 ms */
    rate_is("1000", 50, 50000);    /* bytes per second without a unit */
    rate_is("8Kb/s", 50, 50000);
    rate_is("1KB/s@1s", 1000, 1000000);
    rate_is("10Mb/s@20ms", 25000, 20000);
    rate_is("100MB/s@100us", 10000, 100);
    rate_is("1GB/s@1ms", 1000000, 1000);
    rate_is("2Gb/s@250", 62500, 250); /* an interval without a unit is in us */
}
END_TEST

static void rate_refused(const char *s, const char *why)
{
    uint64_t b;
    uint32_t u;
    ck_assert_msg(vif_rate_parse(s, &b, &u, err, sizeof(err)) == -EINVAL, "rate %s accepted", s);
    ck_assert_contains(err, why);
}

START_TEST(rate_refusals)
{
    rate_refused("", "does not start with a number");
    rate_refused("fast", "does not start with a number");
    rate_refused("10Mbit/s", "the unit must be");
    rate_refused("10MB", "the unit must be");
    rate_refused("10TB/s", "the unit must be");
    rate_refused("0B/s", "is zero");
    rate_refused("10MB/s@", "interval does not start with a number");
    rate_refused("10MB/s@5min", "interval's unit must be");
    rate_refused("10MB/s@0ms", "zero or out of range");
    rate_refused("99999999999999999999B/s", "out of range");
    rate_refused("99999999999GB/s", "out of range");
    rate_refused("1B/s@1ms", "less than a byte per interval");
}
END_TEST

START_TEST(refusals)
{
    ck_assert_contains(refused("bridge"), "\"bridge\" is not a key=value pair");
    ck_assert_contains(refused("colour=blue"), "unknown vif key \"colour\"");
    ck_assert_contains(refused("mac=00:16:3e:00:00"), "mac \"00:16:3e:00:00\" is not a MAC");
    ck_assert_contains(refused("mac=00:16:3e:00:00:0g"), "is not a MAC");
    ck_assert_contains(refused("mac=00:16:3e:00:00:001"), "is not a MAC");
    ck_assert_contains(refused("mac=01:16:3e:00:00:01"), "is a multicast address");
    ck_assert_contains(refused("bridge="), "is not an interface name");
    ck_assert_contains(refused("bridge=abcdefghijklmnop"), "is not an interface name");
    ck_assert_contains(refused("vifname=a/b"), "vifname \"a/b\" is not an interface name");
    ck_assert_contains(refused("vifname=abcdefghijklmnop"), "is not an interface name");
    ck_assert_contains(refused("script="), "script is empty");
    ck_assert_contains(refused("type=pci"), "type \"pci\" must be vif or ioemu");
    ck_assert_contains(refused("mtu=67"), "mtu \"67\" must be a number from 68 to 65535");
    ck_assert_contains(refused("mtu=65536"), "must be a number from 68");
    ck_assert_contains(refused("mtu=1500x"), "must be a number from 68");
    ck_assert_contains(refused("mtu=-1"), "must be a number from 68");
    ck_assert_contains(refused("devid=x"), "devid \"x\" must be a number");
    ck_assert_contains(refused("rate=1Xb/s"), "rate \"1Xb/s\": the unit must be");
    ck_assert_contains(refused("backend=3"), "only Dom0 serves vifs");
    ck_assert_contains(refused("vlan=10"), "vlan parameter for vifs is not supported");
    ck_assert_contains(refused("accel=x"), "accel parameter");
}
END_TEST

START_TEST(config_vifs)
{
    xlcfg *cfg = cfg_from(PVH "vif = [ 'bridge=br0,ip=10.1.0.2', '', 'devid=5,mac=00:16:3e:00:00:05' ]\n");
    struct domain_config dc;
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), 0);
    ck_assert_uint_eq(dc.nvifs, 3);
    ck_assert_int_eq(dc.vifs[0].devid, 0);
    ck_assert_str_eq(dc.vifs[0].bridge, "br0");
    ck_assert_str_eq(dc.vifs[0].ip, "10.1.0.2");
    ck_assert_int_eq(dc.vifs[1].devid, 1);
    ck_assert_str_eq(dc.vifs[1].bridge, "xenbr0");
    ck_assert_int_eq(dc.vifs[2].devid, 5);
    domain_config_free(&dc);
    xlcfg_free(cfg);

    cfg = cfg_from(PVH);
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), 0);
    ck_assert_uint_eq(dc.nvifs, 0);
    domain_config_free(&dc);
    xlcfg_free(cfg);
}
END_TEST

START_TEST(config_vif_errors_name_the_line)
{
    xlcfg *cfg = cfg_from(PVH "\nvif = [ '', 'mtu=10' ]\n");
    struct domain_config dc;
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), -EINVAL);
    ck_assert_contains(err, "guest.cfg:5: vif 1 (\"mtu=10\"): mtu \"10\" must be");
    ck_assert_ptr_null(dc.name);
    xlcfg_free(cfg);

    cfg = cfg_from(PVH "vif = [ 'devid=1', '' ]\n");
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), -EINVAL);
    ck_assert_contains(err, "guest.cfg:4: vif 1 (\"\"): devid is the same as vif 0's");
    xlcfg_free(cfg);

    cfg = cfg_from(PVH "vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:01' ]\n");
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), -EINVAL);
    ck_assert_contains(err, "mac is the same as vif 0's");
    xlcfg_free(cfg);

    cfg = cfg_from(PVH "vif = [ 'vifname=a', 'vifname=a' ]\n");
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), -EINVAL);
    ck_assert_contains(err, "vifname is the same as vif 0's");
    xlcfg_free(cfg);

    /* A vif= that is not a list of strings. */
    cfg = cfg_from(PVH "vif = 'bridge=br0'\n");
    ck_assert_int_lt(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), 0);
    xlcfg_free(cfg);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vif_spec");
    TCase *p = tcase_create("spec");
    tcase_add_test(p, defaults);
    tcase_add_test(p, every_key);
    tcase_add_test(p, rates);
    tcase_add_test(p, rate_refusals);
    tcase_add_test(p, refusals);
    suite_add_tcase(s, p);
    TCase *c = tcase_create("config");
    tcase_add_test(c, config_vifs);
    tcase_add_test(c, config_vif_errors_name_the_line);
    suite_add_tcase(s, c);
    return s;
}

#include "tests/unit/check_main.h"
