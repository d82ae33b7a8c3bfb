/* What xlcfg.c (parsing) and xlcfg_get.c (typed reads) share. */
#ifndef XENOLITH_XLCFG_INT_H
#define XENOLITH_XLCFG_INT_H

#include "toolstack/xlcfg.h"

struct xlcfg_setting {
    char *key;
    struct xlcfg_value *value;
    const char *source; /* one of xlcfg.sources */
    int line;           /* of the statement that last set or extended it */
};

struct xlcfg {
    /* One entry per key, in the order keys first appeared. */
    struct xlcfg_setting *settings;
    size_t nsettings, capsettings;
    char **sources;
    size_t nsources;
    char err[512];
};

int xlcfg_fail(xlcfg *cfg, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct xlcfg_setting *xlcfg_find(const xlcfg *cfg, const char *key);
void xlcfg_value_free(struct xlcfg_value *v);

#endif
