/* xl vdi-*: disk images in storage repositories, in the manner of xe's
 * vdi-create, vdi-clone, vdi-snapshot and friends. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/json_util.h"
#include "toolstack/sr_args.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

static int no_opts(int argc, char **argv, int nargs)
{
    int rc;
    xl_args(argc, argv, NULL, nargs, &rc);
    return rc;
}

static int fail(void)
{
    xl_err("%s", xns_strerror());
    return 1;
}

static int parse_format(const char *s, enum xns_format *fmt)
{
    if (!s || strcmp(s, "vhd") == 0)
        *fmt = XNS_FMT_VHD;
    else if (strcmp(s, "raw") == 0)
        *fmt = XNS_FMT_RAW;
    else {
        xl_err("format=%s: a VDI's format is vhd or raw", s);
        return 2;
    }
    return 0;
}

int main_vdi_create(int argc, char **argv)
{
    int rc = no_opts(argc, argv, 1);
    if (rc)
        return rc;
    struct kv kv[] = {{"name", NULL}, {"size", NULL}, {"format", NULL}};
    if ((rc = sr_parse_kv(argc, argv, optind + 1, kv, 3)) != 0)
        return rc;
    uint64_t size;
    enum xns_format fmt;
    if (!kv[0].val || !kv[1].val) {
        xl_err("'xl vdi-create' needs name=NAME and size=SIZE");
        return 2;
    }
    if (repo_parse_size(kv[1].val, &size) < 0 || size == 0) {
        xl_err("size=%s: give a size like 10G, 512M or a number of bytes", kv[1].val);
        return 2;
    }
    if ((rc = parse_format(kv[2].val, &fmt)) != 0)
        return rc;
    struct repo r;
    struct vdi v;
    if (sr_lookup(argv[optind], &r))
        return 1;
    if (repo_vdi_create(&r, kv[0].val, size, fmt, &v) < 0)
        return fail();
    printf("%s\n", v.uuid);
    return 0;
}

#define CHECK(expr)                                                                   \
    do {                                                                              \
        if ((expr) != yajl_gen_status_ok)                                             \
            goto out;                                                                 \
    } while (0)

static int print_json(const struct vdi *list, size_t n)
{
    int rc = 1;
    yajl_gen g = json_gen_new();
    if (!g)
        return 1;
    CHECK(yajl_gen_array_open(g));
    for (size_t i = 0; i < n; i++) {
        const struct vdi *v = &list[i];
        CHECK(yajl_gen_map_open(g));
        CHECK(json_key_str(g, "uuid", v->uuid));
        CHECK(json_key_str(g, "name", v->name));
        CHECK(json_key_str(g, "format", v->format == XNS_FMT_RAW ? "raw" : "vhd"));
        CHECK(json_key_int(g, "virtual_size", (long long)v->size));
        CHECK(json_key_int(g, "physical_utilisation", (long long)v->phys));
        CHECK(json_str(g, "hidden"));
        CHECK(yajl_gen_bool(g, v->hidden));
        CHECK(json_str(g, "read_only"));
        CHECK(yajl_gen_bool(g, v->read_only));
        CHECK(json_key_str(g, "parent", v->parent[0] ? v->parent : NULL));
        CHECK(json_key_str(g, "target", v->target));
        CHECK(yajl_gen_map_close(g));
    }
    CHECK(yajl_gen_array_close(g));
    rc = json_print(g, stdout) < 0;
out:
    yajl_gen_free(g);
    if (rc)
        xl_err("cannot print the VDI list as JSON");
    return rc;
}

int main_vdi_list(int argc, char **argv)
{
    bool json = false;
    const struct xl_opt opts[] = {XL_FLAG('l', "long", &json), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 1, &rc))
        return rc;
    struct repo r;
    struct vdi *list;
    size_t n;
    if (sr_lookup(argv[optind], &r))
        return 1;
    if (repo_vdi_list(&r, &list, &n) < 0)
        return fail();
    if (json) {
        rc = print_json(list, n);
    } else {
        printf("%-36s  %-20s  %-6s  %8s  %8s  %-5s  %s\n", "UUID", "Name", "Format", "Size",
               "Used", "Flags", "Parent");
        for (size_t i = 0; i < n; i++) {
            char size[32], used[32], flags[4] = "--";
            sr_human_size(list[i].size, size, sizeof(size));
            sr_human_size(list[i].phys, used, sizeof(used));
            if (list[i].hidden)
                flags[0] = 'h';
            if (list[i].read_only)
                flags[1] = 'r';
            printf("%-36s  %-20s  %-6s  %8s  %8s  %-5s  %s\n", list[i].uuid, list[i].name,
                   list[i].format == XNS_FMT_RAW ? "raw" : "vhd", size, used, flags,
                   list[i].parent[0] ? list[i].parent : "-");
        }
    }
    free(list);
    return rc;
}

static int snapshot_or_clone(int argc, char **argv, bool clone)
{
    int rc = no_opts(argc, argv, 2);
    if (rc)
        return rc;
    struct kv kv[] = {{"name", NULL}};
    if ((rc = sr_parse_kv(argc, argv, optind + 2, kv, 1)) != 0)
        return rc;
    struct repo r;
    struct vdi v, out;
    if (sr_lookup(argv[optind], &r) || sr_vdi_lookup(&r, argv[optind + 1], &v))
        return 1;
    char name[REPO_NAME_MAX + 16];
    if (kv[0].val)
        snprintf(name, sizeof(name), "%s", kv[0].val);
    else
        snprintf(name, sizeof(name), "%.50s-%s", v.name, clone ? "clone" : "snapshot");
    if (repo_vdi_snapshot(&r, &v, name, clone, &out) < 0)
        return fail();
    printf("%s\n", out.uuid);
    return 0;
}

int main_vdi_clone(int argc, char **argv)
{
    return snapshot_or_clone(argc, argv, true);
}

int main_vdi_snapshot(int argc, char **argv)
{
    return snapshot_or_clone(argc, argv, false);
}

int main_vdi_resize(int argc, char **argv)
{
    int rc = no_opts(argc, argv, 3);
    if (rc)
        return rc;
    uint64_t size;
    if (repo_parse_size(argv[optind + 2], &size) < 0) {
        xl_err("'%s': give a size like 10G, 512M or a number of bytes", argv[optind + 2]);
        return 2;
    }
    struct repo r;
    struct vdi v;
    if (sr_lookup(argv[optind], &r) || sr_vdi_lookup(&r, argv[optind + 1], &v))
        return 1;
    return repo_vdi_resize(&r, &v, size) < 0 ? fail() : 0;
}

/* The commands that take an SR and a VDI and nothing else. */
static int on_vdi(int argc, char **argv, int (*op)(const struct repo *, const struct vdi *))
{
    int rc = no_opts(argc, argv, 2);
    if (rc)
        return rc;
    struct repo r;
    struct vdi v;
    if (sr_lookup(argv[optind], &r) || sr_vdi_lookup(&r, argv[optind + 1], &v))
        return 1;
    return op(&r, &v) < 0 ? fail() : 0;
}

int main_vdi_destroy(int argc, char **argv)
{
    return on_vdi(argc, argv, repo_vdi_destroy);
}

static int coalesce(const struct repo *r, const struct vdi *v)
{
    return repo_vdi_coalesce(r, v, sr_progress, NULL);
}

int main_vdi_coalesce(int argc, char **argv)
{
    return on_vdi(argc, argv, coalesce);
}

int main_vdi_copy(int argc, char **argv)
{
    bool quiet = false;
    const struct xl_opt opts[] = {XL_FLAG('q', NULL, &quiet), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 3, &rc))
        return rc;
    struct kv kv[] = {{"name", NULL}, {"format", NULL}};
    if ((rc = sr_parse_kv(argc, argv, optind + 3, kv, 2)) != 0)
        return rc;
    struct repo r, dst;
    struct vdi v, out;
    if (sr_lookup(argv[optind], &r) || sr_vdi_lookup(&r, argv[optind + 1], &v) ||
        sr_lookup(argv[optind + 2], &dst))
        return 1;
    enum xns_format fmt = v.format;
    if (kv[1].val && (rc = parse_format(kv[1].val, &fmt)) != 0)
        return rc;
    char name[REPO_NAME_MAX + 16];
    if (kv[0].val)
        snprintf(name, sizeof(name), "%s", kv[0].val);
    else
        snprintf(name, sizeof(name), "%.59s-copy", v.name);
    if (repo_vdi_copy(&r, &v, &dst, name, fmt, sr_progress, &quiet, &out) < 0)
        return fail();
    printf("%s\n", out.uuid);
    return 0;
}
