/*
 * The handful of string routines the kernel uses. memset/memcpy/memmove/
 * memcmp keep their standard names because the compiler may emit calls
 * to them for struct copies and initialisation.
 */
#ifndef FRONTENDS_LIB_KSTRING_H
#define FRONTENDS_LIB_KSTRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
/* How many bytes at the start of s[0..n) equal c. */
size_t mem_run_len(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
const char *strstr(const char *haystack, const char *needle);

#endif
