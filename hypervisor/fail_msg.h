/*
 * The hypervisor's refusals: a negative errno for the caller and a
 * message for the person, written into the caller's buffer.
 */
#ifndef XENOLITH_FAIL_MSG_H
#define XENOLITH_FAIL_MSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

__attribute__((format(printf, 4, 5))) static inline int fail(char *err, size_t errlen, int rc,
                                                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

#endif
