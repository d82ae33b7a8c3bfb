/* Small yajl helpers shared by the commands that print JSON. */
#ifndef XENOLITH_JSON_UTIL_H
#define XENOLITH_JSON_UTIL_H

#include <stdio.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* A generator that indents as xl's output does. NULL on no memory. */
yajl_gen json_gen_new(void);
yajl_gen_status json_str(yajl_gen g, const char *s);
yajl_gen_status json_key_str(yajl_gen g, const char *key, const char *val);
yajl_gen_status json_key_int(yajl_gen g, const char *key, long long val);
/* Re-emits a parsed tree (for configs stored by xl create). */
yajl_gen_status json_gen_tree(yajl_gen g, yajl_val v);
/* Writes the generator's buffer and a newline to f. 0 or -1. */
int json_print(yajl_gen g, FILE *f);

#endif
