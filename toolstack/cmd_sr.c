/* xl sr-create, sr-introduce, sr-list, sr-destroy, sr-scan: storage
 * repositories in the manner of xe's sr-* commands. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/json_util.h"
#include "toolstack/sr_args.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

static int parse_type(const char *t, enum repo_type *out)
{
    if (t && strcmp(t, "file") == 0)
        *out = REPO_FILE;
    else if (t && strcmp(t, "lvm") == 0)
        *out = REPO_LVM;
    else {
        xl_err("type=%s: an SR is type=file or type=lvm", t ? t : "");
        return 2;
    }
    return 0;
}

static int create_or_introduce(int argc, char **argv, bool introduce)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 0, &rc))
        return rc;
    struct kv kv[] = {{"type", NULL}, {"name", NULL}, {"path", NULL}, {"device", NULL},
                      {"vg", NULL}};
    if ((rc = sr_parse_kv(argc, argv, optind, kv, 5)) != 0)
        return rc;
    enum repo_type type;
    if ((rc = parse_type(kv[0].val, &type)) != 0)
        return rc;
    const char *where = type == REPO_FILE ? kv[2].val : introduce ? kv[4].val : kv[3].val;
    const char *need = type == REPO_FILE ? "path=DIR" : introduce ? "vg=VG" : "device=DEV";
    if (!kv[1].val || !where) {
        xl_err("'xl %s type=%s' needs name=NAME and %s", argv[0], kv[0].val, need);
        return 2;
    }
    struct repo r;
    rc = introduce ? repo_introduce(type, kv[1].val, where, &r)
                   : repo_create(type, kv[1].val, where, &r);
    if (rc < 0) {
        xl_err("%s", xns_strerror());
        return 1;
    }
    printf("%s\n", r.uuid);
    return 0;
}

int main_sr_create(int argc, char **argv)
{
    return create_or_introduce(argc, argv, false);
}

int main_sr_introduce(int argc, char **argv)
{
    return create_or_introduce(argc, argv, true);
}

#define CHECK(expr)                                                                   \
    do {                                                                              \
        if ((expr) != yajl_gen_status_ok)                                             \
            goto fail;                                                                \
    } while (0)

int main_sr_list(int argc, char **argv)
{
    bool json = false;
    const struct xl_opt opts[] = {XL_FLAG('l', "long", &json), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 0, &rc))
        return rc;
    struct repo *list;
    size_t n;
    if (repo_db_load(&list, &n) < 0) {
        xl_err("%s", xns_strerror());
        return 1;
    }
    if (!json) {
        printf("%-36s  %-20s  %-4s  %s\n", "UUID", "Name", "Type", "Location");
        for (size_t i = 0; i < n; i++)
            printf("%-36s  %-20s  %-4s  %s\n", list[i].uuid, list[i].name,
                   repo_type_name(list[i].type), list[i].location);
        free(list);
        return 0;
    }
    yajl_gen g = json_gen_new();
    if (!g)
        goto fail;
    CHECK(yajl_gen_array_open(g));
    for (size_t i = 0; i < n; i++) {
        CHECK(yajl_gen_map_open(g));
        CHECK(json_key_str(g, "uuid", list[i].uuid));
        CHECK(json_key_str(g, "name", list[i].name));
        CHECK(json_key_str(g, "type", repo_type_name(list[i].type)));
        CHECK(json_key_str(g, "location", list[i].location));
        if (list[i].type == REPO_LVM)
            CHECK(json_key_str(g, "device", list[i].device[0] ? list[i].device : NULL));
        CHECK(yajl_gen_map_close(g));
    }
    CHECK(yajl_gen_array_close(g));
    if (json_print(g, stdout) < 0)
        goto fail;
    yajl_gen_free(g);
    free(list);
    return 0;
fail:
    if (g)
        yajl_gen_free(g);
    free(list);
    xl_err("cannot print the SR list as JSON");
    return 1;
}

int main_sr_destroy(int argc, char **argv)
{
    bool force = false;
    const struct xl_opt opts[] = {XL_FLAG('f', NULL, &force), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 1, &rc))
        return rc;
    struct repo r;
    if (sr_lookup(argv[optind], &r))
        return 1;
    if (repo_destroy(&r, force) < 0) {
        xl_err("%s", xns_strerror());
        return 1;
    }
    return 0;
}

int main_sr_scan(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    struct repo r;
    if (sr_lookup(argv[optind], &r))
        return 1;
    if (repo_scan(&r) < 0) {
        xl_err("%s", xns_strerror());
        return 1;
    }
    return 0;
}
