/* File SRs: a directory of <uuid>.vhd and <uuid>.raw images, with names
 * and flags in sr-meta.json beside them. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "backends/storage/internal.h"
#include "backends/storage/repo/repo_store.h"

#define META "sr-meta.json"
#define JOURNAL "sr-journal"

struct meta_vdi {
    char uuid[128];
    char name[REPO_NAME_MAX + 1];
    bool read_only;
};

struct meta {
    char uuid[37];
    char name[REPO_NAME_MAX + 1];
    struct meta_vdi *vdis;
    size_t n;
};

static int read_file(const char *path, char **out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    char *buf = NULL;
    size_t cap = 0, len = 0, got;
    do {
        if (len + 4096 + 1 > cap) {
            char *nb = realloc(buf, cap = cap * 2 + 8192);
            if (!nb) {
                free(buf);
                fclose(f);
                return -ENOMEM;
            }
            buf = nb;
        }
        got = fread(buf + len, 1, 4096, f);
        len += got;
    } while (got > 0);
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    return 0;
}

/* Write to a temporary name, sync, rename over: readers see the old or
 * the new file whole. */
static int write_file_atomic(const char *path, const void *data, size_t len)
{
    char tmp[1200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return xns_fail(-errno, "%s: cannot write: %s", tmp, strerror(errno));
    ssize_t n = write(fd, data, len);
    int rc = n == (ssize_t)len && fsync(fd) == 0 ? 0 : -errno ? -errno : -EIO;
    close(fd);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        return xns_fail(rc, "%s: cannot write: %s", path, strerror(-rc));
    }
    return 0;
}

static void meta_path(const char *dir, const char *file, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", dir, file);
}

static const char *jstr(yajl_val v, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val s = yajl_tree_get(v, path, yajl_t_string);
    return s ? s->u.string : NULL;
}

static int meta_load(const char *dir, struct meta *m)
{
    char path[1200], *text, err[200];
    memset(m, 0, sizeof(*m));
    meta_path(dir, META, path, sizeof(path));
    int rc = read_file(path, &text);
    if (rc < 0)
        return xns_fail(rc, "%s: cannot read the SR's metadata: %s", path, strerror(-rc));
    yajl_val root = yajl_tree_parse(text, err, sizeof(err));
    free(text);
    const char *vpath[] = {"vdis", NULL};
    yajl_val vdis = root ? yajl_tree_get(root, vpath, yajl_t_object) : NULL;
    const char *uuid = root ? jstr(root, "uuid") : NULL, *name = root ? jstr(root, "name") : NULL;
    if (!vdis || !uuid || !name) {
        yajl_tree_free(root);
        return xns_fail(-EINVAL, "%s: not SR metadata (%s)", path, root ? "fields missing" : err);
    }
    snprintf(m->uuid, sizeof(m->uuid), "%s", uuid);
    snprintf(m->name, sizeof(m->name), "%s", name);
    m->vdis = calloc(vdis->u.object.len + 1, sizeof(*m->vdis));
    if (!m->vdis) {
        yajl_tree_free(root);
        return -ENOMEM;
    }
    for (size_t i = 0; i < vdis->u.object.len; i++) {
        yajl_val v = vdis->u.object.values[i];
        const char *rpath[] = {"read_only", NULL};
        snprintf(m->vdis[m->n].uuid, sizeof(m->vdis[0].uuid), "%s", vdis->u.object.keys[i]);
        snprintf(m->vdis[m->n].name, sizeof(m->vdis[0].name), "%s",
                 jstr(v, "name") ? jstr(v, "name") : vdis->u.object.keys[i]);
        m->vdis[m->n].read_only = YAJL_IS_TRUE(yajl_tree_get(v, rpath, yajl_t_any));
        m->n++;
    }
    yajl_tree_free(root);
    return 0;
}

static int gstr(yajl_gen g, const char *s)
{
    return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok ? 0 : -1;
}

static int meta_save(const char *dir, const struct meta *m)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return -ENOMEM;
    yajl_gen_config(g, yajl_gen_beautify, 1);
    int bad = yajl_gen_map_open(g) | gstr(g, "uuid") | gstr(g, m->uuid) | gstr(g, "name") |
              gstr(g, m->name) | gstr(g, "type") | gstr(g, "file") | gstr(g, "vdis") |
              yajl_gen_map_open(g);
    for (size_t i = 0; i < m->n; i++)
        bad |= gstr(g, m->vdis[i].uuid) | yajl_gen_map_open(g) | gstr(g, "name") |
               gstr(g, m->vdis[i].name) | gstr(g, "read_only") |
               yajl_gen_bool(g, m->vdis[i].read_only) | yajl_gen_map_close(g);
    bad |= yajl_gen_map_close(g) | yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t len;
    int rc = bad || yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok ? -ENOMEM : 0;
    char path[1200];
    meta_path(dir, META, path, sizeof(path));
    if (rc == 0)
        rc = write_file_atomic(path, buf, len);
    yajl_gen_free(g);
    return rc;
}

int store_file_read_sr(const char *dir, char *uuid, size_t ulen, char *name, size_t nlen)
{
    struct meta m;
    int rc = meta_load(dir, &m);
    if (rc < 0)
        return rc;
    snprintf(uuid, ulen, "%s", m.uuid);
    snprintf(name, nlen, "%s", m.name);
    free(m.vdis);
    return 0;
}

int store_file_init(const struct repo *r)
{
    struct meta m = {.n = 0, .vdis = NULL};
    snprintf(m.uuid, sizeof(m.uuid), "%s", r->uuid);
    snprintf(m.name, sizeof(m.name), "%s", r->name);
    return meta_save(r->location, &m);
}

static const char *ext(enum xns_format f)
{
    return f == XNS_FMT_RAW ? "raw" : "vhd";
}

static void f_target(const struct repo *r, const char *uuid, enum xns_format fmt, char *out,
                     size_t len)
{
    snprintf(out, len, "%s/%s.%s", r->location, uuid, ext(fmt));
}

static int f_list(const struct repo *r, struct vdi **list, size_t *n)
{
    struct meta m;
    int rc = meta_load(r->location, &m);
    if (rc < 0)
        return rc;
    DIR *d = opendir(r->location);
    if (!d) {
        free(m.vdis);
        return xns_fail(-errno, "%s: %s", r->location, strerror(errno));
    }
    size_t cap = 16, k = 0;
    struct vdi *out = calloc(cap, sizeof(*out));
    struct dirent *e;
    while (out && (e = readdir(d))) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || (strcmp(dot, ".vhd") != 0 && strcmp(dot, ".raw") != 0) ||
            (size_t)(dot - e->d_name) >= sizeof(out->uuid))
            continue;
        if (k == cap) {
            struct vdi *no = realloc(out, (cap *= 2) * sizeof(*out));
            if (!no)
                break;
            out = no;
        }
        struct vdi *v = &out[k++];
        memset(v, 0, sizeof(*v));
        snprintf(v->uuid, sizeof(v->uuid), "%.*s", (int)(dot - e->d_name), e->d_name);
        v->format = strcmp(dot, ".raw") == 0 ? XNS_FMT_RAW : XNS_FMT_VHD;
        f_target(r, v->uuid, v->format, v->target, sizeof(v->target));
        snprintf(v->name, sizeof(v->name), "%.64s", v->uuid);
        for (size_t i = 0; i < m.n; i++)
            if (strcmp(m.vdis[i].uuid, v->uuid) == 0) {
                snprintf(v->name, sizeof(v->name), "%s", m.vdis[i].name);
                v->read_only = m.vdis[i].read_only;
            }
    }
    closedir(d);
    free(m.vdis);
    if (!out)
        return -ENOMEM;
    *list = out;
    *n = k;
    return 0;
}

static int f_create(const struct repo *r, const char *uuid, const struct xns_create_opts *o)
{
    char t[1200];
    f_target(r, uuid, o->format, t, sizeof(t));
    return xns_create(t, o);
}

static int f_remove(const struct repo *r, const char *uuid, enum xns_format fmt)
{
    char t[1200];
    f_target(r, uuid, fmt, t, sizeof(t));
    if (unlink(t) < 0 && errno != ENOENT)
        return xns_fail(-errno, "%s: cannot remove: %s", t, strerror(errno));
    return 0;
}

static int f_rename(const struct repo *r, const char *from, const char *to, enum xns_format fmt)
{
    char a[1200], b[1200];
    f_target(r, from, fmt, a, sizeof(a));
    f_target(r, to, fmt, b, sizeof(b));
    /* link + unlink rather than rename: never replaces an existing image. */
    if (link(a, b) < 0)
        return xns_fail(-errno, "%s: cannot rename to %s: %s", a, b, strerror(errno));
    int dfd = open(r->location, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (unlink(a) < 0 || (dfd >= 0 && fsync(dfd) < 0)) {
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        return xns_fail(-e, "%s: cannot rename: %s", a, strerror(e));
    }
    if (dfd >= 0)
        close(dfd);
    return 0;
}

static int f_set_meta(const struct repo *r, const char *uuid, enum xns_format fmt,
                      const char *name, bool ro)
{
    (void)fmt;
    struct meta m;
    int rc = meta_load(r->location, &m);
    if (rc < 0)
        return rc;
    size_t i;
    for (i = 0; i < m.n; i++)
        if (strcmp(m.vdis[i].uuid, uuid) == 0)
            break;
    if (i == m.n) {
        struct meta_vdi *nv = realloc(m.vdis, (m.n + 1) * sizeof(*nv));
        if (!nv) {
            free(m.vdis);
            return -ENOMEM;
        }
        m.vdis = nv;
        snprintf(m.vdis[m.n++].uuid, sizeof(nv->uuid), "%s", uuid);
    }
    snprintf(m.vdis[i].name, sizeof(m.vdis[i].name), "%s", name);
    m.vdis[i].read_only = ro;
    rc = meta_save(r->location, &m);
    free(m.vdis);
    return rc;
}

static int f_del_meta(const struct repo *r, const char *uuid)
{
    struct meta m;
    int rc = meta_load(r->location, &m);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < m.n; i++)
        if (strcmp(m.vdis[i].uuid, uuid) == 0)
            m.vdis[i] = m.vdis[--m.n];
    rc = meta_save(r->location, &m);
    free(m.vdis);
    return rc;
}

static int f_grow(const struct repo *r, const char *uuid, enum xns_format fmt, uint64_t size)
{
    (void)r, (void)uuid, (void)fmt, (void)size;
    return 0; /* a file grows by itself */
}

static int f_journal_get(const struct repo *r, char *buf, size_t len)
{
    char path[1200], *text;
    meta_path(r->location, JOURNAL, path, sizeof(path));
    buf[0] = '\0';
    int rc = read_file(path, &text);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return xns_fail(rc, "%s: %s", path, strerror(-rc));
    snprintf(buf, len, "%s", text);
    free(text);
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static int f_journal_set(const struct repo *r, const char *line)
{
    char path[1200];
    meta_path(r->location, JOURNAL, path, sizeof(path));
    if (!line || !*line) {
        if (unlink(path) < 0 && errno != ENOENT)
            return xns_fail(-errno, "%s: %s", path, strerror(errno));
        return 0;
    }
    char buf[1200];
    int n = snprintf(buf, sizeof(buf), "%s\n", line);
    return write_file_atomic(path, buf, (size_t)n);
}

static int f_destroy(const struct repo *r)
{
    char path[1200];
    meta_path(r->location, META, path, sizeof(path));
    if (unlink(path) < 0 && errno != ENOENT)
        return xns_fail(-errno, "%s: %s", path, strerror(errno));
    f_journal_set(r, NULL);
    if (rmdir(r->location) < 0 && errno != ENOTEMPTY && errno != EEXIST)
        return xns_fail(-errno, "%s: cannot remove: %s", r->location, strerror(errno));
    return 0;
}

const struct store_ops store_file_ops = {
    .list = f_list,
    .target = f_target,
    .create = f_create,
    .remove = f_remove,
    .rename = f_rename,
    .set_meta = f_set_meta,
    .del_meta = f_del_meta,
    .grow = f_grow,
    .journal_get = f_journal_get,
    .journal_set = f_journal_set,
    .destroy = f_destroy,
};
