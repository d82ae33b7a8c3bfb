#include "config.h"

#include <stdio.h>
#include <string.h>

#include "xenstore-like/path.h"

static bool valid_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '/' || c == '_' || c == '@';
}

size_t xs_domain_home(uint32_t domid, char *buf, size_t len)
{
    int n = snprintf(buf, len, "/local/domain/%u", domid);
    return n < 0 ? 0 : (size_t)n;
}

int xs_path_resolve(const char *in, uint32_t domid, unsigned flags, char *out, bool *relative)
{
    size_t inlen = strlen(in);
    *relative = false;
    if (inlen == 0)
        return EINVAL;
    if (in[0] == '@') {
        /* Special watch names have any syntax but stay within the limit. */
        if (!(flags & XS_PATH_SPECIAL_OK) || inlen > XENSTORE_ABS_PATH_MAX)
            return EINVAL;
        memcpy(out, in, inlen + 1);
        return 0;
    }
    for (size_t i = 0; i < inlen; i++) {
        if (!valid_char(in[i]))
            return EINVAL;
        if (in[i] == '/' && in[i + 1] == '/')
            return EINVAL;
    }
    if (in[inlen - 1] == '/' && inlen > 1)
        return EINVAL;
    size_t base = 0;
    if (in[0] != '/') {
        if (inlen > XENSTORE_REL_PATH_MAX)
            return EINVAL;
        *relative = true;
        base = xs_domain_home(domid, out, XS_PATH_BUF);
        out[base++] = '/';
    }
    if (base + inlen > XENSTORE_ABS_PATH_MAX)
        return EINVAL;
    memcpy(out + base, in, inlen + 1);
    return 0;
}

bool xs_path_under(const char *path, const char *ancestor)
{
    size_t n = strlen(ancestor);
    if (n == 1 && ancestor[0] == '/')
        return path[0] == '/';
    return strncmp(path, ancestor, n) == 0 && (path[n] == '\0' || path[n] == '/');
}
