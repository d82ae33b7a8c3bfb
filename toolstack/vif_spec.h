/*
 * One entry of xl.cfg's vif= list (and of xl network-attach), in the
 * syntax of xl-network-configuration(5): comma-separated key=value
 * pairs, all optional, an empty spec valid. Defaults as xl: a random MAC
 * in Xen's 00:16:3e range, bridge xenbr0, script vif-bridge, type vif.
 * rate= ("10Mb/s@20ms") becomes the backend's credit per interval.
 */
#ifndef XENOLITH_VIF_SPEC_H
#define XENOLITH_VIF_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIF_DEFAULT_BRIDGE "xenbr0"
#define VIF_DEFAULT_SCRIPT "vif-bridge"
/* xl's interval when rate= names none. */
#define VIF_DEFAULT_RATE_INTERVAL_US 50000u

struct vif_spec {
    int32_t devid;       /* -1: the next free one (devid= sets it) */
    uint8_t mac[6];
    bool mac_given;
    char *bridge;
    char *ip;            /* NULL when not given */
    char *script;
    char *vifname;       /* NULL: vif<domid>.<devid> */
    char *model;         /* accepted for HVM guests, unused by PVH */
    char *type;          /* "vif" or "ioemu" */
    char *gatewaydev;    /* accepted, for vif-route scripts */
    uint64_t rate_bytes; /* per rate_usecs; 0: unlimited */
    uint32_t rate_usecs;
    uint32_t mtu;        /* 0: the bridge's */
};

/* Parses spec; 0, or -EINVAL with a message in err (the caller prefixes
 * file and line). A MAC is generated unless given. On failure out is
 * left empty. */
int vif_spec_parse(const char *spec, struct vif_spec *out, char *err, size_t errlen);
void vif_spec_free(struct vif_spec *v);

/* "RATE/s[@INTERVAL]" (B, KB, MB, GB or b, Kb, Mb, Gb; us, ms or s) to
 * bytes per interval; 0 or -EINVAL with a message. */
int vif_rate_parse(const char *s, uint64_t *bytes, uint32_t *usecs, char *err, size_t errlen);

/* "xx:xx:xx:xx:xx:xx" (hex); 0 or -EINVAL. */
int vif_mac_parse(const char *s, uint8_t mac[6]);
void vif_mac_format(const uint8_t mac[6], char buf[18]);

#endif
