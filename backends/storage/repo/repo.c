/* The registry of SRs and the SR-level operations. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "backends/storage/internal.h"
#include "backends/storage/lvm.h"
#include "backends/storage/repo/repo_store.h"

#define DEFAULT_DB "/var/lib/xenolith/sr.json"

const char *repo_type_name(enum repo_type t)
{
    return t == REPO_LVM ? "lvm" : "file";
}

bool repo_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > REPO_NAME_MAX || name[0] == '-' || name[0] == '.')
        return false;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-") == n;
}

int repo_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0 || !isdigit((unsigned char)s[0]))
        return -EINVAL;
    double mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 'T': mul = 1099511627776.0; end++; break;
    case 'G': mul = 1073741824.0; end++; break;
    case 'M': mul = 1048576.0; end++; break;
    case 'K': mul = 1024.0; end++; break;
    case 'B': end++; break;
    case '\0': break;
    default: return -EINVAL;
    }
    if (*end && strcmp(end, "iB") != 0 && strcmp(end, "B") != 0)
        return -EINVAL;
    double bytes = v * mul;
    if (bytes > 18e18)
        return -EINVAL;
    *out = (uint64_t)bytes;
    return 0;
}

int repo_db_path(char *out, size_t len)
{
    const char *env = getenv("XENOLITH_SR_DB");
    snprintf(out, len, "%s", env && *env ? env : DEFAULT_DB);
    return 0;
}

static const char *jstr(yajl_val v, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val s = yajl_tree_get(v, path, yajl_t_string);
    return s ? s->u.string : NULL;
}

int repo_db_load(struct repo **list, size_t *n)
{
    char path[PATH_MAX], err[200];
    repo_db_path(path, sizeof(path));
    *list = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : xns_fail(-errno, "%s: %s", path, strerror(errno));
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[len] = '\0';
    yajl_val root = yajl_tree_parse(text, err, sizeof(err));
    if (!root || !YAJL_IS_ARRAY(root)) {
        yajl_tree_free(root);
        return xns_fail(-EINVAL, "%s: not an SR registry (%s)", path, root ? "not a list" : err);
    }
    struct repo *out = calloc(root->u.array.len + 1, sizeof(*out));
    if (!out) {
        yajl_tree_free(root);
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < root->u.array.len; i++) {
        yajl_val e = root->u.array.values[i];
        const char *u = jstr(e, "uuid"), *nm = jstr(e, "name"), *t = jstr(e, "type");
        const char *loc = jstr(e, "location"), *dev = jstr(e, "device");
        if (!u || !nm || !t || !loc)
            continue;
        snprintf(out[k].uuid, sizeof(out[k].uuid), "%s", u);
        snprintf(out[k].name, sizeof(out[k].name), "%s", nm);
        out[k].type = strcmp(t, "lvm") == 0 ? REPO_LVM : REPO_FILE;
        snprintf(out[k].location, sizeof(out[k].location), "%s", loc);
        snprintf(out[k].device, sizeof(out[k].device), "%s", dev ? dev : "");
        k++;
    }
    yajl_tree_free(root);
    *list = out;
    *n = k;
    return 0;
}

static int gstr(yajl_gen g, const char *s)
{
    return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok ? 0 : 1;
}

static int mkdir_p(const char *dir)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int db_save(const struct repo *list, size_t n)
{
    char path[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 8];
    repo_db_path(path, sizeof(path));
    snprintf(dir, sizeof(dir), "%s", path);
    int rc = mkdir_p(dirname(dir));
    if (rc < 0)
        return xns_fail(rc, "%s: cannot create its directory: %s", path, strerror(-rc));
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return -ENOMEM;
    yajl_gen_config(g, yajl_gen_beautify, 1);
    int bad = yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        bad |= yajl_gen_map_open(g) | gstr(g, "uuid") | gstr(g, list[i].uuid) |
               gstr(g, "name") | gstr(g, list[i].name) | gstr(g, "type") |
               gstr(g, repo_type_name(list[i].type)) | gstr(g, "location") |
               gstr(g, list[i].location) | gstr(g, "device") | gstr(g, list[i].device) |
               yajl_gen_map_close(g);
    bad |= yajl_gen_array_close(g);
    const unsigned char *buf;
    size_t len;
    if (bad || yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        yajl_gen_free(g);
        return -ENOMEM;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    rc = f && fwrite(buf, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -EIO;
    if (f)
        fclose(f);
    yajl_gen_free(g);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        return xns_fail(rc, "%s: cannot write the SR registry: %s", path, strerror(-rc));
    }
    return 0;
}

int repo_find(const char *key, struct repo *out)
{
    struct repo *list;
    size_t n;
    int rc = repo_db_load(&list, &n), found = 0;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].uuid, key) == 0) {
            *out = list[i];
            free(list);
            return 0;
        }
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, key) == 0 && found++ == 0)
            *out = list[i];
    free(list);
    if (found > 1)
        return xns_fail(-EINVAL, "%d SRs are named '%s': name it by uuid", found, key);
    return found ? 0 : xns_fail(-ENOENT, "no SR named '%s' is known here", key);
}

static int db_add(const struct repo *r)
{
    struct repo *list;
    size_t n;
    int rc = repo_db_load(&list, &n);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].name, r->name) == 0 || strcmp(list[i].uuid, r->uuid) == 0 ||
            (list[i].type == r->type && strcmp(list[i].location, r->location) == 0)) {
            rc = xns_fail(-EEXIST, "SR '%s' (%s, %s) is already known here", list[i].name,
                          list[i].uuid, list[i].location);
            free(list);
            return rc;
        }
    }
    struct repo *nl = realloc(list, (n + 1) * sizeof(*nl));
    if (!nl) {
        free(list);
        return -ENOMEM;
    }
    nl[n] = *r;
    rc = db_save(nl, n + 1);
    free(nl);
    return rc;
}

static int db_remove(const struct repo *r)
{
    struct repo *list;
    size_t n, k = 0;
    int rc = repo_db_load(&list, &n);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].uuid, r->uuid) != 0)
            list[k++] = list[i];
    rc = db_save(list, k);
    free(list);
    return rc;
}

static int check_new(const char *name)
{
    if (!repo_name_ok(name))
        return xns_fail(-EINVAL, "'%s' is not a valid name: use 1 to %d letters, digits and "
                        "'._+-', not starting with '-' or '.'", name, REPO_NAME_MAX);
    struct repo other;
    if (repo_find(name, &other) == 0)
        return xns_fail(-EEXIST, "an SR named '%s' already exists (%s)", name, other.uuid);
    return 0;
}

static bool dir_empty_or_missing(const char *dir, int *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        *err = errno;
        return errno == ENOENT;
    }
    struct dirent *e;
    bool empty = true;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = false;
    closedir(d);
    *err = ENOTEMPTY;
    return empty;
}

int repo_create(enum repo_type type, const char *name, const char *where, struct repo *out)
{
    int rc = check_new(name);
    if (rc < 0)
        return rc;
    struct repo r = {.type = type};
    uint8_t u[16];
    xns_uuid_generate(u);
    xns_uuid_format(u, r.uuid);
    snprintf(r.name, sizeof(r.name), "%s", name);
    if (type == REPO_FILE) {
        int e;
        if (where[0] != '/')
            return xns_fail(-EINVAL, "path=%s: give an absolute path", where);
        if (!dir_empty_or_missing(where, &e))
            return xns_fail(-EEXIST, "%s: %s (a file SR takes an empty or new directory)",
                            where, e == ENOTEMPTY ? "not empty" : strerror(e));
        if ((rc = mkdir_p(where)) < 0)
            return xns_fail(rc, "%s: cannot create: %s", where, strerror(-rc));
        snprintf(r.location, sizeof(r.location), "%s", where);
        rc = store_file_init(&r);
    } else {
        struct stat st;
        if (stat(where, &st) < 0 || !S_ISBLK(st.st_mode))
            return xns_fail(-EINVAL, "device=%s: not a block device", where);
        snprintf(r.location, sizeof(r.location), "VG_XenStorage-%s", r.uuid);
        snprintf(r.device, sizeof(r.device), "%s", where);
        rc = store_lvm_init(&r);
    }
    if (rc == 0)
        rc = db_add(&r);
    if (rc == 0 && out)
        *out = r;
    return rc;
}

int repo_introduce(enum repo_type type, const char *name, const char *where, struct repo *out)
{
    int rc = check_new(name);
    if (rc < 0)
        return rc;
    struct repo r = {.type = type};
    snprintf(r.name, sizeof(r.name), "%s", name);
    snprintf(r.location, sizeof(r.location), "%s", where);
    uint8_t u[16];
    if (type == REPO_FILE) {
        char uuid[37], oldname[REPO_NAME_MAX + 1];
        struct stat st;
        if (stat(where, &st) < 0 || !S_ISDIR(st.st_mode))
            return xns_fail(-ENOENT, "path=%s: no such directory", where);
        if (store_file_read_sr(where, uuid, sizeof(uuid), oldname, sizeof(oldname)) == 0) {
            snprintf(r.uuid, sizeof(r.uuid), "%s", uuid);
        } else {
            xns_uuid_generate(u);
            xns_uuid_format(u, r.uuid);
            if ((rc = store_file_init(&r)) < 0)
                return rc;
        }
    } else {
        uint64_t extent, free_bytes;
        if ((rc = lvm_vg_info(where, &extent, &free_bytes, NULL, 0)) < 0)
            return xns_fail(rc, "vg=%s: no such volume group (%s)", where, xns_strerror());
        if (strncmp(where, "VG_XenStorage-", 14) == 0 && xns_uuid_parse(where + 14, u) == 0) {
            snprintf(r.uuid, sizeof(r.uuid), "%s", where + 14);
        } else {
            xns_uuid_generate(u);
            xns_uuid_format(u, r.uuid);
        }
    }
    rc = db_add(&r);
    if (rc == 0 && out)
        *out = r;
    return rc;
}

int repo_destroy(const struct repo *r, bool force)
{
    struct vdi *list;
    size_t n;
    int rc = repo_vdi_list(r, &list, &n);
    if (rc < 0)
        return rc;
    if (n && !force) {
        free(list);
        return xns_fail(-EBUSY, "SR '%s' holds %zu VDI%s: destroy them first, or use -f", r->name,
                        n, n == 1 ? "" : "s");
    }
    const struct store_ops *ops = store_of(r);
    /* The SR goes as a whole: an LVM SR with its VG, a file SR image by
     * image. */
    for (size_t i = 0; rc == 0 && i < n && r->type == REPO_FILE; i++)
        rc = ops->remove(r, list[i].uuid, list[i].format);
    free(list);
    if (rc == 0)
        rc = ops->destroy(r);
    if (rc == 0)
        rc = db_remove(r);
    return rc;
}
