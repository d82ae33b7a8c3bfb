#include "config.h"

#include <stdio.h>
#include <string.h>

#include "xenstore-like/xs_wire.h"

const char *xs_errno_name(int err)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (xsd_errors[i].errnum == err)
            return xsd_errors[i].errstring;
    return "EIO";
}

int xs_errno_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (strcmp(xsd_errors[i].errstring, name) == 0)
            return xsd_errors[i].errnum;
    return 0;
}

const char *xs_type_name(uint32_t type)
{
    /* Indexed by the enum itself, so a renumbering in the header cannot
     * silently mislabel the trace. */
    static const char *const names[XS_TYPE_COUNT] = {
        [XS_CONTROL] = "CONTROL",
        [XS_DIRECTORY] = "DIRECTORY",
        [XS_READ] = "READ",
        [XS_GET_PERMS] = "GET_PERMS",
        [XS_WATCH] = "WATCH",
        [XS_UNWATCH] = "UNWATCH",
        [XS_TRANSACTION_START] = "TRANSACTION_START",
        [XS_TRANSACTION_END] = "TRANSACTION_END",
        [XS_INTRODUCE] = "INTRODUCE",
        [XS_RELEASE] = "RELEASE",
        [XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
        [XS_WRITE] = "WRITE",
        [XS_MKDIR] = "MKDIR",
        [XS_RM] = "RM",
        [XS_SET_PERMS] = "SET_PERMS",
        [XS_WATCH_EVENT] = "WATCH_EVENT",
        [XS_ERROR] = "ERROR",
        [XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
        [XS_RESUME] = "RESUME",
        [XS_SET_TARGET] = "SET_TARGET",
        [XS_RESET_WATCHES] = "RESET_WATCHES",
        [XS_DIRECTORY_PART] = "DIRECTORY_PART",
    };
    if (type < XS_TYPE_COUNT && names[type])
        return names[type];
    return "UNKNOWN";
}
