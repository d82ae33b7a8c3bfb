/* Unit tests of the guest kernel's string routines (frontends/lib/kstring.c,
 * built on rep string instructions) against the host's C library: every
 * length and alignment around the quadword split, every overlap of
 * memmove in both directions, signs of the comparisons, and DF left
 * clear. The guest file is compiled here under other names. */
#include "config.h"

#define memset k_memset
#define memcpy k_memcpy
#define memmove k_memmove
#define memcmp k_memcmp
#define memchr k_memchr
#define strlen k_strlen
#define strnlen k_strnlen
#define strcmp k_strcmp
#define strncmp k_strncmp
#define strstr k_strstr
#define mem_run_len k_mem_run_len
#include "frontends/lib/kstring.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strstr
#undef mem_run_len

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define BUF 256
#define GUARD 16

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static int df_set(void)
{
	unsigned long flags;

	asm volatile("pushfq; popq %0" : "=r"(flags));
	return !!(flags & (1ul << 10));
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + 1);
}

START_TEST(test_memset_memcpy)
{
	uint8_t a[BUF + 2 * GUARD], b[BUF + 2 * GUARD], src[BUF];

	fill(src, sizeof(src), 3);
	for (size_t off = 0; off < 9; off++) {
		for (size_t n = 0; n < 80; n++) {
			fill(a, sizeof(a), 1);
			memcpy(b, a, sizeof(a));
			ck_assert_ptr_eq(k_memset(a + GUARD + off, 0x1c5, n),
					 a + GUARD + off);
			memset(b + GUARD + off, 0x1c5, n);
			ck_assert_msg(!memcmp(a, b, sizeof(a)),
				      "memset off %zu n %zu", off, n);

			ck_assert_ptr_eq(k_memcpy(a + GUARD + off, src + (n % 5), n),
					 a + GUARD + off);
			memcpy(b + GUARD + off, src + (n % 5), n);
			ck_assert_msg(!memcmp(a, b, sizeof(a)),
				      "memcpy off %zu n %zu", off, n);
		}
	}
	ck_assert(!df_set());
}
END_TEST

START_TEST(test_memmove_overlaps)
{
	uint8_t a[BUF], b[BUF];

	for (int d = -20; d <= 20; d++) {
		for (size_t n = 0; n < 70; n++) {
			size_t s = 80;

			fill(a, sizeof(a), 5);
			memcpy(b, a, sizeof(a));
			ck_assert_ptr_eq(k_memmove(a + s + d, a + s, n), a + s + d);
			memmove(b + s + d, b + s, n);
			ck_assert_msg(!memcmp(a, b, sizeof(a)),
				      "memmove delta %d n %zu", d, n);
			ck_assert_msg(!df_set(), "DF left set, delta %d", d);
		}
	}
}
END_TEST

START_TEST(test_memcmp_memchr)
{
	uint8_t a[BUF], b[BUF];

	fill(a, sizeof(a), 9);
	memcpy(b, a, sizeof(b));
	ck_assert_int_eq(k_memcmp(a, b, 0), 0);
	ck_assert_int_eq(k_memcmp(a, b, sizeof(a)), 0);
	for (size_t i = 0; i < 40; i++) {
		memcpy(b, a, sizeof(b));
		b[i] = (uint8_t)(a[i] + 0x80);
		for (size_t n = 0; n < 48; n++)
			ck_assert_int_eq(sign(k_memcmp(a, b, n)),
					 sign(memcmp(a, b, n)));
		ck_assert_int_eq(k_memcmp(a, b, i + 1), a[i] - b[i]);
	}
	for (size_t n = 0; n < 40; n++)
		for (int c = 0; c < 256; c += 37)
			ck_assert_ptr_eq(k_memchr(a, c, n), memchr(a, c, n));
	ck_assert_ptr_eq(k_memchr(a, a[17], 40), memchr(a, a[17], 40));
}
END_TEST

START_TEST(test_mem_run_len)
{
	uint8_t a[4096];

	memset(a, 0xa5, sizeof(a));
	ck_assert_uint_eq(k_mem_run_len(a, 0xa5, 0), 0);
	ck_assert_uint_eq(k_mem_run_len(a, 0x1a5, sizeof(a)), sizeof(a));
	ck_assert_uint_eq(k_mem_run_len(a, 0xa4, sizeof(a)), 0);
	for (size_t i = 0; i < sizeof(a); i += 511) {
		a[i] = 0;
		ck_assert_uint_eq(k_mem_run_len(a, 0xa5, sizeof(a)), i);
		ck_assert_uint_eq(k_mem_run_len(a, 0xa5, i), i);
		a[i] = 0xa5;
	}
	a[sizeof(a) - 1] = 1;
	ck_assert_uint_eq(k_mem_run_len(a, 0xa5, sizeof(a)), sizeof(a) - 1);
}
END_TEST

START_TEST(test_strings)
{
	static const char *const words[] = {
		"", "a", "ab", "abc", "abd", "abcdefgh", "abcdefghi",
		"abcdefgh\xff", "zz", "needle in a haystack", "hay",
		"haystack", "aaab", "aab",
	};
	const size_t nw = sizeof(words) / sizeof(words[0]);

	for (size_t i = 0; i < nw; i++) {
		const char *x = words[i];

		ck_assert_uint_eq(k_strlen(x), strlen(x));
		for (size_t m = 0; m < 12; m++)
			ck_assert_uint_eq(k_strnlen(x, m), strnlen(x, m));
		for (size_t j = 0; j < nw; j++) {
			const char *y = words[j];

			ck_assert_int_eq(sign(k_strcmp(x, y)), sign(strcmp(x, y)));
			for (size_t m = 0; m < 12; m++)
				ck_assert_int_eq(sign(k_strncmp(x, y, m)),
						 sign(strncmp(x, y, m)));
			ck_assert_ptr_eq(k_strstr(x, y), strstr(x, y));
		}
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("guest_kstring");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_memset_memcpy);
	tcase_add_test(tc, test_memmove_overlaps);
	tcase_add_test(tc, test_memcmp_memchr);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_mem_run_len);
	suite_add_tcase(s, tc);
	return s;
}

#include "tests/unit/check_main.h"
