#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/console_log.h"

const struct console_limits console_default_limits = {
    .rate_bytes_per_s = 64 * 1024,
    .burst_bytes = 256 * 1024,
    .max_file_bytes = 16 * 1024 * 1024,
};

int console_log_open(struct console_log *c, const char *path,
                     const struct console_limits *lim, uint64_t now_ns)
{
    memset(c, 0, sizeof(*c));
    /* Never through a link: xenolithd is root, and a link put where the
     * log goes would have it append guest text to any file. */
    c->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (c->fd < 0)
        return -errno;
    pthread_mutex_init(&c->lock, NULL);
    c->lim = *lim;
    c->tokens = (double)lim->burst_bytes;
    c->last_ns = now_ns;
    return 0;
}

static void emit(struct console_log *c, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(c->fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* a full disk costs the guest its log, nothing else */
        buf += n;
        len -= (size_t)n;
        c->written += (uint64_t)n;
    }
}

static void refill(struct console_log *c, uint64_t now_ns)
{
    /* A clock that steps back earns nothing, now or when it catches up. */
    if (now_ns <= c->last_ns)
        return;
    c->tokens += (double)(now_ns - c->last_ns) * (double)c->lim.rate_bytes_per_s / 1e9;
    if (c->tokens > (double)c->lim.burst_bytes)
        c->tokens = (double)c->lim.burst_bytes;
    c->last_ns = now_ns;
}

/* The note that owns up to bytes dropped since the last line written. */
static int drop_note(struct console_log *c, char *note, size_t size)
{
    if (!c->dropped)
        return 0;
    int n = snprintf(note, size,
                     "[xenolith: %llu bytes of console output dropped by the rate limit]\n",
                     (unsigned long long)c->dropped);
    c->dropped = 0;
    return n;
}

static void flush_line(struct console_log *c, uint64_t now_ns)
{
    size_t len = c->len;
    c->len = 0;
    if (c->capped || len == 0)
        return;
    refill(c, now_ns);
    if (c->tokens < (double)len) {
        c->dropped += len;
        return;
    }
    c->tokens -= (double)len;
    char note[160];
    int nlen = drop_note(c, note, sizeof(note));
    if (c->written + (uint64_t)nlen + len > c->lim.max_file_bytes) {
        nlen = snprintf(note, sizeof(note),
                        "[xenolith: console log reached its limit of %llu bytes; "
                        "further output discarded]\n",
                        (unsigned long long)c->lim.max_file_bytes);
        emit(c, note, (size_t)nlen);
        c->capped = 1;
        return;
    }
    if (nlen)
        emit(c, note, (size_t)nlen);
    emit(c, c->line, len);
}

void console_log_put(struct console_log *c, const char *buf, size_t len, uint64_t now_ns)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < len; i++) {
        /* An over-long line goes out in pieces, each ended by a newline;
         * a line that just fits keeps its own newline. */
        if (buf[i] != '\n' && c->len == CONSOLE_LINE_MAX - 1) {
            c->line[c->len++] = '\n';
            flush_line(c, now_ns);
        }
        c->line[c->len++] = buf[i];
        if (buf[i] == '\n')
            flush_line(c, now_ns);
    }
    pthread_mutex_unlock(&c->lock);
}

void console_log_close(struct console_log *c, uint64_t now_ns)
{
    if (c->fd < 0)
        return;
    pthread_mutex_lock(&c->lock);
    if (c->len) {
        c->line[c->len++] = '\n';
        flush_line(c, now_ns);
    }
    /* A guest that flooded and then died still leaves word of the loss. */
    char note[160];
    int n = c->capped ? 0 : drop_note(c, note, sizeof(note));
    if (n > 0)
        emit(c, note, (size_t)n);
    close(c->fd);
    c->fd = -1;
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_destroy(&c->lock);
}
