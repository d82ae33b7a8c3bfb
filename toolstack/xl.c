/* xl: the Xenolith toolstack's command line, in the shape of Xen's xl. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

int main_help(int argc, char **argv)
{
    if (argc > 1) {
        const struct xl_cmd *cmd = xl_find_cmd(argv[1]);
        if (!cmd) {
            xl_err("unknown command '%s'", argv[1]);
            xl_usage(stderr);
            return 2;
        }
        xl_cmd_help(cmd, stdout);
        return 0;
    }
    xl_usage(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    /* Global options come before the subcommand, as in xl. -v is taken
     * for compatibility; there is no extra logging to turn on yet. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            xl_usage(stdout);
            return 0;
        }
        if (strspn(argv[i] + 1, "v") != strlen(argv[i] + 1) || !argv[i][1]) {
            xl_err("unknown global option '%s'", argv[i]);
            xl_usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        xl_usage(stderr);
        return 2;
    }
    const struct xl_cmd *cmd = xl_find_cmd(argv[i]);
    if (!cmd) {
        xl_err("command '%s' not implemented", argv[i]);
        xl_usage(stderr);
        return 2;
    }
    xl_opt_reset();
    int rc = cmd->fn(argc - i, argv + i);
    if (fflush(stdout) != 0 && rc == 0)
        rc = 1;
    return rc;
}
