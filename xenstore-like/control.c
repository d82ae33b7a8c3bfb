/*
 * CONTROL: the administrator's verbs (xenstore-control). What Xen's
 * xenstored offers that makes sense here: the trace log, quotas, a print
 * to the daemon log, a consistency check, and counters.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore-like/proto.h"
#include "xenstore-like/store.h"

static void reply_text(struct xs_conn *c, const struct xsd_sockmsg *h, const char *s)
{
    xs_conn_reply(c, h, XS_CONTROL, s, strlen(s) + 1);
}

int xs_trace_set(struct xs_store *st, bool on)
{
    if (!on) {
        if (st->trace)
            fclose(st->trace);
        st->trace = NULL;
        return 0;
    }
    if (st->trace)
        return 0;
    if (!st->trace_path)
        return EINVAL;
    st->trace = fopen(st->trace_path, "ae");
    return st->trace ? 0 : errno;
}

static int ctl_log(struct xs_conn *c, const char **argv, int argc)
{
    if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off")))
        return EINVAL;
    return xs_trace_set(c->st, strcmp(argv[1], "on") == 0);
}

static int ctl_logfile(struct xs_conn *c, const char **argv, int argc)
{
    if (argc != 2 || argv[1][0] != '/')
        return EINVAL;
    struct xs_store *st = c->st;
    char *p = strdup(argv[1]);
    if (!p)
        return ENOMEM;
    bool was_on = st->trace != NULL;
    xs_trace_set(st, false);
    free(st->trace_path);
    st->trace_path = p;
    return was_on ? xs_trace_set(st, true) : 0;
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int ctl_quota(struct xs_conn *c, const struct xsd_sockmsg *h, const char **argv, int argc)
{
    struct xs_store *st = c->st;
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t used = 0;
    if (argc == 1) {
        for (const struct xs_quota_name *q = xs_quota_names; q->name; q++)
            used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%-13s %8u  %s\n", q->name,
                                     *q->field(&st->quota), q->what);
        reply_text(c, h, buf);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "set") == 0) {
        uint32_t v;
        if (!parse_u32(argv[3], &v))
            return EINVAL;
        for (const struct xs_quota_name *q = xs_quota_names; q->name; q++)
            if (strcmp(q->name, argv[2]) == 0) {
                *q->field(&st->quota) = v;
                xs_store_log(st, "quota %s set to %u", q->name, v);
                reply_text(c, h, "OK");
                return 0;
            }
        return EINVAL;
    }
    uint32_t domid;
    if (argc == 2 && xs_parse_domid(argv[1], &domid)) {
        struct xs_domain *d = xs_domain_find(&st->doms, domid);
        if (!d)
            return ENOENT;
        snprintf(buf, sizeof(buf),
                 "nodes         %8d\nwatches       %8d\ntransactions  %8d\nintroduced    %8s\n",
                 d->nodes, d->watches, d->txns, d->introduced ? "yes" : "no");
        reply_text(c, h, buf);
        return 0;
    }
    return EINVAL;
}

void xs_control(struct xs_conn *c, const struct xsd_sockmsg *h, const char **argv, int argc)
{
    struct xs_store *st = c->st;
    int err = 0;
    const char *cmd = argv[0];
    if (strcmp(cmd, "log") == 0) {
        err = ctl_log(c, argv, argc);
    } else if (strcmp(cmd, "logfile") == 0) {
        err = ctl_logfile(c, argv, argc);
    } else if (strcmp(cmd, "quota") == 0) {
        err = ctl_quota(c, h, argv, argc);
        if (!err)
            return;
    } else if (strcmp(cmd, "print") == 0) {
        if (argc != 2)
            err = EINVAL;
        else
            xs_store_log(st, "control: %s", argv[1]);
    } else if (strcmp(cmd, "check") == 0) {
        /* The node counts must agree with a walk of the tree. */
        int64_t counted = 0;
        for (size_t i = 0; i < DOMID_FIRST_RESERVED; i++)
            if (st->doms.by_id[i])
                counted += st->doms.by_id[i]->nodes;
        if ((size_t)counted != xs_tree_count(st->root))
            err = EIO;
    } else if (strcmp(cmd, "stats") == 0) {
        char buf[256];
        snprintf(buf, sizeof(buf),
                 "nodes %zu\nwatches %zu\ncommits %" PRIu64 "\nconflicts %" PRIu64 "\n",
                 xs_tree_count(st->root), st->watches.count, st->commits, st->conflicts);
        reply_text(c, h, buf);
        return;
    } else if (strcmp(cmd, "help") == 0) {
        reply_text(c, h,
                   "check\nhelp\nlog on|off\nlogfile <file>\nprint <string>\n"
                   "quota [set <name> <value>|<domid>]\nstats\n");
        return;
    } else {
        err = EINVAL;
    }
    if (err)
        xs_conn_error(c, h, err);
    else
        reply_text(c, h, "OK");
}
