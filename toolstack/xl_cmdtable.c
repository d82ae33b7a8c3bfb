#include "config.h"

#include <string.h>

#include "toolstack/xl.h"

const struct xl_cmd xl_cmds[] = {
    {"create", main_create, "Create a domain from config file <ConfigFile>",
     "[options] <ConfigFile> [key=value ...]",
     "  -h, --help             Print this help.\n"
     "  -p                     Leave the domain paused after it is created.\n"
     "  -c                     Connect to the console after the domain is created\n"
     "                         and follow it until the domain stops.\n"
     "  -f FILE, --defconfig=FILE\n"
     "                         Use the given configuration file.\n"
     "  -n, --dryrun           Parse the configuration, print it as JSON and\n"
     "                         create nothing.\n"
     "  -q, --quiet            Quiet: do not print \"Parsing config from\".\n"
     "  -F                     Run the domain monitor in the foreground until the\n"
     "                         domain is gone.\n"
     "  -e                     Do not leave a monitor behind: on_poweroff, on_reboot\n"
     "                         and on_crash are not carried out.\n"
     "  key=value              Extra settings, read after the file so they\n"
     "                         override it (KEY+=VALUE appends).\n"},
    {"list", main_list, "List information about all/some domains", "[options] [Domain ...]",
     "  -h, --help             Print this help.\n"
     "  -l, --long             Print the domains and their configs as JSON.\n"
     "  -v, --verbose          Also print the UUID and shutdown reason code.\n"},
    {"destroy", main_destroy, "Terminate a domain immediately", "[options] <Domain>",
     "  -h, --help             Print this help.\n"
     "  -f                     Accepted for compatibility; has no effect.\n"},
    {"info", main_info, "Get information about the Xen host", "[options] [key]",
     "  -h, --help             Print this help.\n"
     "  key                    Print only the value of this key.\n"},
    {"domid", main_domid, "Convert a domain name to domain id", "<DomainName>",
     "  -h, --help             Print this help.\n"},
    {"domname", main_domname, "Convert a domain id to domain name", "<DomainId>",
     "  -h, --help             Print this help.\n"},
    {"help", main_help, "Print this help", "[command]",
     "  command                Print the help of this command.\n"},
};
const int xl_ncmds = (int)(sizeof(xl_cmds) / sizeof(xl_cmds[0]));

const struct xl_cmd *xl_find_cmd(const char *name)
{
    for (int i = 0; i < xl_ncmds; i++)
        if (strcmp(xl_cmds[i].name, name) == 0)
            return &xl_cmds[i];
    return NULL;
}

void xl_usage(FILE *f)
{
    fprintf(f, "Usage xl [-v] [-h] <subcommand> [args]\n\n"
               "xl full list of subcommands:\n\n");
    for (int i = 0; i < xl_ncmds; i++)
        fprintf(f, " %-19s %s\n", xl_cmds[i].name, xl_cmds[i].summary);
    fprintf(f, "\nRun 'xl <subcommand> --help' for a subcommand's options.\n"
               "The daemon is reached through $XENOLITH_RUNDIR (default /run/xenolith).\n");
}

void xl_cmd_help(const struct xl_cmd *cmd, FILE *f)
{
    fprintf(f, "Usage: xl %s %s\n\n%s.\n\nOptions:\n\n%s", cmd->name, cmd->usage, cmd->summary,
            cmd->options);
}
