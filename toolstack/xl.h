/* The xl command table and what every command shares. */
#ifndef XENOLITH_XL_H
#define XENOLITH_XL_H

#include <stdio.h>

struct xl_cmd {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv[0] is the command's name */
    const char *summary;
    const char *usage;   /* after "xl <name> " */
    const char *options; /* one option per line, already indented */
};

extern const struct xl_cmd xl_cmds[];
extern const int xl_ncmds;

const struct xl_cmd *xl_find_cmd(const char *name);
/* "Usage: xl [-v] <subcommand> [args]" and the list of commands. */
void xl_usage(FILE *f);
/* One command's usage and options. */
void xl_cmd_help(const struct xl_cmd *cmd, FILE *f);

int main_create(int argc, char **argv);
int main_list(int argc, char **argv);
int main_destroy(int argc, char **argv);
int main_info(int argc, char **argv);
int main_domid(int argc, char **argv);
int main_domname(int argc, char **argv);
int main_help(int argc, char **argv);
int main_pause(int argc, char **argv);
int main_shutdown(int argc, char **argv);
int main_reboot(int argc, char **argv);
int main_unpause(int argc, char **argv);
int main_uptime(int argc, char **argv);
int main_dmesg(int argc, char **argv);
int main_sched_credit(int argc, char **argv);
/* vbds (cmd_block.c). */
int main_block_attach(int argc, char **argv);
int main_block_detach(int argc, char **argv);
int main_block_list(int argc, char **argv);
/* vifs (cmd_network.c). */
int main_network_attach(int argc, char **argv);
int main_network_detach(int argc, char **argv);
int main_network_list(int argc, char **argv);
int main_mem_set(int argc, char **argv);
int main_mem_max(int argc, char **argv);
int main_vcpu_set(int argc, char **argv);
int main_vcpu_list(int argc, char **argv);
int main_rename(int argc, char **argv);
int main_console(int argc, char **argv);
/* Storage repositories (cmd_sr.c, cmd_vdi.c). */
int main_sr_create(int argc, char **argv);
int main_sr_introduce(int argc, char **argv);
int main_sr_list(int argc, char **argv);
int main_sr_destroy(int argc, char **argv);
int main_sr_scan(int argc, char **argv);
int main_vdi_create(int argc, char **argv);
int main_vdi_list(int argc, char **argv);
int main_vdi_clone(int argc, char **argv);
int main_vdi_snapshot(int argc, char **argv);
int main_vdi_resize(int argc, char **argv);
int main_vdi_destroy(int argc, char **argv);
int main_vdi_coalesce(int argc, char **argv);
int main_vdi_copy(int argc, char **argv);

#endif
