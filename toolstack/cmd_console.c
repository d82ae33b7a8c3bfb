/* xl console: attach to a domain's console through xenolith-consoled. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "toolstack/xl.h"
#include "toolstack/xl_console.h"
#include "toolstack/xl_util.h"

int main_console(int argc, char **argv)
{
    static const struct option opts[] = {{"help", 0, NULL, 'h'}, {0}};
    int opt, rc = 0;
    const char *type = "pv";
    int escape = XL_CONSOLE_ESCAPE;
    while ((opt = xl_getopt(argc, argv, "ht:n:e:", opts, &rc)) != -1) {
        switch (opt) {
        case XL_OPT_EXIT: return rc;
        case 't': type = optarg; break;
        case 'e':
            escape = xl_console_parse_escape(optarg);
            if (escape < 0) {
                xl_err("bad escape character '%s': give one character or ^X for Ctrl-X",
                       optarg);
                return 2;
            }
            break;
        case 'n':
            if (strcmp(optarg, "0") != 0) {
                xl_err("domains have one console here: -n %s does not exist", optarg);
                return 1;
            }
            break;
        }
    }
    if ((rc = xl_need_args(argc, argv, 1)) != 0)
        return rc;
    if (strcmp(type, "pv") != 0) {
        xl_err("console type '%s' is not available: PVH domains have a pv console only (-t pv)",
               type);
        return 1;
    }
    xenctl *xc = xl_open();
    if (!xc)
        return 1;
    struct privcmd_dominfo info;
    rc = xl_find_domain(xc, argv[optind], &info);
    char rundir[4096];
    snprintf(rundir, sizeof(rundir), "%s", xenctl_rundir(xc));
    xenctl_close(xc);
    if (rc < 0)
        return 1;
    if (info.domid == 0) {
        xl_err("Domain-0 has no console to attach to: it is this host");
        return 1;
    }
    return xl_console_attach(rundir, info.domid, info.name, escape);
}
