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

/* One option of a command, for xl_args. */
struct xl_opt {
    int opt;            /* its letter */
    const char *name;   /* its long name, or NULL */
    bool *flag;         /* an option without a value: set true when given (NULL: ignored) */
    const char **value; /* an option with a value: where the value goes */
};
/* A table entry: a flag (set, NULL to accept and ignore it), or an
 * option with a value; long is NULL where xl has no long name. */
#define XL_FLAG(letter, long, set) {(letter), (long), (set), NULL}
#define XL_VALUE(letter, long, value) {(letter), (long), NULL, (value)}

/*
 * Every command's options and arguments: parses argv by opts (ended by
 * an entry with opt 0; NULL for none; -h/--help is always there and
 * prints the command's help), then requires at least nargs arguments
 * after the options, at argv[optind]. True to go on; false when the
 * command should return *rc now (0 after -h, 2 after a usage error,
 * which has been printed with the command's help).
 */
bool xl_args(int argc, char **argv, const struct xl_opt *opts, int nargs, int *rc);
/* Makes the next xl_args start at argv[1]. */
void xl_opt_reset(void);
/* 0 when at least n arguments remain after the options; else prints the
 * command's help and returns 2, xl's code for a usage error. For a
 * command that checks its option values before its arguments. */
int xl_need_args(int argc, char **argv, int n);

/* Connects to xenolithd through $XENOLITH_RUNDIR; prints why not. */
xenctl *xl_open(void);

/* True when s is all digits, so a domain id rather than a name. */
bool xl_is_domid(const char *s);
/* Finds a domain by name or id. 0, or -ESRCH / -errno after printing
 * "xl: domain 'X' does not exist" or the daemon's message. */
int xl_find_domain(xenctl *xc, const char *arg, struct privcmd_dominfo *out);

/* argv[from..argc) joined with commas, as xl joins the words of a device
 * spec; malloc'd, or NULL after a message. */
char *xl_join_args(int argc, char **argv, int from);

#endif
