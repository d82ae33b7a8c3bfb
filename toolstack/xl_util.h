/* Helpers every xl command uses: messages, options, reaching the daemon,
 * finding a domain by name or id. */
#ifndef XENOLITH_XL_UTIL_H
#define XENOLITH_XL_UTIL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "dom0/xenctl.h"

/* "xl: <message>\n" on stderr. */
void xl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* getopt_long for a command, with -h/--help and bad options handled:
 * returns the option, -1 at the end of the options, or XL_OPT_EXIT when
 * the command should return *rc now. Call with optind reset (see
 * xl_opt_reset) before the first option. */
#define XL_OPT_EXIT (-2)
void xl_opt_reset(void);
int xl_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
              int *rc);
/* 0 when at least n arguments remain after the options; else prints the
 * command's help and returns 2, xl's code for a usage error. */
int xl_need_args(int argc, char **argv, int n);

/* Connects to xenolithd through $XENOLITH_RUNDIR; prints why not. */
xenctl *xl_open(void);

/* True when s is all digits, so a domain id rather than a name. */
bool xl_is_domid(const char *s);
/* Finds a domain by name or id. 0, or -ESRCH / -errno after printing
 * "xl: domain 'X' does not exist" or the daemon's message. */
int xl_find_domain(xenctl *xc, const char *arg, struct privcmd_dominfo *out);

/* For a command whose only option is -h/--help: true (and *rc 0) when
 * at least n arguments follow, else false with the exit code in *rc. */
bool xl_plain_args(int argc, char **argv, int n, int *rc);

/* argv[from..argc) joined with commas, as xl joins the words of a device
 * spec; malloc'd, or NULL after a message. */
char *xl_join_args(int argc, char **argv, int from);

#endif
