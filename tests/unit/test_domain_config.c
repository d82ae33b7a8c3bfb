/* Unit tests of domain_config: xl's defaults, refusals and composition. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "tests/unit/cfg_helpers.h"
#include "toolstack/domain_config.h"
#include "toolstack/domain_config_json.h"
#include "toolstack/json_util.h"
#include "toolstack/xlcfg_keys.h"
#include "toolstack/xluuid.h"

#define PVH "name = \"demo\"\ntype = \"pvh\"\nkernel = \"k\"\n"

static char dc_err[1024];

static void dc_ok(const char *text, struct domain_config *dc)
{
    xlcfg *cfg = cfg_from(text);
    int rc = domain_config_from_xlcfg(cfg, dc, dc_err, sizeof(dc_err));
    ck_assert_msg(rc == 0, "domain config refused: %s", dc_err);
    xlcfg_free(cfg);
}

static const char *dc_fail(const char *text)
{
    xlcfg *cfg = cfg_from(text);
    struct domain_config dc;
    int rc = domain_config_from_xlcfg(cfg, &dc, dc_err, sizeof(dc_err));
    ck_assert_msg(rc < 0, "config should have been refused: %s", text);
    ck_assert_ptr_null(dc.name);
    xlcfg_free(cfg);
    return dc_err;
}

START_TEST(defaults)
{
    struct domain_config dc;
    dc_ok(PVH, &dc);
    ck_assert_str_eq(dc.name, "demo");
    ck_assert_int_eq(dc.type, DC_TYPE_PVH);
    ck_assert_uint_eq(dc.memory_mib, 32);
    ck_assert_uint_eq(dc.maxmem_mib, 32);
    ck_assert_uint_eq(dc.vcpus, 1);
    ck_assert_uint_eq(dc.maxvcpus, 1);
    ck_assert_str_eq(dc.kernel, "k");
    ck_assert_ptr_null(dc.ramdisk);
    ck_assert_ptr_null(dc.cmdline);
    ck_assert_int_eq(dc.on_poweroff, DC_DESTROY);
    ck_assert_int_eq(dc.on_reboot, DC_RESTART);
    ck_assert_int_eq(dc.on_crash, DC_DESTROY);
    ck_assert_int_eq(dc.on_watchdog, DC_DESTROY);
    ck_assert_int_eq(dc.on_soft_reset, DC_SOFT_RESET);
    ck_assert_int_eq(dc.nwarnings, 0);
    ck_assert(!dc.uuid_given);
    domain_config_free(&dc);
}
END_TEST

START_TEST(full_config)
{
    struct domain_config dc;
    dc_ok("name = 'web1'\ntype = 'pvh'\nuuid = '6F4B3A2C-0D1E-4F5A-9B8C-7D6E5F4A3B2C'\n"
          "memory = 256\nmaxmem = 512\nvcpus = 2\nmaxvcpus = 4\nkernel = '/boot/k'\n"
          "ramdisk = 'initrd.img'\non_poweroff = 'preserve'\non_reboot = 'rename-restart'\n"
          "on_crash = 'coredump-restart'\non_watchdog = 'coredump-destroy'\n"
          "on_soft_reset = 'destroy'\ndisk = [ 'x.img,raw,xvda,w' ]\nvif = [ '' ]\n"
          "unknown_key = 5\n",
          &dc);
    static const uint8_t want[16] = {0x6f, 0x4b, 0x3a, 0x2c, 0x0d, 0x1e, 0x4f, 0x5a,
                                     0x9b, 0x8c, 0x7d, 0x6e, 0x5f, 0x4a, 0x3b, 0x2c};
    ck_assert(dc.uuid_given);
    ck_assert_mem_eq(dc.uuid, want, 16);
    ck_assert_uint_eq(dc.memory_mib, 256);
    ck_assert_uint_eq(dc.maxmem_mib, 512);
    ck_assert_uint_eq(dc.vcpus, 2);
    ck_assert_uint_eq(dc.maxvcpus, 4);
    ck_assert_str_eq(dc.ramdisk, "initrd.img");
    ck_assert_int_eq(dc.on_poweroff, DC_PRESERVE);
    ck_assert_int_eq(dc.on_reboot, DC_RENAME_RESTART);
    ck_assert_int_eq(dc.on_crash, DC_COREDUMP_RESTART);
    ck_assert_int_eq(dc.on_watchdog, DC_COREDUMP_DESTROY);
    ck_assert_int_eq(dc.on_soft_reset, DC_DESTROY);
    domain_config_free(&dc);
}
END_TEST

START_TEST(hvm_accepted)
{
    struct domain_config dc;
    dc_ok("name = 'w'\ntype = 'hvm'\n", &dc);
    ck_assert_int_eq(dc.type, DC_TYPE_HVM);
    ck_assert_str_eq(dc_type_name(dc.type), "hvm");
    domain_config_free(&dc);
}
END_TEST

/* ---- type ---- */

START_TEST(pv_refused)
{
    ck_assert_str_eq(dc_fail("name = 'a'\ntype = \"pv\"\nkernel = 'k'\n"),
                     "guest.cfg:2: type=\"pv\": classic PV guests cannot run on KVM; use "
                     "type=\"pvh\" with a kernel that has a PVH entry point");
}
END_TEST

START_TEST(absent_type_with_kernel_refused_explicitly)
{
    ck_assert_str_eq(dc_fail("name = 'a'\nkernel = '/boot/vmlinuz'\n"),
                     "guest.cfg: no type= given, so xl would boot kernel \"/boot/vmlinuz\" as a "
                     "classic PV guest (type=\"pv\" is xl's default), and classic PV guests "
                     "cannot run on KVM; add type=\"pvh\" to boot it as a PVH guest");
}
END_TEST

START_TEST(absent_type_without_kernel_refused)
{
    ck_assert_str_eq(dc_fail("name = 'a'\n"),
                     "guest.cfg: no type= given, and xl's default type \"pv\" (classic PV) "
                     "cannot run on KVM; add type=\"pvh\" or type=\"hvm\"");
}
END_TEST

START_TEST(type_overridden_on_command_line)
{
    xlcfg *cfg = cfg_from("name = 'a'\ntype = 'pv'\nkernel = 'k'\n");
    ck_assert_int_eq(xlcfg_parse_arg(cfg, "type='pvh'", 1), 0);
    struct domain_config dc;
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, dc_err, sizeof(dc_err)), 0);
    ck_assert_int_eq(dc.type, DC_TYPE_PVH);
    domain_config_free(&dc);
    xlcfg_free(cfg);
}
END_TEST

START_TEST(unknown_type)
{
    ck_assert_str_eq(dc_fail("name = 'a'\n\ntype = 'xen'\n"),
                     "guest.cfg:3: key \"type\" must be \"pvh\" or \"hvm\", not \"xen\"");
    ck_assert_str_eq(dc_fail("name = 'a'\ntype = 1\n"),
                     "guest.cfg:2: key \"type\" must be a string, not a number");
}
END_TEST

START_TEST(deprecated_builder)
{
    struct domain_config dc;
    dc_ok("name = 'a'\nbuilder = 'hvm'\n", &dc);
    ck_assert_int_eq(dc.type, DC_TYPE_HVM);
    ck_assert_int_eq(dc.nwarnings, 1);
    ck_assert_str_eq(dc.warnings[0],
                     "the \"builder\" option is deprecated, please use \"type\" instead");
    domain_config_free(&dc);
    ck_assert_contains(dc_fail("name = 'a'\nbuilder = 'generic'\n"),
                       "guest.cfg:2: builder=\"generic\": classic PV guests cannot run on KVM");
    ck_assert_str_eq(dc_fail("name = 'a'\nbuilder = 'x'\n"),
                     "guest.cfg:2: key \"builder\" must be \"hvm\" or \"generic\", not \"x\"");
    /* type= wins over builder=, without a warning. */
    dc_ok("name = 'a'\nbuilder = 'generic'\ntype = 'pvh'\n", &dc);
    ck_assert_int_eq(dc.type, DC_TYPE_PVH);
    ck_assert_int_eq(dc.nwarnings, 0);
    domain_config_free(&dc);
}
END_TEST

/* ---- keys not acted on (toolstack/xlcfg_keys.c) ---- */

/* text is accepted with exactly the n warnings given, in order. */
static void dc_warns(const char *text, int n, ...)
{
    struct domain_config dc;
    dc_ok(text, &dc);
    ck_assert_int_eq(dc.nwarnings, n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        ck_assert_str_eq(dc.warnings[i], va_arg(ap, const char *));
    va_end(ap);
    domain_config_free(&dc);
}

/* A valid value for each key domain_config acts on. */
static const struct {
    const char *key, *value;
} act_samples[] = {
    {"name", "'a'"}, {"type", "'pvh'"}, {"builder", "'hvm'"}, {"vcpus", "2"},
    {"maxvcpus", "4"}, {"memory", "64"}, {"maxmem", "128"}, {"on_poweroff", "'preserve'"},
    {"on_reboot", "'destroy'"}, {"on_watchdog", "'preserve'"}, {"on_crash", "'preserve'"},
    {"on_soft_reset", "'destroy'"}, {"kernel", "'k'"}, {"ramdisk", "'r'"},
    {"cmdline", "'c'"}, {"root", "'/dev/xvda'"}, {"extra", "'x'"},
    {"uuid", "'6f4b3a2c-0d1e-4f5a-9b8c-7d6e5f4a3b2c'"}, {"disk", "['d.img,raw,xvda,w']"},
    {"vif", "['mac=00:16:3e:00:00:01']"},
};

/* Every key the table marks "act" is read: domain_config fails with an
 * internal error for a key marked so that it never reads, and for a key it
 * reads that the table does not mark. */
START_TEST(every_act_key_is_read)
{
    char text[4096] = "";
    size_t off = 0, nact = 0;
    for (size_t j = 0; j < xlcfg_keys_count; j++) {
        if (xlcfg_keys[j].disposition != XLCFG_ACT)
            continue;
        nact++;
        const char *value = NULL;
        for (size_t i = 0; i < sizeof(act_samples) / sizeof(act_samples[0]); i++)
            if (strcmp(act_samples[i].key, xlcfg_keys[j].name) == 0)
                value = act_samples[i].value;
        ck_assert_msg(value, "no sample value for act key \"%s\" in this test",
                      xlcfg_keys[j].name);
        off += (size_t)snprintf(text + off, sizeof(text) - off, "%s = %s\n",
                                xlcfg_keys[j].name, value);
        ck_assert_uint_lt(off, sizeof(text));
    }
    ck_assert_uint_eq(nact, sizeof(act_samples) / sizeof(act_samples[0]));
    struct domain_config dc;
    dc_ok(text, &dc);
    ck_assert_str_eq(dc.cmdline, "c");
    ck_assert_uint_eq(dc.maxmem_mib, 128);
    ck_assert_uint_eq(dc.nvifs, 1);
    /* The one warning is cmdline='s own; no key is said to have no effect. */
    ck_assert_int_eq(dc.nwarnings, 1);
    ck_assert_str_eq(dc.warnings[0], "ignoring root= and extra= in favour of cmdline=");
    domain_config_free(&dc);
}
END_TEST

START_TEST(warned_key)
{
    dc_warns(PVH "vnc = 1\ncpus = '0-3'\n", 2,
             "guest.cfg:4: key \"vnc\" has no effect here: it concerns HVM guests' emulated "
             "platform; Xenolith builds PVH guests, and xl create cannot build HVM guests yet",
             "guest.cfg:5: key \"cpus\" has no effect here: the guest's vCPUs are not pinned "
             "here; they run on any host CPU Linux's scheduler picks");

    /* Each warned key, alone, is warned of with its table reason; all of
     * them at once give one warning each. */
    char all[8192] = PVH;
    size_t off = strlen(all);
    int nwarn = 0;
    for (size_t j = 0; j < xlcfg_keys_count; j++) {
        const struct xlcfg_key *k = &xlcfg_keys[j];
        if (k->disposition != XLCFG_WARN)
            continue;
        char text[256], want[512];
        snprintf(text, sizeof(text), PVH "%s = 1\n", k->name);
        snprintf(want, sizeof(want), "guest.cfg:4: key \"%s\" has no effect here: %s", k->name,
                 k->reason);
        dc_warns(text, 1, want);
        off += (size_t)snprintf(all + off, sizeof(all) - off, "%s = 1\n", k->name);
        ck_assert_uint_lt(off, sizeof(all));
        nwarn++;
    }
    struct domain_config dc;
    dc_ok(all, &dc);
    ck_assert_int_eq(dc.nwarnings, nwarn);
    ck_assert_int_gt(nwarn, 4);
    domain_config_free(&dc);
}
END_TEST

START_TEST(refused_key)
{
    ck_assert_str_eq(dc_fail(PVH "pci = [ '01:00.0' ]\n"),
                     "guest.cfg:4: key \"pci\": Xenolith cannot pass host devices through to "
                     "guests, and the guest would start without them");
    /* Before anything else: the guest cannot run here however the rest is
     * fixed. */
    ck_assert_str_eq(dc_fail("nestedhvm = 1\n"),
                     "guest.cfg:1: key \"nestedhvm\": Xenolith offers its guests no nested "
                     "virtualisation, and a hypervisor in the guest would fail to start");
    ck_assert_str_eq(dc_fail(PVH "passthrough = 'enabled'\n"),
                     "guest.cfg:4: key \"passthrough\": Xenolith cannot pass host devices "
                     "through to guests, and the guest would start without them");
    ck_assert_str_eq(dc_fail(PVH "vtpm = [ 'backend=0' ]\n"),
                     "guest.cfg:4: key \"vtpm\": Xenolith has no vTPM backend, and the guest "
                     "would start without its TPM");

    /* Where it was set: here on xl create's command line. */
    xlcfg *cfg = cfg_from(PVH);
    ck_assert_int_eq(xlcfg_parse_arg(cfg, "usb=1", 1), 0);
    struct domain_config dc;
    ck_assert_int_lt(domain_config_from_xlcfg(cfg, &dc, dc_err, sizeof(dc_err)), 0);
    ck_assert_str_eq(dc_err, "<command line>:1: key \"usb\": Xenolith has no USB support, and "
                             "the guest would start without its USB devices");
    xlcfg_free(cfg);

    /* Each refused key, alone, is refused with its table reason. */
    for (size_t j = 0; j < xlcfg_keys_count; j++) {
        const struct xlcfg_key *k = &xlcfg_keys[j];
        if (k->disposition != XLCFG_REFUSE)
            continue;
        char text[256], want[512];
        snprintf(text, sizeof(text), PVH "%s = 1\n", k->name);
        snprintf(want, sizeof(want), "guest.cfg:4: key \"%s\": %s", k->name, k->reason);
        ck_assert_str_eq(dc_fail(text), want);
    }
}
END_TEST

/* A refused key whose value asks for nothing runs, with the warning. */
START_TEST(refused_key_set_to_nothing_is_warned)
{
    static const char *const off[] = {
        "nestedhvm = 0",      "usb = '0'", "pci = [ ]", "passthrough = 'disabled'",
        "tee = 'none'",       "bootloader = ''", "cpuid = 0x0",
    };
    for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
        char text[256], key[32];
        snprintf(text, sizeof(text), PVH "%s\n", off[i]);
        sscanf(off[i], "%31[a-z_]", key);
        const struct xlcfg_key *k = xlcfg_key_find(key);
        ck_assert_ptr_nonnull(k);
        char want[512];
        snprintf(want, sizeof(want), "guest.cfg:4: key \"%s\" has no effect here: %s", key,
                 k->reason);
        dc_warns(text, 1, want);
    }
    ck_assert_str_eq(dc_fail(PVH "tee = 'optee'\n"),
                     "guest.cfg:4: key \"tee\": Xenolith has no TEE mediator (an Arm feature), "
                     "and the guest could not reach its trusted execution environment");
    /* "disabled" means nothing only for the key whose word it is. */
    ck_assert_contains(dc_fail(PVH "pci = 'disabled'\n"), "guest.cfg:4: key \"pci\": ");
}
END_TEST

/* Xen's xl says nothing of a key it does not know; xl here warns. */
START_TEST(unknown_key)
{
    /* pnode is a spec's own key (vnuma's), not a top-level one. */
    dc_warns(PVH "memroy = 64\npnode = 1\n", 2,
             "guest.cfg:4: key \"memroy\" is not in xl.cfg(5), so it has no effect (misspelt?)",
             "guest.cfg:5: key \"pnode\" is not in xl.cfg(5), so it has no effect (misspelt?)");
}
END_TEST

/* ---- name ---- */

START_TEST(name_required)
{
    ck_assert_str_eq(dc_fail("type = 'pvh'\n"), "guest.cfg: no name= given: every domain needs a name");
    ck_assert_str_eq(dc_fail("name = ''\ntype = 'pvh'\n"),
                     "guest.cfg:1: key \"name\" must not be empty");
    ck_assert_str_eq(dc_fail("name = 42\n"), "guest.cfg:1: key \"name\" must be a string, not a number");
    ck_assert_str_eq(dc_fail("name = '42'\n"),
                     "guest.cfg:1: key \"name\" must not be all digits: xl commands would take "
                     "\"42\" for a domain id");
    ck_assert_contains(dc_fail("name = 'a/b'\n"), "must not contain '/'");
    ck_assert_contains(dc_fail("name = 'a\\tb'\n"), "control characters");
    char text[200];
    snprintf(text, sizeof(text), "name = '%0*d'\n", 64, 0);
    text[8] = 'x';
    ck_assert_str_eq(dc_fail(text), "guest.cfg:1: key \"name\" is longer than 63 characters");
}
END_TEST

/* ---- uuid ---- */

START_TEST(uuid_generated_v4_and_unique)
{
    struct domain_config a, b;
    dc_ok(PVH, &a);
    dc_ok(PVH, &b);
    ck_assert_int_eq(a.uuid[6] >> 4, 4);
    ck_assert_int_eq(a.uuid[8] & 0xc0, 0x80);
    ck_assert(memcmp(a.uuid, b.uuid, 16) != 0);
    domain_config_free(&a);
    domain_config_free(&b);
}
END_TEST

START_TEST(uuid_invalid)
{
    ck_assert_str_eq(dc_fail("name = 'a'\nuuid = 'not-a-uuid'\n"),
                     "guest.cfg:2: key \"uuid\": \"not-a-uuid\" is not a UUID (expected "
                     "8-4-4-4-12 hex digits, like 6f4b3a2c-0d1e-4f5a-9b8c-7d6e5f4a3b2c)");
}
END_TEST

START_TEST(uuid_helpers)
{
    uint8_t u[16];
    char s[XLUUID_STRLEN + 1];
    ck_assert_int_eq(xluuid_parse("00112233-4455-6677-8899-aabbccddeeff", u), 0);
    ck_assert_int_eq(u[0], 0x00);
    ck_assert_int_eq(u[15], 0xff);
    xluuid_format(u, s);
    ck_assert_str_eq(s, "00112233-4455-6677-8899-aabbccddeeff");
    ck_assert_int_eq(xluuid_parse("00112233-4455-6677-8899-AABBCCDDEEFF", u), 0);
    ck_assert_int_eq(u[10], 0xaa);
    ck_assert_int_eq(xluuid_parse("00112233-4455-6677-8899-aabbccddeef", u), -EINVAL);
    ck_assert_int_eq(xluuid_parse("00112233-4455-6677-8899-aabbccddeeff0", u), -EINVAL);
    ck_assert_int_eq(xluuid_parse("0011223344-55-6677-8899-aabbccddeeff", u), -EINVAL);
    ck_assert_int_eq(xluuid_parse("00112233-4455-6677-8899-aabbccddeegg", u), -EINVAL);
    ck_assert_int_eq(xluuid_parse("00112233_4455_6677_8899_aabbccddeeff", u), -EINVAL);
    ck_assert_int_eq(xluuid_parse("", u), -EINVAL);
    ck_assert_int_eq(xluuid_generate(u), 0);
    xluuid_format(u, s);
    ck_assert_int_eq(s[14], '4');
}
END_TEST

/* ---- memory and vcpus ---- */

START_TEST(memory_and_maxmem)
{
    struct domain_config dc;
    dc_ok(PVH "memory = 64\n", &dc);
    ck_assert_uint_eq(dc.memory_mib, 64);
    ck_assert_uint_eq(dc.maxmem_mib, 64);
    domain_config_free(&dc);
    dc_ok(PVH "maxmem = 96\n", &dc);
    ck_assert_uint_eq(dc.memory_mib, 96);
    ck_assert_uint_eq(dc.maxmem_mib, 96);
    domain_config_free(&dc);
    dc_ok(PVH "memory = \"128\"\n", &dc);
    ck_assert_uint_eq(dc.memory_mib, 128);
    domain_config_free(&dc);
    ck_assert_str_eq(dc_fail(PVH "memory = 64\nmaxmem = 32\n"),
                     "guest.cfg:5: key \"maxmem\" (32 MiB) must not be less than memory (64 MiB)");
    ck_assert_str_eq(dc_fail(PVH "memory = \"lots\"\n"),
                     "guest.cfg:4: key \"memory\" must be a number, not a string");
    ck_assert_str_eq(dc_fail(PVH "memory = 0\n"),
                     "guest.cfg:4: key \"memory\" must be between 1 and 16777216, not 0");
    ck_assert_str_eq(dc_fail(PVH "maxmem = [ 1 ]\n"),
                     "guest.cfg:4: key \"maxmem\" must be a number, not a list");
}
END_TEST

START_TEST(vcpus_and_maxvcpus)
{
    struct domain_config dc;
    dc_ok(PVH "vcpus = 4\n", &dc);
    ck_assert_uint_eq(dc.vcpus, 4);
    ck_assert_uint_eq(dc.maxvcpus, 4);
    domain_config_free(&dc);
    ck_assert_str_eq(dc_fail(PVH "vcpus = 4\nmaxvcpus = 2\n"),
                     "guest.cfg:5: key \"maxvcpus\" (2) must not be less than vcpus (4)");
    ck_assert_str_eq(dc_fail(PVH "vcpus = 0\n"),
                     "guest.cfg:4: key \"vcpus\" must be between 1 and 128, not 0");
    ck_assert_str_eq(dc_fail(PVH "vcpus = 129\n"),
                     "guest.cfg:4: key \"vcpus\" must be between 1 and 128, not 129");
}
END_TEST

START_TEST(command_line_overrides_memory)
{
    xlcfg *cfg = cfg_from(PVH "memory = 64\n");
    ck_assert_int_eq(xlcfg_parse_arg(cfg, "memory=128", 1), 0);
    ck_assert_int_eq(xlcfg_parse_arg(cfg, "name=\"other\"", 2), 0);
    struct domain_config dc;
    ck_assert_int_eq(domain_config_from_xlcfg(cfg, &dc, dc_err, sizeof(dc_err)), 0);
    ck_assert_uint_eq(dc.memory_mib, 128);
    ck_assert_str_eq(dc.name, "other");
    domain_config_free(&dc);
    xlcfg_free(cfg);
}
END_TEST

/* ---- kernel command line ---- */

static char *cmdline_of(const char *extra_text)
{
    static char buf[512];
    char text[512];
    snprintf(text, sizeof(text), PVH "%s", extra_text);
    struct domain_config dc;
    dc_ok(text, &dc);
    bool have = dc.cmdline != NULL;
    if (have)
        snprintf(buf, sizeof(buf), "%s", dc.cmdline);
    domain_config_free(&dc);
    return have ? buf : NULL;
}

START_TEST(cmdline_composition)
{
    ck_assert_ptr_null(cmdline_of(""));
    ck_assert_str_eq(cmdline_of("root = '/dev/xvda1'\n"), "root=/dev/xvda1");
    ck_assert_str_eq(cmdline_of("extra = 'console=hvc0 quiet'\n"), "console=hvc0 quiet");
    ck_assert_str_eq(cmdline_of("root = '/dev/xvda1 ro'\nextra = 'console=hvc0'\n"),
                     "root=/dev/xvda1 ro console=hvc0");
    ck_assert_str_eq(cmdline_of("cmdline = 'test=hypercalls'\n"), "test=hypercalls");
    ck_assert_str_eq(cmdline_of("extra = ''\n"), "");
    ck_assert_str_eq(cmdline_of("extra = 'a'\nextra += ' b'\n"), "a b");
}
END_TEST

START_TEST(cmdline_wins_over_root_and_extra)
{
    struct domain_config dc;
    dc_ok(PVH "root = '/dev/xvda'\nextra = 'x'\ncmdline = 'only this'\n", &dc);
    ck_assert_str_eq(dc.cmdline, "only this");
    ck_assert_int_eq(dc.nwarnings, 1);
    ck_assert_str_eq(dc.warnings[0], "ignoring root= and extra= in favour of cmdline=");
    domain_config_free(&dc);
    ck_assert_str_eq(dc_fail(PVH "cmdline = [ 'a' ]\n"),
                     "guest.cfg:4: key \"cmdline\" must be a string, not a list");
}
END_TEST

START_TEST(kernel_wrong_type)
{
    ck_assert_str_eq(dc_fail("name = 'a'\ntype = 'pvh'\nkernel = 5\n"),
                     "guest.cfg:3: key \"kernel\" must be a string, not a number");
    ck_assert_str_eq(dc_fail(PVH "ramdisk = [ ]\n"),
                     "guest.cfg:4: key \"ramdisk\" must be a string, not a list");
}
END_TEST

/* ---- actions ---- */

START_TEST(action_words)
{
    static const char *words[] = {"destroy", "restart", "rename-restart", "preserve",
                                  "coredump-destroy", "coredump-restart", "soft-reset"};
    static const char *json[] = {"destroy", "restart", "restart_rename", "preserve",
                                 "coredump_destroy", "coredump_restart", "soft_reset"};
    for (int i = 0; i < 7; i++) {
        enum dc_action a;
        ck_assert_int_eq(dc_action_parse(words[i], &a), 0);
        ck_assert_int_eq(a, i);
        ck_assert_str_eq(dc_action_name(a), words[i]);
        ck_assert_str_eq(dc_action_json_name(a), json[i]);
    }
    enum dc_action a;
    ck_assert_int_eq(dc_action_parse("rename_restart", &a), -EINVAL);
}
END_TEST

START_TEST(action_invalid)
{
    ck_assert_str_eq(dc_fail(PVH "on_crash = 'explode'\n"),
                     "guest.cfg:4: key \"on_crash\": \"explode\" is not an action (use destroy, "
                     "restart, rename-restart, preserve, coredump-destroy, coredump-restart or "
                     "soft-reset)");
    ck_assert_str_eq(dc_fail(PVH "on_reboot = 1\n"),
                     "guest.cfg:4: key \"on_reboot\" must be a string, not a number");
}
END_TEST

/* ---- JSON ---- */

START_TEST(json_shape)
{
    struct domain_config dc;
    dc_ok("name = 'demo'\ntype = 'pvh'\nkernel = 'k'\nmemory = 64\nvcpus = 2\n"
          "uuid = '00112233-4455-6677-8899-aabbccddeeff'\nextra = 'test=cpuid'\n"
          "on_reboot = 'rename-restart'\n",
          &dc);
    yajl_gen g = json_gen_new();
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(domain_config_gen_json(g, &dc), yajl_gen_status_ok);
    const unsigned char *buf;
    size_t len;
    ck_assert_int_eq(yajl_gen_get_buf(g, &buf, &len), yajl_gen_status_ok);
    char errbuf[256];
    yajl_val t = yajl_tree_parse((const char *)buf, errbuf, sizeof(errbuf));
    ck_assert_msg(t != NULL, "bad JSON: %s", errbuf);

    static const char *name[] = {"c_info", "name", NULL};
    static const char *type[] = {"c_info", "type", NULL};
    static const char *uuid[] = {"c_info", "uuid", NULL};
    static const char *target[] = {"b_info", "target_memkb", NULL};
    static const char *avail[] = {"b_info", "avail_vcpus", NULL};
    static const char *cmd[] = {"b_info", "cmdline", NULL};
    static const char *reboot[] = {"on_reboot", NULL};
    static const char *pvh[] = {"b_info", "type.pvh", NULL};
    ck_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(t, name, yajl_t_string)), "demo");
    ck_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(t, type, yajl_t_string)), "pvh");
    ck_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(t, uuid, yajl_t_string)),
                     "00112233-4455-6677-8899-aabbccddeeff");
    ck_assert_int_eq(YAJL_GET_INTEGER(yajl_tree_get(t, target, yajl_t_number)), 65536);
    ck_assert_uint_eq(YAJL_GET_ARRAY(yajl_tree_get(t, avail, yajl_t_array))->len, 2);
    ck_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(t, cmd, yajl_t_string)), "test=cpuid");
    ck_assert_str_eq(YAJL_GET_STRING(yajl_tree_get(t, reboot, yajl_t_string)), "restart_rename");
    ck_assert_ptr_nonnull(yajl_tree_get(t, pvh, yajl_t_object));

    /* A stored config re-emits unchanged. */
    yajl_gen g2 = yajl_gen_alloc(NULL);
    yajl_gen g3 = yajl_gen_alloc(NULL);
    ck_assert_int_eq(json_gen_tree(g2, t), yajl_gen_status_ok);
    ck_assert_int_eq(domain_config_gen_json(g3, &dc), yajl_gen_status_ok);
    const unsigned char *b2, *b3;
    size_t l2, l3;
    yajl_gen_get_buf(g2, &b2, &l2);
    yajl_gen_get_buf(g3, &b3, &l3);
    ck_assert_uint_eq(l2, l3);
    ck_assert_mem_eq(b2, b3, l2);
    yajl_gen_free(g2);
    yajl_gen_free(g3);
    yajl_tree_free(t);
    yajl_gen_free(g);
    domain_config_free(&dc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("domain_config");
    TCase *b = tcase_create("basics");
    tcase_add_test(b, defaults);
    tcase_add_test(b, full_config);
    tcase_add_test(b, hvm_accepted);
    tcase_add_test(b, name_required);
    suite_add_tcase(s, b);

    TCase *t = tcase_create("type");
    tcase_add_test(t, pv_refused);
    tcase_add_test(t, absent_type_with_kernel_refused_explicitly);
    tcase_add_test(t, absent_type_without_kernel_refused);
    tcase_add_test(t, type_overridden_on_command_line);
    tcase_add_test(t, unknown_type);
    tcase_add_test(t, deprecated_builder);
    suite_add_tcase(s, t);

    TCase *x = tcase_create("keys");
    tcase_add_test(x, every_act_key_is_read);
    tcase_add_test(x, warned_key);
    tcase_add_test(x, refused_key);
    tcase_add_test(x, refused_key_set_to_nothing_is_warned);
    tcase_add_test(x, unknown_key);
    suite_add_tcase(s, x);

    TCase *u = tcase_create("uuid");
    tcase_add_test(u, uuid_generated_v4_and_unique);
    tcase_add_test(u, uuid_invalid);
    tcase_add_test(u, uuid_helpers);
    suite_add_tcase(s, u);

    TCase *m = tcase_create("resources");
    tcase_add_test(m, memory_and_maxmem);
    tcase_add_test(m, vcpus_and_maxvcpus);
    tcase_add_test(m, command_line_overrides_memory);
    suite_add_tcase(s, m);

    TCase *k = tcase_create("kernel");
    tcase_add_test(k, cmdline_composition);
    tcase_add_test(k, cmdline_wins_over_root_and_extra);
    tcase_add_test(k, kernel_wrong_type);
    suite_add_tcase(s, k);

    TCase *a = tcase_create("actions");
    tcase_add_test(a, action_words);
    tcase_add_test(a, action_invalid);
    suite_add_tcase(s, a);

    TCase *j = tcase_create("json");
    tcase_add_test(j, json_shape);
    suite_add_tcase(s, j);
    return s;
}

#include "tests/unit/check_main.h"
