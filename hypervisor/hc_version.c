#include "config.h"

#include <errno.h>
#include <string.h>

#include "hypervisor/cpuid.h"
#include "hypervisor/hypercall.h"


/* What a translated (PVH/HVM) guest may rely on. */
static const uint32_t features_submap0 =
    (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
    (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock);

static int64_t put_string(struct vcpu *v, uint64_t gva, const char *s, size_t bufsize)
{
    char buf[XEN_CAPABILITIES_INFO_LEN];
    memset(buf, 0, bufsize);
    strncpy(buf, s, bufsize - 1);
    return copy_to_guest(v, gva, buf, bufsize);
}

int64_t hc_xen_version(struct vcpu *v, const uint64_t a[5])
{
    switch (a[0]) {
    case XENVER_version:
        return (XENOLITH_XEN_MAJOR << 16) | XENOLITH_XEN_MINOR;
    case XENVER_extraversion:
        return put_string(v, a[1], XENOLITH_EXTRAVERSION, sizeof(xen_extraversion_t));
    case XENVER_capabilities:
        return put_string(v, a[1], XENOLITH_CAPABILITIES, sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return put_string(v, a[1], XENOLITH_CHANGESET, sizeof(xen_changeset_info_t));
    case XENVER_pagesize:
        return 4096;
    case XENVER_get_features: {
        xen_feature_info_t fi;
        if (copy_from_guest(v, &fi, a[1], sizeof(fi)))
            return -EFAULT;
        if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
            return -EINVAL;
        fi.submap = fi.submap_idx == 0 ? features_submap0 : 0;
        return copy_to_guest(v, a[1], &fi, sizeof(fi));
    }
    default:
        return -ENOSYS;
    }
}
