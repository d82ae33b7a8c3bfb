/* xl dmesg: the hypervisor's log. On Xen that is the console ring; here
 * it is the file xenolithd writes when it runs detached. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dom0/rundir.h"

#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

int main_dmesg(int argc, char **argv)
{
    bool clear = false;
    const struct xl_opt opts[] = {XL_FLAG('c', "clear", &clear), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 0, &rc))
        return rc;
    /* The file is read directly, not through the daemon, so the log is
     * there to read when xenolithd itself has died. */
    char path[RUNDIR_MAX + 32];
    snprintf(path, sizeof(path), "%s/log/xenolithd.log", rundir_default());
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        if (e == ENOENT)
            xl_err("no hypervisor log at %s: xenolithd writes it only when it runs detached; "
                   "started with -F it logs to its standard error instead",
                   path);
        else
            xl_err("cannot read the hypervisor log %s: %s", path, strerror(e));
        return 1;
    }
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
        if (fwrite(buf, 1, got, stdout) != got)
            break;
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        xl_err("cannot read the hypervisor log %s: %s", path, strerror(errno));
        return 1;
    }
    /* The log belongs to the daemon, which holds it open for appending;
     * truncating it under the daemon is not ours to do. xl's -c still
     * prints first, so scripts that use it keep their output. */
    if (clear)
        xl_warn("-c: clearing the hypervisor log is not supported; %s is left as it is", path);
    return 0;
}
