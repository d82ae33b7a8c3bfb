#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenstore-like/conn.h"
#include "xenstore-like/sock.h"
#include "xenstore-like/store.h"

/* Past this much unsent output we stop reading the client; past the hard
 * limit (a client that never reads its watch events) we drop it. */
#define OUT_HIGH (256u * 1024)
#define OUT_MAX (16u * 1024 * 1024)

struct xs_listener {
    uv_pipe_t pipe;
    struct xs_store *st;
    uint32_t domid;
    char path[];
};

struct sock_conn {
    struct xs_conn c;
    uv_pipe_t pipe;
    uv_write_t wreq;
    char *out, *inflight;
    size_t out_len, out_cap, inflight_len;
    /* Byte positions where queued messages end, to count what the peer
     * has not taken (the outstanding-requests quota). */
    uint64_t *ends;
    size_t ends_head, ends_len, ends_cap;
    uint64_t queued_bytes, written_bytes;
    bool writing, reading;
};

static struct sock_conn *sc_of(struct xs_conn *c)
{
    return c->tp;
}

static void pop_ends(struct sock_conn *s)
{
    while (s->ends_len && s->ends[s->ends_head] <= s->written_bytes) {
        s->ends_head++;
        s->ends_len--;
    }
    if (s->ends_len == 0)
        s->ends_head = 0;
}

static int sc_write(struct xs_conn *c, const void *msg, size_t len)
{
    struct sock_conn *s = sc_of(c);
    if (s->out_len + s->inflight_len + len > OUT_MAX)
        return -ENOBUFS;
    if (s->out_len + len > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap : 8192;
        while (cap < s->out_len + len)
            cap *= 2;
        char *o = realloc(s->out, cap);
        if (!o)
            return -ENOMEM;
        s->out = o;
        s->out_cap = cap;
    }
    if (s->ends_head + s->ends_len == s->ends_cap) {
        if (s->ends_head) {
            memmove(s->ends, s->ends + s->ends_head, s->ends_len * sizeof(s->ends[0]));
            s->ends_head = 0;
        } else {
            size_t cap = s->ends_cap ? s->ends_cap * 2 : 32;
            uint64_t *e = realloc(s->ends, cap * sizeof(e[0]));
            if (!e)
                return -ENOMEM;
            s->ends = e;
            s->ends_cap = cap;
        }
    }
    memcpy(s->out + s->out_len, msg, len);
    s->out_len += len;
    s->queued_bytes += len;
    s->ends[s->ends_head + s->ends_len++] = s->queued_bytes;
    return 0;
}

static size_t sc_queued(struct xs_conn *c)
{
    return sc_of(c)->ends_len;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void sc_flush(struct xs_conn *c);

static void update_reading(struct sock_conn *s)
{
    bool want = !s->c.dead && s->out_len + s->inflight_len < OUT_HIGH &&
                s->c.in_used < sizeof(s->c.in);
    if (want && !s->reading)
        uv_read_start((uv_stream_t *)&s->pipe, on_alloc, on_read);
    else if (!want && s->reading)
        uv_read_stop((uv_stream_t *)&s->pipe);
    s->reading = want;
}

static void on_written(uv_write_t *req, int status)
{
    struct sock_conn *s = req->data;
    free(s->inflight);
    s->inflight = NULL;
    s->written_bytes += s->inflight_len;
    s->inflight_len = 0;
    s->writing = false;
    if (s->c.dead)
        return; /* being closed; the close callback frees s */
    if (status < 0) {
        xs_conn_kill(&s->c, "write failed");
        xs_store_reap(s->c.st);
        return;
    }
    pop_ends(s);
    sc_flush(&s->c);
    /* Requests held back by the outstanding limit may run now. */
    if (s->c.in_used && !xs_conn_input(&s->c, 0))
        return;
    update_reading(s);
}

static void sc_flush(struct xs_conn *c)
{
    struct sock_conn *s = sc_of(c);
    if (s->writing || s->out_len == 0)
        return;
    uv_buf_t b = uv_buf_init(s->out, (unsigned)s->out_len);
    int n = uv_try_write((uv_stream_t *)&s->pipe, &b, 1);
    if (n == UV_EAGAIN)
        n = 0;
    if (n < 0) {
        xs_conn_kill(c, "write failed");
        return;
    }
    s->written_bytes += (size_t)n;
    pop_ends(s);
    if ((size_t)n == s->out_len) {
        s->out_len = 0;
        return;
    }
    /* The rest goes out when the socket drains; new output queues behind. */
    s->inflight_len = s->out_len - (size_t)n;
    s->inflight = malloc(s->inflight_len);
    if (!s->inflight) {
        xs_conn_kill(c, "out of memory");
        return;
    }
    memcpy(s->inflight, s->out + n, s->inflight_len);
    s->out_len = 0;
    b = uv_buf_init(s->inflight, (unsigned)s->inflight_len);
    s->wreq.data = s;
    s->writing = true;
    if (uv_write(&s->wreq, (uv_stream_t *)&s->pipe, &b, 1, on_written) < 0) {
        s->writing = false;
        xs_conn_kill(c, "write failed");
    }
}

static void on_closed(uv_handle_t *h)
{
    struct sock_conn *s = h->data;
    free(s->out);
    free(s->inflight);
    free(s->ends);
    free(s);
}

static void sc_close(struct xs_conn *c)
{
    struct sock_conn *s = sc_of(c);
    uv_close((uv_handle_t *)&s->pipe, on_closed);
}

static const struct xs_conn_ops sock_ops = {
    .write = sc_write,
    .flush = sc_flush,
    .queued = sc_queued,
    .close = sc_close,
};

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    struct sock_conn *s = h->data;
    size_t avail;
    char *p = xs_conn_in_space(&s->c, &avail);
    *buf = uv_buf_init(p, (unsigned)avail);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    struct sock_conn *s = stream->data;
    if (nread == 0)
        return;
    if (nread < 0) {
        /* The client went away (or the buffer is full, which
         * update_reading prevents): forget it. */
        xs_conn_close_now(&s->c);
        xs_store_flush(s->c.st);
        return;
    }
    if (!xs_conn_input(&s->c, (size_t)nread))
        return;
    update_reading(s);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct xs_listener *l = server->data;
    if (status < 0)
        return;
    struct sock_conn *s = calloc(1, sizeof(*s));
    if (!s)
        return;
    uv_pipe_init(server->loop, &s->pipe, 0);
    s->pipe.data = s;
    if (uv_accept(server, (uv_stream_t *)&s->pipe) < 0 ||
        xs_conn_init(&s->c, l->st, &sock_ops, s, l->domid) != 0) {
        uv_close((uv_handle_t *)&s->pipe, on_closed);
        return;
    }
    update_reading(s);
}

struct xs_listener *xs_listen(uv_loop_t *loop, struct xs_store *st, const char *path,
                              uint32_t domid, int *err)
{
    size_t len = strlen(path);
    struct xs_listener *l = calloc(1, sizeof(*l) + len + 1);
    if (!l) {
        *err = ENOMEM;
        return NULL;
    }
    memcpy(l->path, path, len + 1);
    l->st = st;
    l->domid = domid;
    uv_pipe_init(loop, &l->pipe, 0);
    l->pipe.data = l;
    unlink(path);
    mode_t old = umask(0077);
    int r = uv_pipe_bind(&l->pipe, path);
    umask(old);
    if (r == 0)
        r = uv_listen((uv_stream_t *)&l->pipe, 128, on_connection);
    if (r < 0) {
        *err = -r;
        uv_close((uv_handle_t *)&l->pipe, (uv_close_cb)free);
        return NULL;
    }
    return l;
}

void xs_listener_close(struct xs_listener *l)
{
    unlink(l->path);
    uv_close((uv_handle_t *)&l->pipe, (uv_close_cb)free);
}
