/*
 * A domain's console_io output on its way to a log file: whole lines only
 * (so two vCPUs never interleave mid-line), and rate- and size-limited so
 * a guest cannot fill Dom0's disk.
 */
#ifndef XENOLITH_CONSOLE_LOG_H
#define XENOLITH_CONSOLE_LOG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_LINE_MAX 1024

struct console_limits {
    uint64_t rate_bytes_per_s; /* sustained rate */
    uint64_t burst_bytes;      /* what may go out at once after a quiet spell */
    uint64_t max_file_bytes;   /* after this, output is discarded */
};

extern const struct console_limits console_default_limits;

struct console_log {
    pthread_mutex_t lock;
    int fd;
    struct console_limits lim;
    char line[CONSOLE_LINE_MAX];
    size_t len;
    double tokens;
    uint64_t last_ns;
    uint64_t written;
    uint64_t dropped; /* bytes dropped by the rate limit, not yet reported */
    int capped;
};

/* Opens (creates, appends to) path. 0 or -errno. */
int console_log_open(struct console_log *c, const char *path,
                     const struct console_limits *lim, uint64_t now_ns);
/* Takes bytes from the guest; now_ns is a monotonic time in nanoseconds. */
void console_log_put(struct console_log *c, const char *buf, size_t len, uint64_t now_ns);
/* Writes out a partial last line (at domain death) and closes. */
void console_log_close(struct console_log *c, uint64_t now_ns);

#endif
