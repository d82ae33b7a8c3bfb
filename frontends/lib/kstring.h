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

/*
 * -ffreestanding turns off GCC's knowledge of these, so a memcpy of 8
 * bytes was a call and a rep sequence instead of one mov: callers get
 * the builtins, which GCC expands inline for small constant sizes and
 * turns into calls to the functions above otherwise. (kstring.c, which
 * defines them, does not take the macros.)
 */
#ifndef KSTRING_DEFINE
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#define strlen(s) __builtin_strlen((s))
#endif

#endif
