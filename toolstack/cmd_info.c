/* xl info: the host, in xl's "key                    : value" layout,
 * which cluster managers parse. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

/* With a key given (xl info free_memory), only that value is printed. */
static const char *only_key;

static void field(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void field(const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!only_key) {
        printf("%-23s: ", key);
        vprintf(fmt, ap);
        putchar('\n');
    } else if (strncmp(key, only_key, strlen(only_key)) == 0) {
        vprintf(fmt, ap);
        putchar('\n');
    }
    va_end(ap);
}

int main_info(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 0, &rc))
        return rc;
    only_key = optind < argc ? argv[optind] : NULL;

    struct xnl_ctx *ctx = xl_ctx();
    if (!ctx)
        return 1;
    xenctl *xc = xnl_xenctl(ctx);
    struct privcmd_hostinfo hi;
    if (xenctl_host_info(xc, &hi) < 0) {
        xl_err("cannot get host information: %s", xenctl_error(xc));
        xnl_ctx_close(ctx);
        return 1;
    }
    xnl_ctx_close(ctx);
    hi.xen_extra[sizeof(hi.xen_extra) - 1] = '\0';
    hi.xen_caps[sizeof(hi.xen_caps) - 1] = '\0';
    hi.xen_changeset[sizeof(hi.xen_changeset) - 1] = '\0';

    struct utsname u;
    if (uname(&u) == 0) {
        field("host", "%s", u.nodename);
        field("release", "%s", u.release);
        field("version", "%s", u.version);
        field("machine", "%s", u.machine);
    }
    field("nr_cpus", "%u", hi.nr_cpus);
    field("cpu_mhz", "%u.%03u", hi.cpu_khz / 1000, hi.cpu_khz % 1000);
    field("total_memory", "%" PRIu64, hi.total_memory_kib / 1024);
    field("free_memory", "%" PRIu64, hi.free_memory_kib / 1024);
    field("xen_major", "%u", hi.xen_major);
    field("xen_minor", "%u", hi.xen_minor);
    field("xen_extra", "%s", hi.xen_extra);
    field("xen_version", "%u.%u%s", hi.xen_major, hi.xen_minor, hi.xen_extra);
    field("xen_caps", "%s", hi.xen_caps);
    field("xen_pagesize", "%u", 4096u);
    field("xen_changeset", "%s", hi.xen_changeset);
    /* Tools check this to tell xl from the old xm; xl prints 4. */
    field("xend_config_format", "%d", 4);
    return 0;
}
