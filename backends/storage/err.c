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
    /* Through a local buffer: callers may pass xns_strerror() itself to
     * wrap the message of the failure below them. */
    char msg[sizeof(last_error)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    memcpy(last_error, msg, sizeof(msg));
    return rc;
}

const char *xns_strerror(void)
{
    return last_error[0] ? last_error : "no error";
}
