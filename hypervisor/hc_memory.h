/* What the toolstack may change about a domain's memory (xl mem-max). */
#ifndef XENOLITH_HC_MEMORY_H
#define XENOLITH_HC_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "hypervisor/domain.h"

/* The most the domain may populate, in KiB; 0 or -errno with a message. */
int memory_set_max(struct domain *d, uint64_t max_kib, char *err, size_t errlen);

#endif
