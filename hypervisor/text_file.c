#include "config.h"

#include <stdio.h>

#include "hypervisor/text_file.h"

bool text_file_read(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return true;
}
