/* vifs: set up at xl create, and xl network-attach/-detach/-list. */
#ifndef XENOLITH_XL_CMD_NETWORK_H
#define XENOLITH_XL_CMD_NETWORK_H

#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

#include "toolstack/domain_config.h"
#include "toolstack/vif_spec.h"

/* Writes the vif's backend and frontend entries (libxl's keys), waits
 * for xenolith-netback to make its tap, and runs its hotplug script
 * online. 0, or -1 with the reason in err (the device removed again). */
int xl_vif_attach(struct xs_handle *xsh, uint32_t domid, const struct vif_spec *v, char *err,
                  size_t errlen);

/* Every vif of dc for a new (paused) domain; 0, or -1 after printing
 * why (vifs already set up are removed again). */
int xl_vifs_setup(const char *rundir, uint32_t domid, const struct domain_config *dc);

#endif
