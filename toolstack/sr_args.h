/* What the sr-* and vdi-* commands share: key=value arguments in the
 * manner of xe, sizes, and the repository library's messages. */
#ifndef XENOLITH_SR_ARGS_H
#define XENOLITH_SR_ARGS_H

#include <stdbool.h>

#include "backends/storage/repo/repo.h"

struct kv {
    const char *key;
    const char *val; /* NULL when not given */
};

/* Fills the values of keys listed in kvs from "key=value" arguments
 * argv[from..argc). Prints the error and returns 2 on an unknown key or a
 * word that is not key=value. */
int sr_parse_kv(int argc, char **argv, int from, struct kv *kvs, int nkvs);
/* Finds the SR (name or uuid); prints why not and returns 1. */
int sr_lookup(const char *key, struct repo *r);
int sr_vdi_lookup(const struct repo *r, const char *key, struct vdi *v);
/* "10.0G": the largest unit that keeps the number at least 1. */
void sr_human_size(uint64_t bytes, char *out, size_t len);
/* A progress bar on stderr when it is a terminal. */
void sr_progress(void *ctx, uint64_t done, uint64_t total);

#endif
