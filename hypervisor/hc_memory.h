/* What the toolstack may change about a domain's memory (xl mem-max),
 * and what the guest may reach of it. */
#ifndef XENOLITH_HC_MEMORY_H
#define XENOLITH_HC_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/domain.h"

/* The most the domain may populate, in KiB; 0 or -errno with a message. */
int memory_set_max(struct domain *d, uint64_t max_kib, char *err, size_t errlen);

/* Lets KVM's view of pages [first, first + pages) of the memory file
 * (file order) through, or denies it: a guest access to a denied page
 * fails KVM_RUN with EFAULT. 0 or -errno (ENOMEM: the host's limit on
 * mappings). */
int memory_guard(struct domain *d, uint64_t first, uint64_t pages, bool present);

#endif
