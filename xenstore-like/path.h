/*
 * XenStore paths: validation and resolution of relative paths against a
 * domain's home, /local/domain/<domid> (docs/misc/xenstore.txt).
 */
#ifndef XENOLITH_XS_PATH_H
#define XENOLITH_XS_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstore-like/xs_wire.h"

/* Room for any resolved path and its NUL. */
#define XS_PATH_BUF (XENSTORE_ABS_PATH_MAX + 1)

enum xs_path_flags {
    XS_PATH_SPECIAL_OK = 1, /* "@name" is accepted (watches, perms) */
};

/*
 * Resolves `in` (absolute, or relative to domid's home) into `out`, which
 * holds XS_PATH_BUF bytes. *relative says whether it was relative.
 * Returns 0 or EINVAL (bad characters, empty, doubled or trailing slash,
 * too long).
 */
int xs_path_resolve(const char *in, uint32_t domid, unsigned flags, char *out, bool *relative);

/* /local/domain/<domid> into buf; its length. */
size_t xs_domain_home(uint32_t domid, char *buf, size_t len);

/* True when `path` is `ancestor` or below it ("/" is everyone's). */
bool xs_path_under(const char *path, const char *ancestor);

#endif
