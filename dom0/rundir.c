#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dom0/rundir.h"

const char *rundir_default(void)
{
    const char *env = getenv("XENOLITH_RUNDIR");
    return env && *env ? env : RUNDIR_SYSTEM;
}

int rundir_console_log_path(const char *rundir, uint32_t domid, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/log/console-%u.log", rundir, domid);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int judge(const char *dir, const struct stat *st, bool sticky_ok, char *why, size_t len)
{
    const char *fault = NULL;
    char buf[64];
    if (!S_ISDIR(st->st_mode)) {
        fault = "is not a directory (a symbolic link or a file)";
    } else if (st->st_uid != 0 && st->st_uid != geteuid()) {
        snprintf(buf, sizeof(buf), "is owned by uid %u, not root", (unsigned)st->st_uid);
        fault = buf;
    } else if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
               !(sticky_ok && st->st_uid == 0 && (st->st_mode & S_ISVTX))) {
        snprintf(buf, sizeof(buf), "is writable by group or others (mode %04o)",
                 (unsigned)(st->st_mode & 07777));
        fault = buf;
    }
    if (!fault)
        return 0;
    if (why)
        snprintf(why, len, "%s %s: refusing to keep sockets, pid files and logs there", dir,
                 fault);
    return -EPERM;
}

/* follow: judge what a link leads to (an ancestor such as /var/run). */
static int check_path(const char *dir, bool follow, bool sticky_ok, char *why, size_t len)
{
    struct stat st;
    if ((follow ? stat(dir, &st) : lstat(dir, &st)) < 0) {
        int e = errno;
        if (why)
            snprintf(why, len, "%s: %s", dir, strerror(e));
        return -e;
    }
    return judge(dir, &st, sticky_ok, why, len);
}

int rundir_check(const char *dir, char *why, size_t len)
{
    return check_path(dir, false, false, why, len);
}

/* Makes one directory, or checks the one that is there; `strict`: the
 * directory made and the one holding it (the run directory itself). Above
 * those, a link (/var/run) is judged by what it leads to, and root's
 * sticky /tmp may hold a run directory. */
static int make_one(const char *dir, unsigned mode, bool strict, char *why, size_t len)
{
    if (mkdir(dir, mode) == 0)
        return 0;
    if (errno != EEXIST) {
        int e = errno;
        if (why)
            snprintf(why, len, "cannot create %s: %s", dir, strerror(e));
        return -e;
    }
    return check_path(dir, !strict, !strict, why, len);
}

int rundir_prepare(const char *path, unsigned mode, char *why, size_t len)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        if (why)
            snprintf(why, len, "%.200s...: path too long", path);
        return -ENAMETOOLONG;
    }
    while (n > 1 && tmp[n - 1] == '/')
        tmp[--n] = '\0';
    int rc;
    char *holder = strrchr(tmp, '/');
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if ((rc = make_one(tmp, mode, p == holder, why, len)) < 0)
            return rc;
        *p = '/';
    }
    return make_one(tmp, mode, true, why, len);
}

int rundir_mkdirs(const char *path, unsigned mode)
{
    return rundir_prepare(path, mode, NULL, 0);
}
