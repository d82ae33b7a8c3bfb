#include "kernel/cmdline.h"
#include "kernel/start_info.h"
#include "lib/kstring.h"

const char *cmdline_value(const char *key)
{
	const char *p = start_info_cmdline();
	size_t klen = strlen(key);

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return p + klen + 1;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

bool cmdline_u64(const char *key, uint64_t *out)
{
	const char *p = cmdline_value(key);
	uint64_t v = 0;

	if (!p || *p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (*p && *p != ' ')
		return false;
	*out = v;
	return true;
}
