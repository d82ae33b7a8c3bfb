/* Reading a small text file of the kernel's whole (/proc, cgroupfs). */
#ifndef XENOLITH_HV_TEXT_FILE_H
#define XENOLITH_HV_TEXT_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Up to size - 1 bytes of the file at path into buf, NUL-terminated;
 * false (buf untouched) when it cannot be opened. */
bool text_file_read(const char *path, char *buf, size_t size);

#endif
