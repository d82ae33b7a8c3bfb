/* Reading lvm2's JSON reports into segment maps, and the repository
 * layer's name and size rules, on canned tool output. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "backends/storage/lvm.h"
#include "backends/storage/repo/repo.h"

static const char *pvs_json =
    "{\"report\":[{\"pv\":["
    "{\"pv_name\":\"/dev/loop3\",\"pe_start\":\"1048576\",\"vg_name\":\"VG\","
    "\"vg_extent_size\":\"4194304\"},"
    "{\"pv_name\":\"/dev/loop4\",\"pe_start\":\"2097152\",\"vg_name\":\"VG\","
    "\"vg_extent_size\":\"4194304\"}]}]}";

START_TEST(segments_across_pvs)
{
    const char *lvs =
        "{\"report\":[{\"seg\":["
        "{\"lv_name\":\"other\",\"lv_size\":\"4194304\",\"seg_start\":\"0\",\"seg_size\":\"4194304\","
        "\"segtype\":\"linear\",\"seg_pe_ranges\":\"/dev/loop3:0-0\"},"
        "{\"lv_name\":\"d\",\"lv_size\":\"16777216\",\"seg_start\":\"0\",\"seg_size\":\"8388608\","
        "\"segtype\":\"linear\",\"seg_pe_ranges\":\"/dev/loop3:1-2\"},"
        "{\"lv_name\":\"d\",\"lv_size\":\"16777216\",\"seg_start\":\"8388608\",\"seg_size\":"
        "\"8388608B\",\"segtype\":\"linear\",\"seg_pe_ranges\":\"/dev/loop4:5-6\"}]}]}";
    struct lvm_segmap m;
    ck_assert_int_eq(lvm_parse_segmap(lvs, pvs_json, "VG", "d", &m), 0);
    ck_assert_uint_eq(m.lv_size, 16 << 20);
    ck_assert_uint_eq(m.nsegs, 2);
    ck_assert_uint_eq(m.npvs, 2);
    ck_assert_uint_eq(m.segs[0].pv_off, (1 << 20) + (4 << 20));
    ck_assert_uint_eq(m.segs[1].lv_off, 8 << 20);
    ck_assert_uint_eq(m.segs[1].pv_off, (2 << 20) + 5ull * (4 << 20));
    ck_assert_str_eq(m.pvs[m.segs[1].pv], "/dev/loop4");
    lvm_segmap_free(&m);
}
END_TEST

START_TEST(refusals)
{
    struct lvm_segmap m;
    const char *striped =
        "{\"report\":[{\"seg\":[{\"lv_name\":\"s\",\"lv_size\":\"8388608\",\"seg_start\":\"0\","
        "\"seg_size\":\"8388608\",\"segtype\":\"striped\",\"seg_pe_ranges\":"
        "\"/dev/loop3:0-0 /dev/loop4:0-0\"}]}]}";
    ck_assert_int_lt(lvm_parse_segmap(striped, pvs_json, "VG", "s", &m), 0);
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "only linear"));
    const char *mirror =
        "{\"report\":[{\"seg\":[{\"lv_name\":\"m\",\"lv_size\":\"4194304\",\"seg_start\":\"0\","
        "\"seg_size\":\"4194304\",\"segtype\":\"raid1\",\"seg_pe_ranges\":\"x\"}]}]}";
    ck_assert_int_lt(lvm_parse_segmap(mirror, pvs_json, "VG", "m", &m), 0);
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "raid1"));
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "/dev/VG/m"));
    const char *hole =
        "{\"report\":[{\"seg\":[{\"lv_name\":\"h\",\"lv_size\":\"8388608\",\"seg_start\":\"0\","
        "\"seg_size\":\"4194304\",\"segtype\":\"linear\",\"seg_pe_ranges\":\"/dev/loop3:0-0\"}]}]}";
    ck_assert_int_lt(lvm_parse_segmap(hole, pvs_json, "VG", "h", &m), 0);
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "cover"));
    const char *unknown_pv =
        "{\"report\":[{\"seg\":[{\"lv_name\":\"u\",\"lv_size\":\"4194304\",\"seg_start\":\"0\","
        "\"seg_size\":\"4194304\",\"segtype\":\"linear\",\"seg_pe_ranges\":\"/dev/sdz:0-0\"}]}]}";
    ck_assert_int_lt(lvm_parse_segmap(unknown_pv, pvs_json, "VG", "u", &m), 0);
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "/dev/sdz"));
    ck_assert_int_lt(lvm_parse_segmap(unknown_pv, pvs_json, "VG", "absent", &m), 0);
    ck_assert_ptr_nonnull(strstr(xns_strerror(), "no such logical volume"));
    ck_assert_int_lt(lvm_parse_segmap("not json", pvs_json, "VG", "u", &m), 0);
}
END_TEST

START_TEST(lv_list_and_tags)
{
    const char *lvs = "{\"report\":[{\"lv\":[{\"lv_name\":\"VHD-x\",\"lv_size\":\"37748736\","
                      "\"lv_tags\":\"xn_name=disk,xn_ro\"},{\"lv_name\":\"bad\"}]}]}";
    struct lvm_lv *l;
    size_t n;
    ck_assert_int_eq(lvm_parse_lvs(lvs, &l, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(l[0].name, "VHD-x");
    ck_assert_uint_eq(l[0].size, 37748736);
    ck_assert(lvm_has_tag(l[0].tags, "xn_ro"));
    ck_assert(!lvm_has_tag(l[0].tags, "xn_r"));
    free(l);
}
END_TEST

START_TEST(names_and_sizes)
{
    ck_assert(repo_name_ok("disk-1.root_a+b"));
    ck_assert(!repo_name_ok(""));
    ck_assert(!repo_name_ok("-x"));
    ck_assert(!repo_name_ok("a b"));
    ck_assert(!repo_name_ok("a,b"));
    ck_assert(!repo_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    uint64_t v;
    ck_assert_int_eq(repo_parse_size("10G", &v), 0);
    ck_assert_uint_eq(v, 10ull << 30);
    ck_assert_int_eq(repo_parse_size("1.5M", &v), 0);
    ck_assert_uint_eq(v, 3 << 19);
    ck_assert_int_eq(repo_parse_size("512MiB", &v), 0);
    ck_assert_uint_eq(v, 512 << 20);
    ck_assert_int_eq(repo_parse_size("4096", &v), 0);
    ck_assert_uint_eq(v, 4096);
    ck_assert_int_lt(repo_parse_size("-1G", &v), 0);
    ck_assert_int_lt(repo_parse_size("10X", &v), 0);
    ck_assert_int_lt(repo_parse_size("G", &v), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("storage_lvm");
    TCase *t = tcase_create("lvm");
    tcase_add_test(t, segments_across_pvs);
    tcase_add_test(t, refusals);
    tcase_add_test(t, lv_list_and_tags);
    tcase_add_test(t, names_and_sizes);
    suite_add_tcase(s, t);
    return s;
}

#include "check_main.h"
