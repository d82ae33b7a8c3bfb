/* vbds: set up at xl create, and xl block-attach/-detach/-list. */
#ifndef XENOLITH_XL_CMD_BLOCK_H
#define XENOLITH_XL_CMD_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

#include "toolstack/disk_spec.h"
#include "toolstack/domain_config.h"

/* Resolves the disk's target (sr:SR/VDI through the repository
 * registry), writes libxl's backend and frontend keys and runs the
 * hotplug script. 0, or -1 with the reason in err. */
int xl_disk_attach(struct xs_handle *xsh, uint32_t domid, const struct disk_spec *d, char *err,
                   size_t errlen);

/* Every disk of dc for a new (paused) domain; 0, or -1 after printing
 * why (disks already attached are removed again). */
int xl_disks_setup(const char *rundir, uint32_t domid, const struct domain_config *dc);

#endif
