/* From parsed xl.cfg settings to a domain_config, with xl's defaults. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/domain_config.h"
#include "toolstack/xlcfg_keys.h"
#include "toolstack/xluuid.h"

/* Memory is in MiB, as in xl.cfg; 16 TiB is far beyond any host here. */
#define MAX_MEMORY_MIB (16ULL * 1024 * 1024)
/* libxl's default when neither memory= nor maxmem= is given. */
#define DEFAULT_MEMORY_MIB 32

static const struct {
    const char *word, *json;
} action_names[] = {
    [DC_DESTROY] = {"destroy", "destroy"},
    [DC_RESTART] = {"restart", "restart"},
    [DC_RENAME_RESTART] = {"rename-restart", "restart_rename"},
    [DC_PRESERVE] = {"preserve", "preserve"},
    [DC_COREDUMP_DESTROY] = {"coredump-destroy", "coredump_destroy"},
    [DC_COREDUMP_RESTART] = {"coredump-restart", "coredump_restart"},
    [DC_SOFT_RESET] = {"soft-reset", "soft_reset"},
};
#define NR_ACTIONS (sizeof(action_names) / sizeof(action_names[0]))

const char *dc_action_name(enum dc_action a)
{
    return (size_t)a < NR_ACTIONS ? action_names[a].word : "?";
}

const char *dc_action_json_name(enum dc_action a)
{
    return (size_t)a < NR_ACTIONS ? action_names[a].json : "?";
}

int dc_action_parse(const char *word, enum dc_action *out)
{
    for (size_t i = 0; i < NR_ACTIONS; i++) {
        if (strcmp(word, action_names[i].word) == 0) {
            *out = (enum dc_action)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *dc_type_name(enum dc_type t)
{
    return t == DC_TYPE_HVM ? "hvm" : "pvh";
}

struct ctx {
    xlcfg *cfg;
    struct domain_config *dc;
    char *err;
    size_t errlen;
    bool *read; /* per xlcfg_keys[] entry: this file asked for the key */
};

static int fail(struct ctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct ctx *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* "guest.cfg:4" for a key that is set, else just the file. */
static void where(struct ctx *c, const char *key, char *buf, size_t len)
{
    const char *src;
    int line;
    if (xlcfg_lookup(c->cfg, key, &src, &line))
        snprintf(buf, len, "%s:%d", src, line);
    else
        snprintf(buf, len, "%s", xlcfg_main_source(c->cfg));
}

static int warn(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int warn(struct ctx *c, const char *fmt, ...)
{
    char **more = realloc(c->dc->warnings, (c->dc->nwarnings + 1) * sizeof(*more));
    if (!more)
        return fail(c, -ENOMEM, "out of memory");
    c->dc->warnings = more;
    char *msg;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return fail(c, -ENOMEM, "out of memory");
    c->dc->warnings[c->dc->nwarnings++] = msg;
    return 0;
}

/*
 * Every key this file reads is asked for through here, so that it and
 * xlcfg_keys.c cannot drift: reading a key the table does not mark "act"
 * fails at once, and a key marked "act" that was set but never read fails
 * at the end (check_all_read). Both are this program's bugs, not the
 * config's; test_domain_config sets every "act" key to catch them.
 */
static int use(struct ctx *c, const char *key)
{
    const struct xlcfg_key *k = xlcfg_key_find(key);
    if (!k || k->disposition != XLCFG_ACT)
        return fail(c, -EPROTO, "internal error: domain_config.c reads key \"%s\", which "
                    "xlcfg_keys.c does not mark as acted on", key);
    c->read[k - xlcfg_keys] = true;
    return 0;
}

/* A string key: 0 with *out set (or left NULL when absent), or an error. */
static int get_str(struct ctx *c, const char *key, const char **out)
{
    *out = NULL;
    int rc = use(c, key);
    if (rc < 0)
        return rc;
    rc = xlcfg_get_string(c->cfg, key, out);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return fail(c, rc, "%s", xlcfg_error(c->cfg));
    return 0;
}

static int dup_str(struct ctx *c, const char *key, char **out)
{
    const char *s;
    int rc = get_str(c, key, &s);
    if (rc < 0 || !s)
        return rc;
    *out = strdup(s);
    return *out ? 0 : fail(c, -ENOMEM, "out of memory");
}

/* A number key: 1 when set, 0 when absent, or an error. */
static int get_num(struct ctx *c, const char *key, long long min, long long max, long long *out)
{
    int rc = use(c, key);
    if (rc < 0)
        return rc;
    rc = xlcfg_get_int(c->cfg, key, min, max, out);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return fail(c, rc, "%s", xlcfg_error(c->cfg));
    return 1;
}

static int parse_name(struct ctx *c)
{
    const char *name;
    int rc = get_str(c, "name", &name);
    if (rc < 0)
        return rc;
    char at[300];
    where(c, "name", at, sizeof(at));
    if (!name)
        return fail(c, -EINVAL, "%s: no name= given: every domain needs a name", at);
    if (!*name)
        return fail(c, -EINVAL, "%s: key \"name\" must not be empty", at);
    if (strlen(name) > DC_NAME_MAX)
        return fail(c, -EINVAL, "%s: key \"name\" is longer than %d characters", at, DC_NAME_MAX);
    if (strspn(name, "0123456789") == strlen(name))
        return fail(c, -EINVAL, "%s: key \"name\" must not be all digits: xl commands "
                    "would take \"%s\" for a domain id", at, name);
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/')
            return fail(c, -EINVAL, "%s: key \"name\" must not contain '/' or control characters", at);
    c->dc->name = strdup(name);
    return c->dc->name ? 0 : fail(c, -ENOMEM, "out of memory");
}

static int parse_uuid(struct ctx *c)
{
    const char *s;
    int rc = get_str(c, "uuid", &s);
    if (rc < 0)
        return rc;
    if (!s) {
        rc = xluuid_generate(c->dc->uuid);
        return rc < 0 ? fail(c, rc, "cannot generate a UUID: %s", strerror(-rc)) : 0;
    }
    if (xluuid_parse(s, c->dc->uuid) < 0) {
        char at[300];
        where(c, "uuid", at, sizeof(at));
        return fail(c, -EINVAL, "%s: key \"uuid\": \"%s\" is not a UUID "
                    "(expected 8-4-4-4-12 hex digits, like 6f4b3a2c-0d1e-4f5a-9b8c-7d6e5f4a3b2c)",
                    at, s);
    }
    c->dc->uuid_given = true;
    return 0;
}

static int refuse_pv(struct ctx *c, const char *why_key)
{
    char at[300];
    where(c, why_key, at, sizeof(at));
    return fail(c, -EINVAL, "%s: %s=\"%s\": classic PV guests cannot run on KVM; "
                "use type=\"pvh\" with a kernel that has a PVH entry point",
                at, why_key, strcmp(why_key, "builder") == 0 ? "generic" : "pv");
}

static int parse_type(struct ctx *c)
{
    const char *type, *builder;
    /* builder= is read even where type= overrides it, as it is acted on. */
    int rc = get_str(c, "type", &type);
    if (rc < 0 || (rc = get_str(c, "builder", &builder)) < 0)
        return rc;
    char at[300];
    if (type) {
        if (strcmp(type, "pvh") == 0)
            c->dc->type = DC_TYPE_PVH;
        else if (strcmp(type, "hvm") == 0)
            c->dc->type = DC_TYPE_HVM;
        else if (strcmp(type, "pv") == 0)
            return refuse_pv(c, "type");
        else {
            where(c, "type", at, sizeof(at));
            return fail(c, -EINVAL, "%s: key \"type\" must be \"pvh\" or \"hvm\", not \"%s\"",
                        at, type);
        }
        return 0;
    }
    /* Before type= existed, builder= chose HVM; xl still honours it. */
    if (builder) {
        rc = warn(c, "the \"builder\" option is deprecated, please use \"type\" instead");
        if (rc < 0)
            return rc;
        if (strcmp(builder, "hvm") == 0) {
            c->dc->type = DC_TYPE_HVM;
            return 0;
        }
        if (strcmp(builder, "generic") == 0)
            return refuse_pv(c, "builder");
        where(c, "builder", at, sizeof(at));
        return fail(c, -EINVAL, "%s: key \"builder\" must be \"hvm\" or \"generic\", not \"%s\"",
                    at, builder);
    }
    /* xl's default on x86 is a PV guest, which cannot be built here;
     * guessing PVH instead would silently change what the config means. */
    const char *kernel = NULL;
    if (get_str(c, "kernel", &kernel) < 0)
        kernel = NULL; /* a kernel= of the wrong kind: the message below still holds */
    if (kernel)
        return fail(c, -EINVAL, "%s: no type= given, so xl would boot kernel \"%s\" as a "
                    "classic PV guest (type=\"pv\" is xl's default), and classic PV guests "
                    "cannot run on KVM; add type=\"pvh\" to boot it as a PVH guest",
                    xlcfg_main_source(c->cfg), kernel);
    return fail(c, -EINVAL, "%s: no type= given, and xl's default type \"pv\" (classic PV) "
                "cannot run on KVM; add type=\"pvh\" or type=\"hvm\"",
                xlcfg_main_source(c->cfg));
}

static int parse_memory(struct ctx *c)
{
    long long mem = 0, maxmem = 0;
    int have_mem = get_num(c, "memory", 1, (long long)MAX_MEMORY_MIB, &mem);
    if (have_mem < 0)
        return have_mem;
    int have_max = get_num(c, "maxmem", 1, (long long)MAX_MEMORY_MIB, &maxmem);
    if (have_max < 0)
        return have_max;
    /* As libxl: each defaults to the other, and both to 32 MiB. */
    if (!have_mem)
        mem = have_max ? maxmem : DEFAULT_MEMORY_MIB;
    if (!have_max)
        maxmem = mem;
    if (maxmem < mem) {
        char at[300];
        where(c, "maxmem", at, sizeof(at));
        return fail(c, -EINVAL, "%s: key \"maxmem\" (%lld MiB) must not be less than "
                    "memory (%lld MiB)", at, maxmem, mem);
    }
    c->dc->memory_mib = (uint64_t)mem;
    c->dc->maxmem_mib = (uint64_t)maxmem;
    return 0;
}

static int parse_vcpus(struct ctx *c)
{
    long long vcpus = 1, maxvcpus = 0;
    int have = get_num(c, "vcpus", 1, DC_MAX_VCPUS, &vcpus);
    if (have < 0)
        return have;
    int have_max = get_num(c, "maxvcpus", 1, DC_MAX_VCPUS, &maxvcpus);
    if (have_max < 0)
        return have_max;
    if (!have_max)
        maxvcpus = vcpus;
    if (maxvcpus < vcpus) {
        char at[300];
        where(c, "maxvcpus", at, sizeof(at));
        return fail(c, -EINVAL, "%s: key \"maxvcpus\" (%lld) must not be less than vcpus (%lld)",
                    at, maxvcpus, vcpus);
    }
    c->dc->vcpus = (uint32_t)vcpus;
    c->dc->maxvcpus = (uint32_t)maxvcpus;
    return 0;
}

/* cmdline= is taken whole; otherwise "root=<root> <extra>", as xl does. */
static int parse_cmdline(struct ctx *c)
{
    const char *cmdline, *root, *extra;
    int rc;
    if ((rc = get_str(c, "cmdline", &cmdline)) < 0 || (rc = get_str(c, "root", &root)) < 0 ||
        (rc = get_str(c, "extra", &extra)) < 0)
        return rc;
    char *out = NULL;
    int n = 0;
    if (cmdline) {
        if ((root || extra) &&
            (rc = warn(c, "ignoring root= and extra= in favour of cmdline=")) < 0)
            return rc;
        out = strdup(cmdline);
    } else if (root && extra) {
        n = asprintf(&out, "root=%s %s", root, extra);
    } else if (root) {
        n = asprintf(&out, "root=%s", root);
    } else if (extra) {
        out = strdup(extra);
    } else {
        return 0;
    }
    if (n < 0 || !out)
        return fail(c, -ENOMEM, "out of memory");
    c->dc->cmdline = out;
    return 0;
}

static int parse_action(struct ctx *c, const char *key, enum dc_action def, enum dc_action *out)
{
    const char *word;
    int rc = get_str(c, key, &word);
    if (rc < 0)
        return rc;
    *out = def;
    if (!word)
        return 0;
    if (dc_action_parse(word, out) < 0) {
        char at[300];
        where(c, key, at, sizeof(at));
        return fail(c, -EINVAL, "%s: key \"%s\": \"%s\" is not an action (use destroy, restart, "
                    "rename-restart, preserve, coredump-destroy, coredump-restart or soft-reset)",
                    at, key, word);
    }
    return 0;
}

static int parse_actions(struct ctx *c)
{
    struct domain_config *dc = c->dc;
    int rc;
    if ((rc = parse_action(c, "on_poweroff", DC_DESTROY, &dc->on_poweroff)) < 0 ||
        (rc = parse_action(c, "on_reboot", DC_RESTART, &dc->on_reboot)) < 0 ||
        (rc = parse_action(c, "on_watchdog", DC_DESTROY, &dc->on_watchdog)) < 0 ||
        (rc = parse_action(c, "on_crash", DC_DESTROY, &dc->on_crash)) < 0 ||
        (rc = parse_action(c, "on_soft_reset", DC_SOFT_RESET, &dc->on_soft_reset)) < 0)
        return rc;
    return 0;
}

/* disk=: each entry a spec; errors name the line of disk=. */
static int parse_disks(struct ctx *c)
{
    const char **specs;
    size_t n;
    int rc = use(c, "disk");
    if (rc < 0)
        return rc;
    rc = xlcfg_get_string_list(c->cfg, "disk", &specs, &n);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return fail(c, rc, "%s", xlcfg_error(c->cfg));
    c->dc->disks = calloc(n ? n : 1, sizeof(*c->dc->disks));
    if (!c->dc->disks) {
        free(specs);
        return fail(c, -ENOMEM, "out of memory");
    }
    char at[300], msg[512];
    where(c, "disk", at, sizeof(at));
    for (size_t i = 0; i < n; i++) {
        struct disk_spec *d = &c->dc->disks[i];
        if ((rc = disk_spec_parse(specs[i], d, msg, sizeof(msg))) < 0) {
            free(specs);
            return fail(c, rc, "%s: disk: %s", at, msg);
        }
        c->dc->ndisks = i + 1;
        for (size_t j = 0; j < i; j++)
            if (c->dc->disks[j].devid == d->devid) {
                free(specs);
                return fail(c, -EINVAL, "%s: disk: vdev %s is used twice", at, d->vdev);
            }
    }
    free(specs);
    return 0;
}

/* vif=: each entry a spec, its devid its index unless devid= says. */
static int parse_vifs(struct ctx *c)
{
    const char **specs;
    size_t n;
    int rc = use(c, "vif");
    if (rc < 0)
        return rc;
    rc = xlcfg_get_string_list(c->cfg, "vif", &specs, &n);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return fail(c, rc, "%s", xlcfg_error(c->cfg));
    c->dc->vifs = calloc(n ? n : 1, sizeof(*c->dc->vifs));
    if (!c->dc->vifs) {
        free(specs);
        return fail(c, -ENOMEM, "out of memory");
    }
    char at[300], msg[512];
    where(c, "vif", at, sizeof(at));
    for (size_t i = 0; i < n; i++) {
        struct vif_spec *v = &c->dc->vifs[i];
        if ((rc = vif_spec_parse(specs[i], v, msg, sizeof(msg))) < 0) {
            fail(c, rc, "%s: vif %zu (\"%s\"): %s", at, i, specs[i], msg);
            free(specs);
            return rc;
        }
        c->dc->nvifs = i + 1;
        if (v->devid < 0)
            v->devid = (int32_t)i;
        for (size_t j = 0; j < i; j++) {
            struct vif_spec *o = &c->dc->vifs[j];
            const char *what = o->devid == v->devid ? "devid"
                               : memcmp(o->mac, v->mac, 6) == 0 ? "mac"
                               : o->vifname && v->vifname && !strcmp(o->vifname, v->vifname)
                                   ? "vifname"
                                   : NULL;
            if (what) {
                fail(c, -EINVAL, "%s: vif %zu (\"%s\"): %s is the same as vif %zu's", at, i,
                     specs[i], what, j);
                free(specs);
                return -EINVAL;
            }
        }
    }
    free(specs);
    return 0;
}

void domain_config_free(struct domain_config *dc)
{
    for (size_t i = 0; i < dc->nvifs; i++)
        vif_spec_free(&dc->vifs[i]);
    free(dc->vifs);
    for (size_t i = 0; i < dc->ndisks; i++)
        disk_spec_free(&dc->disks[i]);
    free(dc->disks);
    free(dc->name);
    free(dc->kernel);
    free(dc->ramdisk);
    free(dc->cmdline);
    for (int i = 0; i < dc->nwarnings; i++)
        free(dc->warnings[i]);
    free(dc->warnings);
    memset(dc, 0, sizeof(*dc));
}

/*
 * The keys this file does not read, in the order they were first set:
 * refused ones fail the config, the others are warned of. Done before the
 * keys acted on, since a refused key means the guest cannot run here
 * however the rest is fixed.
 */
static int check_other_keys(struct ctx *c)
{
    for (size_t i = 0; i < xlcfg_key_count(c->cfg); i++) {
        const char *key = xlcfg_key_at(c->cfg, i);
        const struct xlcfg_key *k = xlcfg_key_find(key);
        if (k && k->disposition == XLCFG_ACT)
            continue;
        char at[300];
        where(c, key, at, sizeof(at));
        int rc = 0;
        if (!k) {
            rc = warn(c, "%s: key \"%s\" is not in xl.cfg(5), so it has no effect "
                      "(misspelt?)", at, key);
        } else if (k->disposition == XLCFG_REFUSE &&
                   !xlcfg_key_value_is_off(k, xlcfg_lookup(c->cfg, key, NULL, NULL))) {
            return fail(c, -EINVAL, "%s: key \"%s\": %s", at, key, k->reason);
        } else {
            rc = warn(c, "%s: key \"%s\" has no effect here: %s", at, key, k->reason);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int check_all_read(struct ctx *c)
{
    for (size_t i = 0; i < xlcfg_keys_count; i++)
        if (xlcfg_keys[i].disposition == XLCFG_ACT && !c->read[i] &&
            xlcfg_lookup(c->cfg, xlcfg_keys[i].name, NULL, NULL))
            return fail(c, -EPROTO, "internal error: key \"%s\" is marked as acted on in "
                        "xlcfg_keys.c, but domain_config.c did not read it", xlcfg_keys[i].name);
    return 0;
}

int domain_config_from_xlcfg(xlcfg *cfg, struct domain_config *dc, char *err, size_t errlen)
{
    memset(dc, 0, sizeof(*dc));
    struct ctx c = {.cfg = cfg, .dc = dc, .err = err, .errlen = errlen};
    c.read = calloc(xlcfg_keys_count, sizeof(*c.read));
    if (!c.read)
        return fail(&c, -ENOMEM, "out of memory");
    int rc;
    /* Keys are read in the order a reader of the file would check them,
     * so the first error reported is the first one worth fixing. */
    if ((rc = check_other_keys(&c)) < 0 || (rc = parse_name(&c)) < 0 ||
        (rc = parse_uuid(&c)) < 0 || (rc = parse_type(&c)) < 0 ||
        (rc = parse_memory(&c)) < 0 || (rc = parse_vcpus(&c)) < 0 ||
        (rc = dup_str(&c, "kernel", &dc->kernel)) < 0 ||
        (rc = dup_str(&c, "ramdisk", &dc->ramdisk)) < 0 || (rc = parse_cmdline(&c)) < 0 ||
        (rc = parse_actions(&c)) < 0 || (rc = parse_disks(&c)) < 0 ||
        (rc = parse_vifs(&c)) < 0 || (rc = check_all_read(&c)) < 0) {
        free(c.read);
        domain_config_free(dc);
        return rc;
    }
    free(c.read);
    return 0;
}
