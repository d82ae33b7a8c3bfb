/* Unit tests of disk specs (xl-disk-configuration(5)) and vdev numbers
 * (Xen's vbd-interface), and of disk= in a domain config. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cfg_helpers.h"
#include "toolstack/disk_spec.h"
#include "toolstack/domain_config.h"
#include "toolstack/domain_config_json.h"
#include "toolstack/json_util.h"
#include <yajl/yajl_tree.h>

static char err[1024];

static struct disk_spec ok(const char *spec)
{
    struct disk_spec d;
    int rc = disk_spec_parse(spec, &d, err, sizeof(err));
    ck_assert_msg(rc == 0, "'%s' refused: %s", spec, err);
    return d;
}

static const char *refused(const char *spec)
{
    struct disk_spec d;
    int rc = disk_spec_parse(spec, &d, err, sizeof(err));
    ck_assert_msg(rc == -EINVAL, "'%s' should be refused", spec);
    ck_assert_ptr_null(d.target);
    ck_assert_msg(strstr(err, spec) != NULL, "message does not quote the spec: %s", err);
    return err;
}

static uint32_t devid(const char *vdev)
{
    uint32_t id = 0;
    ck_assert_msg(disk_vdev_to_devid(vdev, &id) == 0, "vdev %s refused", vdev);
    return id;
}

START_TEST(vdev_numbers)
{
    ck_assert_uint_eq(devid("xvda"), 51712);
    ck_assert_uint_eq(devid("xvdb"), 51728);
    ck_assert_uint_eq(devid("xvda1"), 51713);
    ck_assert_uint_eq(devid("xvdp15"), (202u << 8) | (15 << 4) | 15);
    /* Disk 16 and partition 16 use the extended scheme. */
    ck_assert_uint_eq(devid("xvdq"), (1u << 28) | (16 << 8));
    ck_assert_uint_eq(devid("xvda16"), (1u << 28) | 16);
    ck_assert_uint_eq(devid("xvdaa"), (1u << 28) | (26 << 8));
    ck_assert_uint_eq(devid("xvdaa255"), (1u << 28) | (26 << 8) | 255);
    ck_assert_uint_eq(devid("sda"), 8u << 8);
    ck_assert_uint_eq(devid("sdb3"), (8u << 8) | (1 << 4) | 3);
    ck_assert_uint_eq(devid("hda"), 3u << 8);
    ck_assert_uint_eq(devid("hdb"), (3u << 8) | (1 << 6));
    ck_assert_uint_eq(devid("hdc"), 22u << 8);
    ck_assert_uint_eq(devid("hdd63"), (22u << 8) | (1 << 6) | 63);
    ck_assert_uint_eq(devid("d0p0"), 51712);
    ck_assert_uint_eq(devid("d3p2"), (202u << 8) | (3 << 4) | 2);
    ck_assert_uint_eq(devid("d20p0"), (1u << 28) | (20 << 8));
    ck_assert_uint_eq(devid("51712"), 51712);
}
END_TEST

START_TEST(vdev_refusals)
{
    const char *bad[] = {"", "xvd", "xvdA", "xvda0x", "xvda256", "xvda01", "sdq", "sda16",
                         "hde", "hda64", "vda", "d1", "d1p", "dp1", "d1p256", "0",
                         "536870912", "xvd1", "xvda-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t id;
        ck_assert_msg(disk_vdev_to_devid(bad[i], &id) < 0, "vdev '%s' accepted", bad[i]);
    }
}
END_TEST

START_TEST(vdev_names_back)
{
    const char *names[] = {"xvda", "xvdb3", "xvdq", "xvda16", "xvdaa", "sdb", "hda", "hdd5"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char buf[32];
        ck_assert_int_eq(disk_devid_to_vdev(devid(names[i]), buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, names[i]);
    }
    char buf[32];
    ck_assert_int_lt(disk_devid_to_vdev(12345, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(positional)
{
    struct disk_spec d = ok("/srv/a.img,raw,xvda,rw");
    ck_assert_str_eq(d.target, "/srv/a.img");
    ck_assert_int_eq(d.format, DISK_FORMAT_RAW);
    ck_assert_str_eq(d.vdev, "xvda");
    ck_assert_uint_eq(d.devid, 51712);
    ck_assert(!d.readonly);
    ck_assert(!d.cdrom);
    ck_assert_int_eq(d.discard, -1);
    ck_assert(d.trusted);
    disk_spec_free(&d);

    d = ok("/srv/b.vhd, vhd, xvdb, r");
    ck_assert_str_eq(d.target, "/srv/b.vhd");
    ck_assert_int_eq(d.format, DISK_FORMAT_VHD);
    ck_assert(d.readonly);
    disk_spec_free(&d);

    /* Empty positional values mean the default. */
    d = ok("/srv/c.img,,xvdc");
    ck_assert_int_eq(d.format, DISK_FORMAT_RAW);
    ck_assert(!d.format_given);
    ck_assert(!d.readonly);
    disk_spec_free(&d);
}
END_TEST

START_TEST(keywords)
{
    struct disk_spec d = ok("format=vhd, vdev=xvda, access=ro, target=/srv/x,y.vhd");
    ck_assert_str_eq(d.target, "/srv/x,y.vhd");
    ck_assert_int_eq(d.format, DISK_FORMAT_VHD);
    ck_assert(d.readonly);
    disk_spec_free(&d);

    d = ok("vdev=hdc, devtype=cdrom, target=/iso/a.iso");
    ck_assert(d.cdrom);
    ck_assert(d.readonly);
    disk_spec_free(&d);

    d = ok("vdev=hdc, cdrom, access=rw, target=/iso/a.iso");
    ck_assert(d.cdrom);
    ck_assert(!d.readonly);
    disk_spec_free(&d);

    d = ok("/dev/vg/lv,raw,xvdb,w,script=myblock,backendtype=phy,no-discard,direct-io-safe,"
           "untrusted,backend=0,specification=xen");
    ck_assert_str_eq(d.script, "myblock");
    ck_assert_str_eq(d.backendtype, "phy");
    ck_assert_int_eq(d.discard, 0);
    ck_assert(d.direct_io_safe);
    ck_assert(!d.trusted);
    disk_spec_free(&d);

    d = ok("discard, vdev=xvdd, target=vg0/lv");
    ck_assert_int_eq(d.discard, 1);
    /* A relative target gets /dev/ in front, as in Xen. */
    ck_assert_str_eq(d.target, "/dev/vg0/lv");
    disk_spec_free(&d);

    d = ok("vdev=xvda, target=sr:local/web1-root");
    ck_assert_str_eq(d.target, "sr:local/web1-root");
    disk_spec_free(&d);

    /* An empty cdrom drive. */
    d = ok(",,hdc:cdrom,r");
    ck_assert(d.cdrom);
    ck_assert_str_eq(d.target, "");
    disk_spec_free(&d);
}
END_TEST

START_TEST(deprecated_prefixes)
{
    /* The old syntax: fmt:target,vdev[:cdrom],access. */
    struct disk_spec d = ok("phy:/dev/vg/lv,xvda,w");
    ck_assert_str_eq(d.target, "/dev/vg/lv");
    ck_assert_str_eq(d.vdev, "xvda");
    ck_assert(!d.readonly);
    disk_spec_free(&d);
    d = ok("vhd:/srv/b.vhd,hdc:cdrom,r");
    ck_assert_int_eq(d.format, DISK_FORMAT_VHD);
    ck_assert_str_eq(d.vdev, "hdc");
    ck_assert(d.cdrom);
    ck_assert(d.readonly);
    disk_spec_free(&d);
}
END_TEST

START_TEST(prefix_forms)
{
    struct disk_spec d = ok("vhd:/srv/a.vhd,,xvda,w");
    ck_assert_int_eq(d.format, DISK_FORMAT_VHD);
    ck_assert_str_eq(d.target, "/srv/a.vhd");
    disk_spec_free(&d);
    d = ok("file:/srv/a.img,,xvda");
    ck_assert_str_eq(d.target, "/srv/a.img");
    disk_spec_free(&d);
    d = ok("tap:aio:/srv/a.img,,xvda");
    ck_assert_str_eq(d.target, "/srv/a.img");
    disk_spec_free(&d);
}
END_TEST

START_TEST(refusals)
{
    ck_assert_ptr_nonnull(strstr(refused("/a,qcow2,xvda"), "qcow2 is not supported"));
    ck_assert_ptr_nonnull(strstr(refused("/a,qed,xvda"), "not supported"));
    ck_assert_ptr_nonnull(strstr(refused("qcow2:/a,,xvda"), "not supported"));
    ck_assert_ptr_nonnull(strstr(refused("/a,vmdk,xvda"), "unknown format"));
    ck_assert_ptr_nonnull(strstr(refused("/a,raw,xvda,rx"), "access"));
    ck_assert_ptr_nonnull(strstr(refused("/a,raw,vda"), "vdev 'vda'"));
    ck_assert_ptr_nonnull(strstr(refused("/a,raw"), "no vdev"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda"), "no target"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda,target="), "empty target"));
    ck_assert_ptr_nonnull(strstr(refused("/a,raw,xvda,w,extra"), "positional"));
    ck_assert_ptr_nonnull(strstr(refused("/a,raw,xvda,format=vhd"), "more than once"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda,vdev=xvdb,target=/a"), "more than once"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda,colour=red,target=/a"), "unknown key"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda,devtype=floppy,target=/a"), "devtype"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda,backendtype=nbd,target=/a"), "backendtype"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda,backend=3,target=/a"), "Domain-0"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda,specification=virtio,target=/a"), "xen"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda,target=sr:nodisk"), "sr:SR/VDI"));
    ck_assert_ptr_nonnull(strstr(refused("vdev=xvda,target=sr:/x"), "sr:SR/VDI"));
    ck_assert_ptr_nonnull(strstr(refused("nbd:host:1,,xvda"), "block script"));
    ck_assert_ptr_nonnull(strstr(refused("/a,,xvda:floppy"), ":cdrom"));
    ck_assert_ptr_nonnull(strstr(refused("/a,,xvda,,cdrom,cdrom"), "more than once"));
    ck_assert_ptr_nonnull(strstr(refused("/a,,xvda,,discard,no-discard"), "more than once"));
}
END_TEST

#define PVH "name = \"demo\"\ntype = \"pvh\"\nkernel = \"k\"\n"

START_TEST(config_disks)
{
    xlcfg *cfg = cfg_from(PVH "disk = [ '/a.img,raw,xvda,w', 'vdev=xvdb, access=r, target=/b' ]\n");
    struct domain_config dc;
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), 0);
    ck_assert_uint_eq(dc.ndisks, 2);
    ck_assert_str_eq(dc.disks[0].target, "/a.img");
    ck_assert_uint_eq(dc.disks[1].devid, 51728);
    ck_assert(dc.disks[1].readonly);
    domain_config_free(&dc);
    xlcfg_free(cfg);
}
END_TEST

START_TEST(config_disk_errors_name_the_line)
{
    xlcfg *cfg = cfg_from(PVH "\ndisk = [ '/a.img,qcow2,xvda' ]\n");
    struct domain_config dc;
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "guest.cfg:5: disk: disk spec '/a.img,qcow2,xvda'") != NULL, "%s",
                  err);
    ck_assert_ptr_null(dc.name);
    xlcfg_free(cfg);

    cfg = cfg_from(PVH "disk = [ '/a,,xvda', '/b,,d0p0' ]\n");
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "guest.cfg:4: disk: vdev d0p0 is used twice") != NULL, "%s", err);
    xlcfg_free(cfg);

    cfg = cfg_from(PVH "disk = '/a,,xvda'\n");
    ck_assert_int_lt(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), 0);
    xlcfg_free(cfg);
}
END_TEST

START_TEST(config_disks_json)
{
    xlcfg *cfg = cfg_from(PVH "disk = [ '/a.img,raw,xvda,w', 'vdev=hdc, cdrom, target=/i.iso' ]\n");
    struct domain_config dc;
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)), 0);
    yajl_gen g = json_gen_new();
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(domain_config_gen_json(g, &dc), yajl_gen_status_ok);
    const unsigned char *buf;
    size_t len;
    ck_assert_int_eq(yajl_gen_get_buf(g, &buf, &len), yajl_gen_status_ok);
    char perr[256];
    yajl_val t = yajl_tree_parse((const char *)buf, perr, sizeof(perr));
    ck_assert_msg(t != NULL, "bad JSON: %s", perr);
    static const char *disks[] = {"disks", NULL};
    yajl_val a = yajl_tree_get(t, disks, yajl_t_array);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(YAJL_GET_ARRAY(a)->len, 2);
    yajl_val d0 = YAJL_GET_ARRAY(a)->values[0], d1 = YAJL_GET_ARRAY(a)->values[1];
    static const char *vdev[] = {"vdev", NULL}, *path[] = {"pdev_path", NULL},
                      *rw[] = {"readwrite", NULL}, *cd[] = {"is_cdrom", NULL},
                      *fmt[] = {"format", NULL};
    ck_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(d0, vdev, yajl_t_string)), "xvda");
    ck_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(d0, path, yajl_t_string)), "/a.img");
    ck_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(d0, fmt, yajl_t_string)), "raw");
    ck_assert_int_eq(YAJL_GET_INTEGER(yajl_tree_get(d0, rw, yajl_t_number)), 1);
    ck_assert_int_eq(YAJL_GET_INTEGER(yajl_tree_get(d1, rw, yajl_t_number)), 0);
    ck_assert_int_eq(YAJL_GET_INTEGER(yajl_tree_get(d1, cd, yajl_t_number)), 1);
    yajl_tree_free(t);
    yajl_gen_free(g);
    domain_config_free(&dc);
    xlcfg_free(cfg);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("disk_spec");
    TCase *v = tcase_create("vdev");
    tcase_add_test(v, vdev_numbers);
    tcase_add_test(v, vdev_refusals);
    tcase_add_test(v, vdev_names_back);
    suite_add_tcase(s, v);
    TCase *p = tcase_create("spec");
    tcase_add_test(p, positional);
    tcase_add_test(p, keywords);
    tcase_add_test(p, deprecated_prefixes);
    tcase_add_test(p, prefix_forms);
    tcase_add_test(p, refusals);
    suite_add_tcase(s, p);
    TCase *c = tcase_create("config");
    tcase_add_test(c, config_disks);
    tcase_add_test(c, config_disk_errors_name_the_line);
    tcase_add_test(c, config_disks_json);
    suite_add_tcase(s, c);
    return s;
}

#include "tests/unit/check_main.h"
