/* UUIDs as xl shows and takes them: 8-4-4-4-12 hex digits. */
#ifndef XENOLITH_XLUUID_H
#define XENOLITH_XLUUID_H

#include <stdint.h>

#define XLUUID_STRLEN 36

/* A random (version 4) UUID. 0 or -errno. */
int xluuid_generate(uint8_t uuid[16]);
/* 0, or -EINVAL unless s is exactly 8-4-4-4-12 hex digits (either case). */
int xluuid_parse(const char *s, uint8_t uuid[16]);
/* Lower case; buf holds XLUUID_STRLEN + 1 bytes. */
void xluuid_format(const uint8_t uuid[16], char buf[XLUUID_STRLEN + 1]);

#endif
