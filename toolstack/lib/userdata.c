#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dom0/rundir.h"
#include "toolstack/domain_config_json.h"
#include "toolstack/json_util.h"
#include "toolstack/lib/userdata.h"
#include "toolstack/xluuid.h"
#include "dom0/fd_io.h"

#define USERDATA_MAX (1 << 20)

static int path_of(const char *rundir, uint32_t domid, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/xl/domain-%u.json", rundir, domid);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Writes what g holds as the domain's file, replacing it atomically. */
static int save_gen(const char *rundir, uint32_t domid, yajl_gen g)
{
    char dir[4096], path[4096], tmp[4200];
    snprintf(dir, sizeof(dir), "%s/xl", rundir);
    int rc = rundir_mkdirs(dir, 0755);
    if (rc < 0)
        return rc;
    if ((rc = path_of(rundir, domid, path, sizeof(path))) < 0)
        return rc;
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    const unsigned char *buf;
    size_t len;
    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
        return -ENOMEM;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    rc = fd_write_all(fd, buf, len);
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

int userdata_save(const char *rundir, uint32_t domid, const struct domain_config *dc)
{
    yajl_gen g = json_gen_new();
    if (!g)
        return -ENOMEM;
    int rc = domain_config_gen_json(g, dc) == yajl_gen_status_ok ? save_gen(rundir, domid, g)
                                                                 : -ENOMEM;
    yajl_gen_free(g);
    return rc;
}

int userdata_set_name(const char *rundir, uint32_t domid, const uint8_t uuid[16],
                      const char *name)
{
    yajl_val tree = userdata_load(rundir, domid, uuid);
    if (!tree)
        return -ENOENT;
    static const char *name_path[] = {"c_info", "name", NULL};
    yajl_val v = yajl_tree_get(tree, name_path, yajl_t_string);
    char *copy = strdup(name);
    int rc = -ENOMEM;
    if (v && copy) {
        free(v->u.string);
        v->u.string = copy;
        copy = NULL;
        yajl_gen g = json_gen_new();
        if (g && json_gen_tree(g, tree) == yajl_gen_status_ok)
            rc = save_gen(rundir, domid, g);
        if (g)
            yajl_gen_free(g);
    } else if (!v) {
        rc = -EINVAL;
    }
    free(copy);
    yajl_tree_free(tree);
    return rc;
}

static char *read_small_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = malloc(USERDATA_MAX + 1);
    size_t len = 0;
    while (buf && len < USERDATA_MAX) {
        ssize_t n = read(fd, buf + len, USERDATA_MAX - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        len += (size_t)n;
    }
    close(fd);
    if (buf)
        buf[len] = '\0';
    return buf;
}

yajl_val userdata_load(const char *rundir, uint32_t domid, const uint8_t uuid[16])
{
    char path[4096];
    if (path_of(rundir, domid, path, sizeof(path)) < 0)
        return NULL;
    char *text = read_small_file(path);
    if (!text)
        return NULL;
    yajl_val tree = yajl_tree_parse(text, NULL, 0);
    free(text);
    if (!tree)
        return NULL;
    static const char *uuid_path[] = {"c_info", "uuid", NULL};
    yajl_val u = yajl_tree_get(tree, uuid_path, yajl_t_string);
    char want[XLUUID_STRLEN + 1];
    xluuid_format(uuid, want);
    if (!u || strcmp(u->u.string, want) != 0) {
        yajl_tree_free(tree);
        return NULL;
    }
    return tree;
}

void userdata_remove(const char *rundir, uint32_t domid)
{
    char path[4096];
    if (path_of(rundir, domid, path, sizeof(path)) == 0)
        unlink(path);
}
