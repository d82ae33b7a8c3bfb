/*
 * One disk of xl.cfg's disk= list, in the syntax of
 * xl-disk-configuration(5): positional target, format, vdev, access,
 * key=value pairs and flags, target= last (taking the rest, commas
 * included), and the deprecated "fmt:target" prefixes. vdev names become
 * Xen's virtual-device numbers (docs/misc/vbd-interface): the devid of
 * the device in XenStore.
 *
 * sr:SR/VDI targets are kept as written; xl resolves them against the
 * repository registry when it attaches the disk.
 */
#ifndef XENOLITH_DISK_SPEC_H
#define XENOLITH_DISK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum disk_format {
    DISK_FORMAT_RAW,
    DISK_FORMAT_VHD,
};

struct disk_spec {
    char *target;        /* "" for an empty cdrom drive; "sr:..." kept as is */
    enum disk_format format;
    bool format_given;
    char *vdev;          /* as written: "xvda", "hdc1", "d3p2", "51712" */
    uint32_t devid;      /* its virtual-device number */
    bool readonly;
    bool cdrom;
    char *script;        /* NULL: the default (block for raw devices and files) */
    char *backendtype;   /* NULL: automatic; else phy, qdisk, standalone or tap */
    int discard;         /* -1: default (on), 0 no-discard, 1 discard */
    bool direct_io_safe;
    bool trusted;        /* default true, as libxl */
};

/* Parses spec; 0, or -EINVAL with a message in err (no file or line:
 * the caller prefixes those). On failure out is left empty. */
int disk_spec_parse(const char *spec, struct disk_spec *out, char *err, size_t errlen);
void disk_spec_free(struct disk_spec *d);

/* "xvda", "sdb3", "hdc", "d2p1" or a decimal number to the
 * virtual-device number; 0, or -1 when vdev names no device Xen can
 * encode. */
int disk_vdev_to_devid(const char *vdev, uint32_t *devid);

/* The guest-visible name for a devid ("xvda", "xvdq3", "hdc", "sdb"),
 * as block-list shows it; 0, or -1 for a number outside every scheme. */
int disk_devid_to_vdev(uint32_t devid, char *buf, size_t len);

/* "raw" or "vhd". */
const char *disk_format_name(enum disk_format f);

#endif
