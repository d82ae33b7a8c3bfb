/*
 * key=value words of the kernel command line (hvm_start_info's), as the
 * tests take their parameters: test=, peer=, echo=.
 */
#ifndef FRONTENDS_KERNEL_CMDLINE_H
#define FRONTENDS_KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of the first key=... word, ended by a space or NUL; NULL
 * when there is none. */
const char *cmdline_value(const char *key);

/* A decimal value; false (and *out untouched) when absent or not a
 * number. */
bool cmdline_u64(const char *key, uint64_t *out);

#endif
