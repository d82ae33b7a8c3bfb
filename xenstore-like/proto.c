#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore-like/path.h"
#include "xenstore-like/proto.h"
#include "xenstore-like/store.h"
#include "xenstore-like/txn.h"

#define MAX_ARGS 8

static const char ok[] = "OK";

/*
 * Splits the payload into its NUL-terminated strings. Returns how many
 * there are, or -1 when bytes follow the last NUL (an unterminated string).
 */
static int split(const char *p, uint32_t len, const char **argv, int max)
{
    int n = 0;
    uint32_t i = 0;
    while (i < len) {
        const char *nul = memchr(p + i, '\0', len - i);
        if (!nul)
            return -1;
        if (n < max)
            argv[n] = p + i;
        n++;
        i = (uint32_t)(nul - p) + 1;
    }
    return n;
}

static void reply_ok(struct xs_conn *c, const struct xsd_sockmsg *h)
{
    xs_conn_reply(c, h, h->type, ok, sizeof(ok));
}

static void reply_str(struct xs_conn *c, const struct xsd_sockmsg *h, const char *s)
{
    xs_conn_reply(c, h, h->type, s, strlen(s) + 1);
}

static int find_tx(struct xs_conn *c, uint32_t id, struct xs_txn **out)
{
    *out = NULL;
    if (id == 0)
        return 0;
    for (struct xs_txn *t = c->txns; t; t = t->next)
        if (t->id == id) {
            *out = t;
            return 0;
        }
    return ENOENT;
}

/* The one path a request carries, resolved. */
static int one_path(struct xs_conn *c, const struct xsd_sockmsg *h, const char *payload,
                    unsigned flags, char *path)
{
    const char *argv[1];
    if (split(payload, h->len, argv, 1) != 1)
        return EINVAL;
    bool rel;
    return xs_path_resolve(argv[0], c->dom->domid, flags, path, &rel);
}

/* A request of a path and then bytes (WRITE, SET_PERMS): the path
 * resolved, and where the bytes start in *off. */
static int path_then_bytes(struct xs_conn *c, const struct xsd_sockmsg *h, const char *payload,
                           unsigned flags, char *path, uint32_t *off)
{
    const char *nul = memchr(payload, '\0', h->len);
    if (!nul)
        return EINVAL;
    *off = (uint32_t)(nul - payload) + 1;
    bool rel;
    return xs_path_resolve(payload, c->dom->domid, flags, path, &rel);
}

/* The node at the request's one path, for READ or DIRECTORY. */
static int one_node(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                    const struct xs_caller *who, const struct xs_node **n)
{
    char path[XS_PATH_BUF];
    int err = one_path(c, h, payload, 0, path);
    if (err)
        return err;
    return h->type == XS_READ ? xs_store_read(c->st, who, path, n)
                              : xs_store_directory(c->st, who, path, n);
}

static int do_read(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                   const struct xs_caller *who)
{
    const struct xs_node *n;
    int err = one_node(c, h, payload, who, &n);
    if (!err)
        xs_conn_reply(c, h, h->type, n->value, n->vlen);
    return err;
}

static int do_write(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                    const struct xs_caller *who)
{
    char path[XS_PATH_BUF];
    uint32_t off;
    int err = path_then_bytes(c, h, payload, 0, path, &off);
    if (err)
        return err;
    err = xs_store_write(c->st, who, path, payload + off, h->len - off);
    if (!err)
        reply_ok(c, h);
    return err;
}

static int do_mkdir_rm(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                       const struct xs_caller *who)
{
    char path[XS_PATH_BUF];
    int err = one_path(c, h, payload, 0, path);
    if (!err)
        err = h->type == XS_MKDIR ? xs_store_mkdir(c->st, who, path) : xs_store_rm(c->st, who, path);
    if (!err)
        reply_ok(c, h);
    return err;
}

/* The children's names, NUL-terminated, from byte offset `skip` of that
 * list; stops before `cap` would overflow. *complete says whether the end
 * was reached. Returns the bytes written. */
static size_t list_kids(const struct xs_node *n, size_t skip, char *buf, size_t cap,
                        bool *complete)
{
    size_t used = 0, pos = 0;
    *complete = true;
    for (uint32_t i = 0; i < n->nkids; i++) {
        const struct xs_node *k = n->kids[i];
        size_t len = k->namelen + 1;
        if (pos + len <= skip) {
            pos += len;
            continue;
        }
        /* An offset inside a name starts at its remainder, as C xenstored's
         * byte-offset arithmetic does. */
        size_t from = skip > pos ? skip - pos : 0;
        if (used + len - from > cap) {
            *complete = false;
            break;
        }
        memcpy(buf + used, k->name + from, len - from - 1);
        buf[used + len - from - 1] = '\0';
        used += len - from;
        pos += len;
    }
    return used;
}

static int do_directory(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                        const struct xs_caller *who)
{
    const struct xs_node *n;
    int err = one_node(c, h, payload, who, &n);
    if (err)
        return err;
    static char buf[XENSTORE_PAYLOAD_MAX];
    bool complete;
    size_t len = list_kids(n, 0, buf, sizeof(buf), &complete);
    if (!complete)
        return E2BIG; /* clients fall back to DIRECTORY_PART */
    xs_conn_reply(c, h, h->type, buf, len);
    return 0;
}

static int do_directory_part(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                             const struct xs_caller *who)
{
    const char *argv[2];
    if (split(payload, h->len, argv, 2) != 2)
        return EINVAL;
    char *end;
    unsigned long long off = strtoull(argv[1], &end, 10);
    if (!*argv[1] || *end)
        return EINVAL;
    char path[XS_PATH_BUF];
    bool rel;
    int err = xs_path_resolve(argv[0], c->dom->domid, 0, path, &rel);
    const struct xs_node *n;
    if (!err)
        err = xs_store_directory(c->st, who, path, &n);
    if (err)
        return err;
    static char buf[XENSTORE_PAYLOAD_MAX];
    /* <gencnt>| then names; an extra NUL (an empty name) marks the end. */
    int g = snprintf(buf, sizeof(buf), "%" PRIu64, n->cgen) + 1;
    bool complete;
    size_t len = list_kids(n, (size_t)off, buf + g, sizeof(buf) - (size_t)g - 1, &complete);
    if (complete)
        buf[g + len++] = '\0';
    xs_conn_reply(c, h, h->type, buf, (size_t)g + len);
    return 0;
}

static int do_get_perms(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                        const struct xs_caller *who)
{
    char path[XS_PATH_BUF];
    int err = one_path(c, h, payload, XS_PATH_SPECIAL_OK, path);
    struct xs_perms *p;
    if (!err)
        err = xs_store_get_perms(c->st, who, path, &p);
    if (err)
        return err;
    static char buf[XENSTORE_PAYLOAD_MAX + 1];
    size_t len = xs_perms_format(p, buf, sizeof(buf));
    xs_perms_unref(p);
    if (!len)
        return E2BIG;
    xs_conn_reply(c, h, h->type, buf, len);
    return 0;
}

static int do_set_perms(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                        const struct xs_caller *who)
{
    char path[XS_PATH_BUF];
    uint32_t off;
    int err = path_then_bytes(c, h, payload, XS_PATH_SPECIAL_OK, path, &off);
    if (err)
        return err;
    struct xs_perms *p;
    err = xs_perms_parse(payload + off, h->len - off, &p);
    if (!err)
        err = xs_store_set_perms(c->st, who, path, p);
    if (!err)
        reply_ok(c, h);
    return err;
}

static int do_watch(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                    const struct xs_caller *who)
{
    (void)who;
    const char *argv[2];
    int n = split(payload, h->len, argv, 2);
    if (n < 2)
        return EINVAL;
    char path[XS_PATH_BUF];
    bool rel;
    int err = xs_path_resolve(argv[0], c->dom->domid, XS_PATH_SPECIAL_OK, path, &rel);
    if (err)
        return err;
    struct xs_store *st = c->st;
    if (h->type == XS_UNWATCH) {
        err = xs_watch_del(&st->watches, &c->watches, path, argv[1]);
        if (!err) {
            c->dom->watches--;
            reply_ok(c, h);
        }
        return err;
    }
    if (!c->priv && (uint32_t)c->dom->watches >= st->quota.watches)
        return E2BIG;
    size_t strip = rel ? strlen(path) - strlen(argv[0]) : 0;
    err = xs_watch_add(&st->watches, c, &c->watches, path, argv[1], strip, NULL);
    if (err)
        return err;
    c->dom->watches++;
    reply_ok(c, h);
    /* Fired once at once, with the path as the client wrote it. */
    xs_conn_send_event(c, argv[0], argv[1]);
    return 0;
}

static void drop_txns(struct xs_conn *c)
{
    while (c->txns) {
        struct xs_txn *tx = c->txns;
        c->txns = tx->next;
        xs_txn_free(c->st, tx);
    }
}

static int do_reset_watches(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                            const struct xs_caller *who)
{
    (void)payload;
    (void)who;
    for (struct xs_watch *w = c->watches; w; w = w->cnext)
        c->dom->watches--;
    xs_watch_del_all(&c->st->watches, &c->watches);
    drop_txns(c);
    reply_ok(c, h);
    return 0;
}

static int do_tx_start(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                       const struct xs_caller *who)
{
    (void)payload;
    (void)who;
    if (h->tx_id != 0)
        return EBUSY;
    struct xs_txn *tx;
    int err = xs_txn_start(c->st, c, c->dom, &tx);
    if (err)
        return err;
    tx->next = c->txns;
    c->txns = tx;
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", tx->id);
    reply_str(c, h, buf);
    return 0;
}

static int do_tx_end(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                     const struct xs_caller *who)
{
    struct xs_txn *tx = who->tx;
    const char *argv[1];
    if (!tx)
        return ENOENT;
    if (split(payload, h->len, argv, 1) != 1 || (strcmp(argv[0], "T") && strcmp(argv[0], "F")))
        return EINVAL;
    for (struct xs_txn **pp = &c->txns; *pp; pp = &(*pp)->next)
        if (*pp == tx) {
            *pp = tx->next;
            break;
        }
    int err = xs_txn_end(c->st, tx, argv[0][0] == 'T', c->priv);
    if (!err)
        reply_ok(c, h);
    return err;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    /* The spec calls the frame number signed decimal; accept both. */
    if (!*s)
        return EINVAL;
    errno = 0;
    unsigned long long v = *s == '-' ? (unsigned long long)strtoll(s, &end, 10)
                                     : strtoull(s, &end, 10);
    if (*end || errno)
        return EINVAL;
    *out = v;
    return 0;
}

static int do_domain(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                     const struct xs_caller *who)
{
    (void)who;
    const char *argv[3];
    int n = split(payload, h->len, argv, 3);
    struct xs_store *st = c->st;
    bool privileged_op = h->type == XS_INTRODUCE || h->type == XS_RELEASE ||
                         h->type == XS_RESUME || h->type == XS_SET_TARGET;
    if (privileged_op && !c->priv)
        return EACCES;
    uint32_t domid, other;
    if (n < 1 || !xs_parse_domid(argv[0], &domid))
        return EINVAL;
    switch (h->type) {
    case XS_INTRODUCE: {
        uint64_t gfn, port;
        if (n < 3 || domid == 0 || parse_u64(argv[1], &gfn) || parse_u64(argv[2], &port) ||
            port > UINT32_MAX)
            return EINVAL;
        int err = xs_introduce(st, domid, gfn, (uint32_t)port);
        if (!err)
            reply_ok(c, h);
        return err;
    }
    case XS_RELEASE:
    case XS_RESUME: {
        if (domid == 0)
            return EINVAL;
        int err = h->type == XS_RELEASE ? xs_release(st, domid) : xs_resume(st, domid);
        if (!err)
            reply_ok(c, h);
        return err;
    }
    case XS_SET_TARGET: {
        if (n < 2 || !xs_parse_domid(argv[1], &other))
            return EINVAL;
        int err = xs_store_set_target(st, domid, other);
        if (!err)
            reply_ok(c, h);
        return err;
    }
    case XS_IS_DOMAIN_INTRODUCED:
        reply_str(c, h, xs_is_introduced(st, domid) ? "T" : "F");
        return 0;
    case XS_GET_DOMAIN_PATH: {
        char buf[64];
        xs_domain_home(domid, buf, sizeof(buf));
        reply_str(c, h, buf);
        return 0;
    }
    }
    return ENOSYS;
}

static int do_control(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                      const struct xs_caller *who)
{
    (void)who;
    if (!c->priv)
        return EACCES;
    const char *argv[MAX_ARGS];
    int n = split(payload, h->len, argv, MAX_ARGS);
    if (n < 1)
        return EINVAL;
    xs_control(c, h, argv, n < MAX_ARGS ? n : MAX_ARGS);
    return 0;
}

/* A request's handler: 0 after answering, or the errno to answer with. */
typedef int xs_op_fn(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload,
                     const struct xs_caller *who);

/* Each request type's handler, and whether it works inside the
 * transaction its header names (the others ignore tx_id). WATCH_EVENT and
 * ERROR are ours to send, and unknown types are unknown: they have none,
 * and the operation does not exist. */
static const struct {
    xs_op_fn *fn;
    bool in_tx;
} ops[XS_TYPE_COUNT] = {
    [XS_READ] = {do_read, true},
    [XS_WRITE] = {do_write, true},
    [XS_MKDIR] = {do_mkdir_rm, true},
    [XS_RM] = {do_mkdir_rm, true},
    [XS_DIRECTORY] = {do_directory, true},
    [XS_DIRECTORY_PART] = {do_directory_part, true},
    [XS_GET_PERMS] = {do_get_perms, true},
    [XS_SET_PERMS] = {do_set_perms, true},
    [XS_WATCH] = {do_watch, false},
    [XS_UNWATCH] = {do_watch, false},
    [XS_RESET_WATCHES] = {do_reset_watches, false},
    [XS_TRANSACTION_START] = {do_tx_start, false},
    [XS_TRANSACTION_END] = {do_tx_end, true},
    [XS_INTRODUCE] = {do_domain, false},
    [XS_RELEASE] = {do_domain, false},
    [XS_RESUME] = {do_domain, false},
    [XS_SET_TARGET] = {do_domain, false},
    [XS_IS_DOMAIN_INTRODUCED] = {do_domain, false},
    [XS_GET_DOMAIN_PATH] = {do_domain, false},
    [XS_CONTROL] = {do_control, false},
};

void xs_proto_handle(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload)
{
    struct xs_txn *tx = NULL;
    int err = ENOSYS;
    if (h->type < XS_TYPE_COUNT && ops[h->type].fn) {
        err = ops[h->type].in_tx ? find_tx(c, h->tx_id, &tx) : 0;
        if (!err) {
            struct xs_caller who = xs_caller_of(c, tx);
            err = ops[h->type].fn(c, h, payload, &who);
        }
    }
    if (err)
        xs_conn_error(c, h, err);
}
