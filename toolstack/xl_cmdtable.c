#include "config.h"

#include <string.h>

#include "toolstack/xl.h"

const struct xl_cmd xl_cmds[] = {
    {"create", main_create, "Create a domain from config file <ConfigFile>",
     "[options] <ConfigFile> [key=value ...]",
     "  -h, --help             Print this help.\n"
     "  -p                     Leave the domain paused after it is created.\n"
     "  -c                     Connect to the console after the domain is created\n"
     "                         and follow it until the domain stops (Ctrl-]\n"
     "                         detaches); as xl console when xenolith-consoled\n"
     "                         serves it, else xenolithd's log of its output.\n"
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
    {"shutdown", main_shutdown, "Issue a shutdown signal to a domain", "[options] <-a|Domain>",
     "  -h, --help             Print this help.\n"
     "  -a                     Shut down all guest domains.\n"
     "  -w                     Wait for the domains to shut down.\n"
     "  -F                     Stop the domain from the hypervisor if the guest has no\n"
     "                         PV control interface or does not answer.\n"},
    {"reboot", main_reboot, "Issue a reboot signal to a domain", "[options] <Domain>",
     "  -h, --help             Print this help.\n"
     "  -F                     Reboot the domain from the hypervisor if the guest has no\n"
     "                         PV control interface or does not answer.\n"},
    {"pause", main_pause, "Pause execution of a domain", "<Domain>",
     "  -h, --help             Print this help.\n"},
    {"unpause", main_unpause, "Unpause a paused domain", "<Domain>",
     "  -h, --help             Print this help.\n"},
    {"console", main_console, "Attach to domain's console", "[options] <Domain>",
     "  -h, --help             Print this help.\n"
     "  -t <type>              Console type: pv (the only one a PVH domain has).\n"
     "  -n <number>            Console number: 0 (the only one).\n"
     "  -e <escapechar>        Detach on this character (^X for Ctrl-X; default ^]).\n"
     "  Ctrl-] detaches. Without a terminal on stdin the input is copied as is;\n"
     "  the command ends when the domain stops or its console closes.\n"},
    {"info", main_info, "Get information about the Xen host", "[options] [key]",
     "  -h, --help             Print this help.\n"
     "  key                    Print only the value of this key.\n"},
    {"domid", main_domid, "Convert a domain name to domain id", "<DomainName>",
     "  -h, --help             Print this help.\n"},
    {"domname", main_domname, "Convert a domain id to domain name", "<DomainId>",
     "  -h, --help             Print this help.\n"},
    {"uptime", main_uptime, "Print uptime for all/some domains", "[-s] [Domain ...]",
     "  -h, --help             Print this help.\n"
     "  -s                     Short form: no header, the time of day, no seconds.\n"},
    {"dmesg", main_dmesg, "Print the hypervisor's log", "[-c]",
     "  -h, --help             Print this help.\n"
     "  -c, --clear            Accepted for compatibility: the log is printed but\n"
     "                         not cleared.\n"},
    {"sched-credit", main_sched_credit, "Get/set credit scheduler parameters",
     "[-d <Domain> [-w WEIGHT] [-c CAP]]",
     "  -h, --help             Print this help.\n"
     "  -d DOMAIN, --domain=DOMAIN\n"
     "                         Show or set this domain only (default: show all).\n"
     "  -w WEIGHT, --weight=WEIGHT\n"
     "                         Relative CPU share, 1 to 65535 (default 256).\n"
     "  -c CAP, --cap=CAP      Most CPU the domain may use, in % of one CPU;\n"
     "                         0 means no cap.\n"},
    {"mem-set", main_mem_set, "Set the current memory usage for a domain",
     "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>",
     "  -h, --help             Print this help.\n"
     "  Sets memory/target; the guest's balloon driver gives memory back to the\n"
     "  host or takes it again until it has that much. No unit means MiB.\n"},
    {"mem-max", main_mem_max, "Set the maximum amount reservation for a domain",
     "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>",
     "  -h, --help             Print this help.\n"
     "  Sets the most memory the hypervisor lets the domain have and\n"
     "  memory/static-max. It may not go below memory/target.\n"},
    {"vcpu-list", main_vcpu_list, "List the VCPUs for all/some domains", "[Domain, ...]",
     "  -h, --help             Print this help.\n"},
    {"vcpu-set", main_vcpu_set, "Set the number of active VCPUs allowed for the domain",
     "[option] <Domain> <vCPUs>",
     "  -h, --help             Print this help.\n"
     "  -i, --ignore-host      Don't limit the vCPU based on the host CPU count\n"},
    {"rename", main_rename, "Rename a domain", "<Domain> <NewDomainName>",
     "  -h, --help             Print this help.\n"},
    {"block-attach", main_block_attach, "Create a new virtual block device",
     "<Domain> <disk-spec-component(s)>...",
     "  -h, --help             Print this help.\n"
     "  The arguments after the domain make one disk spec\n"
     "  (xl-disk-configuration(5)), joined with commas.\n"},
    {"block-list", main_block_list, "List virtual block devices for a domain", "<Domain(s)>",
     "  -h, --help             Print this help.\n"},
    {"block-detach", main_block_detach, "Destroy a domain's virtual block device",
     "[options] <Domain> <DevId>",
     "  -h, --help             Print this help.\n"
     "  -f, --force            Do not wait for the guest to close the device.\n"
     "  DevId is a vdev (xvdb) or its number (51728).\n"},
    {"network-attach", main_network_attach, "Create a new virtual network device",
     "<Domain> [type=<type>] [mac=<mac>] [bridge=<bridge>] [ip=<ip>] [script=<script>] "
     "[backend=<BackDomain>] [vifname=<name>] [rate=<rate>] [model=<model>] [mtu=<mtu>]",
     "  -h, --help             Print this help.\n"
     "  The arguments after the domain make one vif spec (xl.cfg(5), vif=).\n"},
    {"network-list", main_network_list, "List virtual network interfaces for a domain",
     "<Domain(s)>", "  -h, --help             Print this help.\n"},
    {"network-detach", main_network_detach, "Destroy a domain's virtual network device",
     "<Domain> <DevId|mac>", "  -h, --help             Print this help.\n"},
    {"sr-create", main_sr_create, "Create a storage repository",
     "type=file name=NAME path=DIR | type=lvm name=NAME device=DEV",
     "  -h, --help             Print this help.\n"
     "  type=file path=DIR     A directory of VHD files (empty or new).\n"
     "  type=lvm device=DEV    A volume group VG_XenStorage-<uuid> on DEV.\n"},
    {"sr-introduce", main_sr_introduce, "Register an existing storage repository",
     "type=file name=NAME path=DIR | type=lvm name=NAME vg=VG",
     "  -h, --help             Print this help.\n"
     "  vg=VG                  Any volume group, also one made by hand.\n"},
    {"sr-list", main_sr_list, "List the storage repositories known here", "[options]",
     "  -h, --help             Print this help.\n"
     "  -l, --long             Print them as JSON.\n"},
    {"sr-destroy", main_sr_destroy, "Destroy a storage repository", "[options] <SR>",
     "  -h, --help             Print this help.\n"
     "  -f                     Destroy its VDIs too.\n"},
    {"sr-scan", main_sr_scan, "Resynchronise a storage repository with its images", "<SR>",
     "  -h, --help             Print this help.\n"},
    {"vdi-create", main_vdi_create, "Create a virtual disk image",
     "<SR> name=NAME size=SIZE [format=vhd|raw]",
     "  -h, --help             Print this help.\n"
     "  size=SIZE              Bytes, or with a K, M, G or T suffix; rounded up to 2M.\n"
     "  format=vhd|raw         A dynamic VHD (default) or a raw image.\n"},
    {"vdi-list", main_vdi_list, "List the VDIs of a storage repository", "[options] <SR>",
     "  -h, --help             Print this help.\n"
     "  -l, --long             Print them as JSON.\n"},
    {"vdi-clone", main_vdi_clone, "Make a writable copy of a VDI in O(1)",
     "<SR> <VDI> [name=NAME]",
     "  -h, --help             Print this help.\n"
     "  name=NAME              The clone's name (default: <VDI>-clone).\n"},
    {"vdi-snapshot", main_vdi_snapshot, "Make a read-only snapshot of a VDI in O(1)",
     "<SR> <VDI> [name=NAME]",
     "  -h, --help             Print this help.\n"
     "  name=NAME              The snapshot's name (default: <VDI>-snapshot).\n"},
    {"vdi-resize", main_vdi_resize, "Grow a VDI", "<SR> <VDI> <SIZE>",
     "  -h, --help             Print this help.\n"},
    {"vdi-destroy", main_vdi_destroy, "Destroy a VDI", "<SR> <VDI>",
     "  -h, --help             Print this help.\n"},
    {"vdi-coalesce", main_vdi_coalesce, "Merge a VDI into its hidden base", "<SR> <VDI>",
     "  -h, --help             Print this help.\n"},
    {"vdi-copy", main_vdi_copy, "Copy a VDI into a storage repository",
     "[options] <SR> <VDI> <DEST-SR> [name=NAME] [format=vhd|raw]",
     "  -h, --help             Print this help.\n"
     "  -q                     No progress bar.\n"},
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
