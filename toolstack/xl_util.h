/* Helpers every xl command uses: messages, options, reaching the daemon,
 * finding a domain by name or id. */
#ifndef XENOLITH_XL_UTIL_H
#define XENOLITH_XL_UTIL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "dom0/xenctl.h"
#include "toolstack/lib/xnl.h"

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

/* The library's context for a command: connects to xenolithd through
 * $XENOLITH_RUNDIR, its warnings printed as xl's; NULL after a message. */
struct xnl_ctx *xl_ctx(void);

/* Finds a domain by name or id; 0, or -errno after printing why
 * ("xl: domain 'X' does not exist"). */
int xl_find_domain(struct xnl_ctx *ctx, const char *arg, struct privcmd_dominfo *out);

/* xl_ctx and xl_find_domain at once: the context, or NULL after a
 * message (nothing left open). */
struct xnl_ctx *xl_ctx_domain(const char *arg, struct privcmd_dominfo *info);

/* Every domain, names terminated; 0, or 1 after "cannot list domains". */
int xl_domain_list(struct xnl_ctx *ctx, struct privcmd_dominfo **list, size_t *n);

/* What pause, unpause and destroy are: find the domain arg names and
 * call op on it. 0, or 1 after a message. */
int xl_domain_do(const char *arg, int (*op)(struct xnl_ctx *ctx, uint32_t domid));

/* For the device commands: the domain arg names (not Domain-0, which has
 * no frontends here), with XenStore reachable. 0, or 1 after a message. */
int xl_device_domain(struct xnl_ctx *ctx, const char *arg, uint32_t *domid);
/* xl_ctx and xl_device_domain at once: NULL after a message. */
struct xnl_ctx *xl_device_open(const char *arg, uint32_t *domid);

/* A device spec's parser: 0, or -1 with the reason in err. */
typedef int xl_spec_parse_fn(const char *spec, void *out, char *err, size_t errlen);
/* argv[from..argc) joined with commas, as xl joins the words of a device
 * spec, and parsed into out; 0, or 1 after a message. */
int xl_parse_spec(int argc, char **argv, int from, xl_spec_parse_fn *parse, void *out);

/* What an attach command attaches: how its spec parses, how it is added
 * to a domain (0, or 1 after a message) and how it is freed. */
struct xl_attach {
    xl_spec_parse_fn *parse;
    int (*add)(struct xnl_ctx *ctx, uint32_t domid, void *spec);
    void (*free)(void *spec);
};
/* The attach commands: at least nargs arguments, the domain and then the
 * spec's words, which a parses into spec; then the device is added to
 * that domain. 0, or 1 (2 for a usage error) after a message. */
int xl_device_attach(int argc, char **argv, int nargs, const struct xl_attach *a, void *spec);

/* One line of a device list: device devid of domain domid. */
#define XL_DEVICE_ROWS_MAX 256
typedef void xl_device_row_fn(struct xnl_ctx *ctx, uint32_t domid, uint32_t devid);
/* The list commands, after their header: row for each device of type
 * (up to max, at most XL_DEVICE_ROWS_MAX) of each domain the arguments name. 0, or 1 when an
 * argument named no domain whose devices can be listed (after a message;
 * the others are still listed). */
int xl_device_rows(int argc, char **argv, const char *type, unsigned max, xl_device_row_fn *row);

/* The domain arg names (by name or id) in list; NULL when none. */
const struct privcmd_dominfo *xl_domain_in_list(const struct privcmd_dominfo *list, size_t n,
                                                const char *arg);

#endif
