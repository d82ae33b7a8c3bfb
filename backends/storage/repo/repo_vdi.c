/*
 * VDI operations. Anything that takes more than one atomic step (snapshot,
 * coalesce) writes a journal line first and is then carried out by the
 * same replay code that finishes it after a crash: each step looks at what
 * exists and does only what is still missing, so replaying is always safe.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "backends/storage/internal.h"
#include "backends/storage/repo/repo_store.h"

#define BASE_NAME "base-copy"

void store_uuid_of_target(const char *target, char *uuid, size_t len)
{
    const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    if (strncmp(base, "VHD-", 4) == 0 && strlen(base) == 40)
        base += 4;
    else if (strncmp(base, "LV-", 3) == 0 && strlen(base) == 39)
        base += 3;
    const char *dot = strrchr(base, '.');
    size_t n = dot && (strcmp(dot, ".vhd") == 0 || strcmp(dot, ".raw") == 0) ? (size_t)(dot - base)
                                                                            : strlen(base);
    snprintf(uuid, len, "%.*s", (int)n, base);
}

/* One operation at a time per SR, across processes. */
static int sr_lock(const struct repo *r)
{
    char db[PATH_MAX], path[PATH_MAX + 64];
    repo_db_path(db, sizeof(db));
    char *slash = strrchr(db, '/');
    if (slash)
        *slash = '\0';
    snprintf(path, sizeof(path), "%s/sr-%s.lock", slash ? db : ".", r->uuid);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return xns_fail(-errno, "%s: cannot lock the SR: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX) < 0) {
        close(fd);
        return xns_fail(-errno, "%s: cannot lock the SR: %s", path, strerror(errno));
    }
    return fd;
}

static void sr_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* Objects only: what exists, without opening images. */
static bool exists(const struct repo *r, const char *uuid, enum xns_format fmt)
{
    struct vdi *list;
    size_t n;
    if (store_of(r)->list(r, &list, &n) < 0)
        return false;
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= strcmp(list[i].uuid, uuid) == 0 && list[i].format == fmt;
    free(list);
    return found;
}

static void fill_from_image(struct vdi *v)
{
    struct xns_disk *d;
    struct xns_info in;
    if (xns_open(v->target, v->format, XNS_RDONLY, &d) < 0)
        return;
    if (xns_info(d, &in) == 0) {
        v->size = in.size;
        if (!v->phys)
            v->phys = in.phys_used;
        v->hidden = in.hidden;
        if (in.parent[0])
            store_uuid_of_target(in.parent, v->parent, sizeof(v->parent));
    }
    xns_close(d);
}

int repo_vdi_list(const struct repo *r, struct vdi **list, size_t *n)
{
    int rc = store_of(r)->list(r, list, n);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < *n; i++)
        fill_from_image(&(*list)[i]);
    return 0;
}

int repo_vdi_find(const struct repo *r, const char *key, struct vdi *out)
{
    struct vdi *list;
    size_t n;
    int rc = repo_vdi_list(r, &list, &n), found = 0;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n && !found; i++)
        if (strcmp(list[i].uuid, key) == 0) {
            *out = list[i];
            found = 1;
        }
    for (size_t i = 0; i < n && !found; i++)
        if (strcmp(list[i].name, key) == 0 && !list[i].hidden)
            *out = list[i], found = 1;
    for (size_t i = 0, same = 0; i < n && found == 1 && strcmp(out->uuid, key) != 0; i++)
        if (strcmp(list[i].name, key) == 0 && !list[i].hidden && ++same > 1)
            found = 2;
    free(list);
    if (found == 2)
        return xns_fail(-EINVAL, "SR '%s': several VDIs are named '%s': name it by uuid", r->name,
                        key);
    return found ? 0 : xns_fail(-ENOENT, "SR '%s' has no VDI '%s'", r->name, key);
}

static void new_uuid(char out[37])
{
    uint8_t u[16];
    xns_uuid_generate(u);
    xns_uuid_format(u, out);
}

/* Replays: "snapshot A B S KIND SNAPNAME ANAME"
 *   A     the VDI; its image becomes the base B (rename), then A is made
 *         again as an empty child of B, and S as another child.
 *   KIND  snap (S read-only) or clone */
static int replay_snapshot(const struct repo *r, char *const f[7])
{
    const struct store_ops *ops = store_of(r);
    const char *a = f[1], *b = f[2], *s = f[3], *snapname = f[5], *aname = f[6];
    bool clone = strcmp(f[4], "clone") == 0;
    char bt[1200];
    int rc = 0;
    if (!exists(r, b, XNS_FMT_VHD)) {
        if (!exists(r, a, XNS_FMT_VHD))
            return xns_fail(-ENOENT, "SR '%s': snapshot of %s: neither %s nor its base %s exists",
                            r->name, a, a, b);
        rc = ops->rename(r, a, b, XNS_FMT_VHD);
    }
    ops->target(r, b, XNS_FMT_VHD, bt, sizeof(bt));
    /* Hidden before any child is made: children record the base's footer. */
    if (rc == 0)
        rc = xns_vhd_set_hidden(bt, true);
    struct xns_create_opts o = {.format = XNS_FMT_VHD, .vhd_type = XNS_VHD_DIFF, .parent = bt};
    if (rc == 0 && !exists(r, a, XNS_FMT_VHD))
        rc = ops->create(r, a, &o);
    if (rc == 0 && !exists(r, s, XNS_FMT_VHD))
        rc = ops->create(r, s, &o);
    if (rc == 0)
        rc = ops->set_meta(r, b, XNS_FMT_VHD, BASE_NAME, true);
    if (rc == 0)
        rc = ops->set_meta(r, a, XNS_FMT_VHD, aname, false);
    if (rc == 0)
        rc = ops->set_meta(r, s, XNS_FMT_VHD, snapname, !clone);
    return rc;
}

/* Replays: "coalesce X P XNAME RO"
 *   X's sectors are written into its hidden parent P; X is removed; P is
 *   renamed to X and shown again. */
static int replay_coalesce(const struct repo *r, char *const f[5], xns_progress_fn *progress,
                           void *ctx)
{
    const struct store_ops *ops = store_of(r);
    const char *x = f[1], *p = f[2], *xname = f[3];
    bool ro = strcmp(f[4], "1") == 0;
    char xt[1200];
    int rc = 0;
    bool hx = exists(r, x, XNS_FMT_VHD), hp = exists(r, p, XNS_FMT_VHD);
    ops->target(r, x, XNS_FMT_VHD, xt, sizeof(xt));
    if (hx && hp) {
        rc = xns_coalesce(xt, progress, ctx);
        if (rc == 0)
            rc = ops->remove(r, x, XNS_FMT_VHD);
        hx = false;
    }
    if (rc == 0 && !hx && hp)
        rc = ops->rename(r, p, x, XNS_FMT_VHD);
    if (rc == 0)
        rc = xns_vhd_set_hidden(xt, false);
    if (rc == 0)
        rc = ops->del_meta(r, p);
    if (rc == 0)
        rc = ops->set_meta(r, x, XNS_FMT_VHD, xname, ro);
    return rc;
}

static int split(char *line, char *f[], int max)
{
    int n = 0;
    for (char *t = strtok(line, " "); t && n < max; t = strtok(NULL, " "))
        f[n++] = t;
    return n;
}

static int run_journal(const struct repo *r, const char *line, xns_progress_fn *progress,
                       void *ctx)
{
    char copy[1024], *f[8];
    snprintf(copy, sizeof(copy), "%s", line);
    int n = split(copy, f, 8), rc;
    if (n == 7 && strcmp(f[0], "snapshot") == 0)
        rc = replay_snapshot(r, f);
    else if (n == 5 && strcmp(f[0], "coalesce") == 0)
        rc = replay_coalesce(r, f, progress, ctx);
    else
        return xns_fail(-EINVAL, "SR '%s': unknown journal entry '%s'", r->name, line);
    if (rc < 0) {
        char msg[1100];
        snprintf(msg, sizeof(msg), "%s", xns_strerror());
        return xns_fail(rc, "%s (the operation is journalled: sr-scan finishes it)", msg);
    }
    return store_of(r)->journal_set(r, NULL);
}

/* Finishes what a crash interrupted; every operation starts with it. */
static int recover(const struct repo *r)
{
    char line[1024];
    int rc = store_of(r)->journal_get(r, line, sizeof(line));
    if (rc < 0 || !line[0])
        return rc;
    return run_journal(r, line, NULL, NULL);
}

static int journalled(const struct repo *r, const char *line, xns_progress_fn *progress,
                      void *ctx)
{
    int rc = store_of(r)->journal_set(r, line);
    return rc < 0 ? rc : run_journal(r, line, progress, ctx);
}

#define LOCKED(r, expr)                                                                   \
    ({                                                                                    \
        int lfd_ = sr_lock(r), rc_ = lfd_ < 0 ? lfd_ : recover(r);                       \
        if (rc_ == 0)                                                                     \
            rc_ = (expr);                                                                 \
        sr_unlock(lfd_);                                                                  \
        rc_;                                                                              \
    })

static int vdi_create(const struct repo *r, const char *name, uint64_t size,
                      enum xns_format fmt, struct vdi *out)
{
    if (!repo_name_ok(name))
        return xns_fail(-EINVAL, "'%s' is not a valid VDI name: use 1 to %d letters, digits and "
                        "'._+-'", name, REPO_NAME_MAX);
    if (size == 0 || (fmt == XNS_FMT_VHD && size > (2040ull << 30)))
        return xns_fail(-EINVAL, "size %llu: a VDI is between 1 byte and %s",
                        (unsigned long long)size, fmt == XNS_FMT_VHD ? "2040 GiB" : "the SR's space");
    char uuid[37];
    new_uuid(uuid);
    /* Rounded to 2 MiB, as XenServer does. */
    size = xns_align_up(size, 2u << 20);
    struct xns_create_opts o = {.format = fmt, .vhd_type = XNS_VHD_DYNAMIC, .size = size};
    const struct store_ops *ops = store_of(r);
    int rc = ops->create(r, uuid, &o);
    if (rc == 0)
        rc = ops->set_meta(r, uuid, fmt, name, false);
    if (rc == 0 && out)
        rc = repo_vdi_find(r, uuid, out);
    return rc;
}

int repo_vdi_create(const struct repo *r, const char *name, uint64_t size, enum xns_format fmt,
                    struct vdi *out)
{
    return LOCKED(r, vdi_create(r, name, size, fmt, out));
}

/* Hidden bases no VDI depends on any more. */
static int collect_garbage(const struct repo *r)
{
    for (int changed = 1; changed;) {
        changed = 0;
        struct vdi *list;
        size_t n;
        int rc = repo_vdi_list(r, &list, &n);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < n && !changed; i++) {
            if (!list[i].hidden)
                continue;
            bool used = false;
            for (size_t j = 0; j < n; j++)
                used |= strcmp(list[j].parent, list[i].uuid) == 0;
            if (!used) {
                rc = store_of(r)->remove(r, list[i].uuid, list[i].format);
                if (rc == 0)
                    rc = store_of(r)->del_meta(r, list[i].uuid);
                changed = rc == 0;
            }
        }
        free(list);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int children(const struct repo *r, const char *uuid, int *count)
{
    struct vdi *list;
    size_t n;
    int rc = repo_vdi_list(r, &list, &n);
    if (rc < 0)
        return rc;
    *count = 0;
    for (size_t i = 0; i < n; i++)
        *count += strcmp(list[i].parent, uuid) == 0;
    free(list);
    return 0;
}

static int vdi_destroy(const struct repo *r, const struct vdi *v)
{
    int nchild, rc = children(r, v->uuid, &nchild);
    if (rc < 0)
        return rc;
    if (nchild)
        return xns_fail(-EBUSY, "VDI %s is the base of %d other VDI%s", v->uuid, nchild,
                        nchild == 1 ? "" : "s");
    rc = store_of(r)->remove(r, v->uuid, v->format);
    if (rc == 0)
        rc = store_of(r)->del_meta(r, v->uuid);
    return rc == 0 ? collect_garbage(r) : rc;
}

int repo_vdi_destroy(const struct repo *r, const struct vdi *v)
{
    return LOCKED(r, vdi_destroy(r, v));
}

static int vdi_snapshot(const struct repo *r, const struct vdi *v, const char *name, bool clone,
                        struct vdi *out)
{
    if (!repo_name_ok(name))
        return xns_fail(-EINVAL, "'%s' is not a valid VDI name", name);
    if (v->format != XNS_FMT_VHD)
        return xns_fail(-ENOTSUP, "VDI %s (%s) is raw: snapshots and clones need a vhd VDI "
                        "(vdi-copy it into one first)", v->name, v->uuid);
    if (v->hidden)
        return xns_fail(-EINVAL, "VDI %s is a hidden base copy", v->uuid);
    char b[37], s[37], line[512];
    new_uuid(b);
    new_uuid(s);
    snprintf(line, sizeof(line), "snapshot %s %s %s %s %s %s", v->uuid, b, s,
             clone ? "clone" : "snap", name, v->name);
    int rc = journalled(r, line, NULL, NULL);
    if (rc == 0 && out)
        rc = repo_vdi_find(r, s, out);
    return rc;
}

int repo_vdi_snapshot(const struct repo *r, const struct vdi *v, const char *name, bool clone,
                      struct vdi *out)
{
    return LOCKED(r, vdi_snapshot(r, v, name, clone, out));
}

static int vdi_resize(const struct repo *r, const struct vdi *v, uint64_t size)
{
    size = xns_align_up(size, 2u << 20);
    if (size < v->size)
        return xns_fail(-EINVAL, "VDI %s is %llu bytes: it can grow, not shrink, to %llu",
                        v->name, (unsigned long long)v->size, (unsigned long long)size);
    if (v->format == XNS_FMT_VHD && size > (2040ull << 30))
        return xns_fail(-EINVAL, "a vhd VDI holds at most 2040 GiB");
    int rc = store_of(r)->grow(r, v->uuid, v->format, size);
    return rc < 0 ? rc : xns_resize(v->target, size);
}

int repo_vdi_resize(const struct repo *r, const struct vdi *v, uint64_t size)
{
    return LOCKED(r, vdi_resize(r, v, size));
}

static int vdi_coalesce(const struct repo *r, const struct vdi *v, xns_progress_fn *progress,
                        void *ctx)
{
    if (!v->parent[0])
        return xns_fail(-EINVAL, "VDI %s has no parent: nothing to coalesce", v->name);
    struct vdi p;
    int nchild, rc = repo_vdi_find(r, v->parent, &p);
    if (rc == 0)
        rc = children(r, p.uuid, &nchild);
    if (rc < 0)
        return rc;
    if (!p.hidden)
        return xns_fail(-EINVAL, "the parent of %s is VDI %s, not a hidden base", v->name,
                        p.uuid);
    if (nchild > 1)
        return xns_fail(-EBUSY, "the base under %s has %d children (snapshots or clones): "
                        "destroy the others first", v->name, nchild);
    char line[512];
    snprintf(line, sizeof(line), "coalesce %s %s %s %d", v->uuid, p.uuid, v->name,
             v->read_only);
    return journalled(r, line, progress, ctx);
}

int repo_vdi_coalesce(const struct repo *r, const struct vdi *v, xns_progress_fn *progress,
                      void *ctx)
{
    return LOCKED(r, vdi_coalesce(r, v, progress, ctx));
}

int repo_vdi_copy(const struct repo *r, const struct vdi *v, const struct repo *dst,
                  const char *name, enum xns_format fmt, xns_progress_fn *progress, void *ctx,
                  struct vdi *out)
{
    struct xns_disk *s, *d;
    struct vdi nv;
    int rc = xns_open(v->target, v->format, XNS_RDONLY, &s);
    if (rc < 0)
        return rc;
    rc = repo_vdi_create(dst, name, xns_size(s), fmt, &nv);
    if (rc == 0 && (rc = xns_open(nv.target, nv.format, XNS_RDWR, &d)) == 0) {
        rc = xns_copy(s, d, progress, ctx);
        int crc = xns_close(d);
        rc = rc < 0 ? rc : crc;
    }
    xns_close(s);
    (void)r;
    if (rc == 0 && out)
        *out = nv;
    return rc;
}

static int scan(const struct repo *r)
{
    int rc = collect_garbage(r);
    if (rc < 0)
        return rc;
    /* Every image gets a record: adopted ones are named by their uuid. */
    struct vdi *list;
    size_t n;
    if ((rc = store_of(r)->list(r, &list, &n)) < 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (strcmp(list[i].name, list[i].uuid) == 0 && repo_name_ok(list[i].uuid) &&
            r->type == REPO_FILE)
            rc = store_of(r)->set_meta(r, list[i].uuid, list[i].format, list[i].uuid, false);
    free(list);
    return rc;
}

int repo_scan(const struct repo *r)
{
    return LOCKED(r, scan(r));
}

int repo_resolve_disk(const char *spec, char *target, size_t len, enum xns_format *fmt)
{
    if (strncmp(spec, "sr:", 3) != 0)
        return xns_fail(-EINVAL, "'%s' does not name a VDI (sr:SR/VDI)", spec);
    char sr[256];
    const char *slash = strchr(spec + 3, '/');
    if (!slash || slash == spec + 3 || !slash[1] || (size_t)(slash - spec - 3) >= sizeof(sr))
        return xns_fail(-EINVAL, "'%s': a VDI is named sr:SR/VDI", spec);
    snprintf(sr, sizeof(sr), "%.*s", (int)(slash - spec - 3), spec + 3);
    struct repo r;
    struct vdi v;
    int rc = repo_find(sr, &r);
    if (rc == 0)
        rc = repo_vdi_find(&r, slash + 1, &v);
    if (rc < 0)
        return rc;
    snprintf(target, len, "%s", v.target);
    *fmt = v.format;
    return 0;
}
