/*
 * In-guest tests (doc/design.md, "In-guest tests"). A test reports problems through the
 * check helpers; the runner prints exactly one result line per test:
 *   guest-test NAME: ok
 *   guest-test NAME: FAILED: <first failure> (and N more)
 * with any details on lines starting with two spaces before it.
 */
#ifndef FRONTENDS_TESTS_RUNNER_H
#define FRONTENDS_TESTS_RUNNER_H

#include <stdbool.h>

struct test {
	const char *name;
	unsigned failures;
	char first_failure[240];
};

/* Run the comma-separated list (ended by a space or NUL), print the
 * closing line and shut down: poweroff if all passed, crash otherwise. */
__attribute__((noreturn)) void tests_run(const char *list);

/* How the guest stops when every test passed (SHUTDOWN_poweroff unless
 * a test says otherwise). */
extern unsigned runner_shutdown_reason;

void test_fail(struct test *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "<what>: expected <want>, got <got>", errno values named. */
void check_eq(struct test *t, long got, long want, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fails with "<what>" when ok is false. Returns ok. */
bool check(struct test *t, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An informational line, indented so it never reads as a result. */
void test_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK_EQ(t, got, want, ...) \
	check_eq((t), (long)(got), (long)(want), __VA_ARGS__)

#endif
