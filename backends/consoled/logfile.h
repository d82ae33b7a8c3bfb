/*
 * A domain's console log with a size cap, so a guest that prints without
 * end cannot fill Dom0's disk: when a write would take the file past the
 * cap, the file becomes PATH.1 (the previous PATH.1 goes) and a new PATH
 * starts. A domain's output costs at most twice the cap on disk, and the
 * newest output is always kept.
 */
#ifndef XENOLITH_CONSOLED_LOGFILE_H
#define XENOLITH_CONSOLED_LOGFILE_H

#include <stddef.h>
#include <stdint.h>

struct cons_log {
    int fd;
    uint64_t size;   /* of the current file */
    uint64_t max;    /* the cap; 0: no log at all */
    uint64_t rotations;
    char path[512];
};

/* Opens (appends to) path. 0 or -errno. With max 0 nothing is opened
 * and writes are dropped. */
int cons_log_open(struct cons_log *l, const char *path, uint64_t max);
/* Appends, rotating first when the cap would be passed; of a write
 * larger than the cap only its last max bytes are kept. 0 or -errno. */
int cons_log_write(struct cons_log *l, const char *buf, size_t n);
void cons_log_close(struct cons_log *l);

#endif
