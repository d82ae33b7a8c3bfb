#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/consoled/logfile.h"
#include "dom0/fd_io.h"

static int open_current(struct cons_log *l)
{
    l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (l->fd < 0)
        return -errno;
    struct stat st;
    l->size = fstat(l->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    return 0;
}

int cons_log_open(struct cons_log *l, const char *path, uint64_t max)
{
    memset(l, 0, sizeof(*l));
    l->fd = -1;
    l->max = max;
    if ((size_t)snprintf(l->path, sizeof(l->path), "%s", path) >= sizeof(l->path))
        return -ENAMETOOLONG;
    return max ? open_current(l) : 0;
}

static int rotate(struct cons_log *l)
{
    char old[sizeof(l->path) + 2];
    snprintf(old, sizeof(old), "%s.1", l->path);
    close(l->fd);
    l->fd = -1;
    if (rename(l->path, old) < 0 && errno != ENOENT)
        return -errno;
    l->rotations++;
    return open_current(l);
}

int cons_log_write(struct cons_log *l, const char *buf, size_t n)
{
    if (!l->max || n == 0)
        return 0;
    if (n > l->max) {
        buf += n - l->max;
        n = (size_t)l->max;
    }
    if (l->fd < 0 || l->size + n > l->max) {
        int rc = l->size ? rotate(l) : (l->fd < 0 ? open_current(l) : 0);
        if (rc < 0)
            return rc;
    }
    int rc = fd_write_all(l->fd, buf, n);
    if (rc < 0)
        return rc;
    l->size += n;
    return 0;
}

void cons_log_close(struct cons_log *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}
