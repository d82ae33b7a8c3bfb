/* Per-thread error messages: handles are shared between threads, so the
 * message must not be. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backends/storage/internal.h"

static __thread char last_error[1024];

int xns_fail(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    return rc;
}

const char *xns_strerror(void)
{
    return last_error[0] ? last_error : "no error";
}
