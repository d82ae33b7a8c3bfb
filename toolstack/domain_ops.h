/*
 * What the monitor does to domains that xl's commands also do: build one
 * from its config (cmd_create.c) and rename one (cmd_rename.c), so a
 * restart builds exactly what xl create builds.
 */
#ifndef XENOLITH_DOMAIN_OPS_H
#define XENOLITH_DOMAIN_OPS_H

#include <stdint.h>

#include "dom0/xenctl.h"
#include "toolstack/domain_config.h"

/* Creates, loads, sets up XenStore and devices and unpauses, as xl
 * create does, and keeps the config for xl list -l. Messages go to
 * stderr. 0 or -1. */
int xl_domain_build_config(xenctl *xc, const struct domain_config *dc, uint32_t *domid);

/* The new name in xenolithd, /local/domain/<id>/name and /vm/<uuid>/name.
 * 0, or -errno with xenolithd's refusal (-EEXIST: the name is taken) or
 * the XenStore failure in err. */
int xl_domain_rename(xenctl *xc, uint32_t domid, const char *name, char *err, size_t errlen);

#endif
