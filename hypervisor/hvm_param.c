/* The HVM params' owners (hvm_param.h), as one table. */
#include "config.h"

#include "hypervisor/hvm_param.h"
#include "include/xen_public.h"

#define MAY_READ 1u
#define MAY_SET 2u

/* The toolstack sets the XenStore and console rings up before the guest
 * runs, so those are the toolstack's to set and the guest's to read. The
 * callback is the guest's own choice of how events reach it. A param not
 * listed the guest may neither read nor set, and the toolstack only read. */
static const struct {
    uint8_t guest, toolstack;
} owners[HVM_NR_PARAMS] = {
    [HVM_PARAM_CALLBACK_IRQ] = {.guest = MAY_READ | MAY_SET},
    [HVM_PARAM_STORE_PFN] = {.guest = MAY_READ, .toolstack = MAY_SET},
    [HVM_PARAM_STORE_EVTCHN] = {.guest = MAY_READ, .toolstack = MAY_SET},
    [HVM_PARAM_CONSOLE_PFN] = {.guest = MAY_READ, .toolstack = MAY_SET},
    [HVM_PARAM_CONSOLE_EVTCHN] = {.guest = MAY_READ, .toolstack = MAY_SET},
};

bool hvm_param_allowed(uint32_t index, enum hvm_param_caller who, bool set)
{
    if (index >= HVM_NR_PARAMS)
        return false;
    /* Dom0 may look at every param, as Xen's toolstack may. */
    if (who == HVM_PARAM_BY_TOOLSTACK && !set)
        return true;
    unsigned may = who == HVM_PARAM_BY_GUEST ? owners[index].guest : owners[index].toolstack;
    return may & (set ? MAY_SET : MAY_READ);
}
