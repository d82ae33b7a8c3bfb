/* Numbers in XenStore values and the like, for the guest (it links no
 * libc): one parser rather than one per driver and test. */
#ifndef XENOLITH_GUEST_PARSE_H
#define XENOLITH_GUEST_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* True when s is all decimal digits (at least one) and fits 64 bits. */
static inline bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

#endif
