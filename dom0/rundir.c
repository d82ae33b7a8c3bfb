#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

int rundir_mkdirs(const char *path, unsigned mode)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return -ENAMETOOLONG;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, mode) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(tmp, mode) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}
