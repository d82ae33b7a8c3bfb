/*
 * xlcfg: the xl.cfg(5) language. A config is a set of KEY = VALUE
 * settings read from one or more sources (a file, then the key=value
 * arguments of the command line); later settings of a key replace earlier
 * ones, and KEY += VALUE extends the earlier string or list.
 *
 * Every function that can fail returns 0 or -errno and leaves a message in
 * xlcfg_error() that names the source, the line and what was wrong, in
 * the form "guest.cfg:3: expected a value after '=' for key \"memory\"".
 */
#ifndef XENOLITH_XLCFG_H
#define XENOLITH_XLCFG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct xlcfg xlcfg;

enum xlcfg_type {
    XLCFG_STRING, /* quoted text, escapes already resolved */
    XLCFG_NUMBER, /* unquoted [0-9][0-9a-fx]*, kept as written */
    XLCFG_LIST,
};

struct xlcfg_value {
    enum xlcfg_type type;
    char *text;                  /* STRING and NUMBER */
    struct xlcfg_value **items;  /* LIST */
    size_t count;
};

xlcfg *xlcfg_new(void);
void xlcfg_free(xlcfg *cfg);
const char *xlcfg_error(const xlcfg *cfg);

/* Adds the statements of text (len bytes, NULs not allowed) read from
 * source, whose lines are numbered from first_line. */
int xlcfg_parse_text(xlcfg *cfg, const char *source, const char *text,
                     size_t len, int first_line);
/* Reads and parses a file; errors are reported under its path. */
int xlcfg_parse_file(xlcfg *cfg, const char *path);
/* One "key=value" command-line argument, reported as source
 * "<command line>" at line argno. */
int xlcfg_parse_arg(xlcfg *cfg, const char *arg, int argno);

/* The current value of key, or NULL. *source and *line (either may be
 * NULL) tell where it was last set. */
const struct xlcfg_value *xlcfg_lookup(const xlcfg *cfg, const char *key,
                                       const char **source, int *line);

/* The first source parsed (normally the config file), for messages
 * about keys that are missing; "<config>" before any. */
const char *xlcfg_main_source(const xlcfg *cfg);

/* Number of distinct keys and the i-th key in first-set order, for dumps. */
size_t xlcfg_key_count(const xlcfg *cfg);
const char *xlcfg_key_at(const xlcfg *cfg, size_t i);

/*
 * Typed getters: 0 on success, -ENOENT (no message) when the key is not
 * set, -EINVAL or -ERANGE with a message when it is set to the wrong kind
 * of value. *out points into cfg and lives as long as it.
 */
int xlcfg_get_string(xlcfg *cfg, const char *key, const char **out);
/* Accepts a number, or, as xl does, a quoted string that holds one. */
int xlcfg_get_int(xlcfg *cfg, const char *key, long long min, long long max,
                  long long *out);
/* A number: 0 is false, anything else true. */
int xlcfg_get_bool(xlcfg *cfg, const char *key, bool *out);
/* A list of strings; *out is a malloc'd array of count pointers into cfg
 * (free only the array). An empty list gives count 0 and *out NULL. */
int xlcfg_get_string_list(xlcfg *cfg, const char *key, const char ***out,
                          size_t *count);

/* Parses a NUMBER token as xl does: decimal, octal with a leading 0, hex
 * with 0x. 0 or -EINVAL (malformed) or -ERANGE. */
int xlcfg_number_value(const char *text, long long *out);

#endif
