/* xenolith-stored: the wire protocol's edges: malformed input, E2BIG,
 * DIRECTORY_PART, pipelining, the outstanding-requests limit. */
#include "config.h"

#include "tests/unit/test_xs_harness.h"

static struct xs_store *st;
static struct tconn *d0, *other;

static void setup(void)
{
    st = t_store();
    d0 = t_conn(st, 0);
    other = t_conn(st, 0);
}

static void teardown(void)
{
    xs_store_free(st);
    t_free(d0);
    t_free(other);
}

static const char *raw_reply(struct tconn *t, uint32_t type, const void *payload, size_t len)
{
    size_t rlen;
    uint32_t rt = t_req(t, type, 0, payload, len, t_reply, &rlen);
    ck_assert_uint_ne(rt, UINT32_MAX);
    return rt == XS_ERROR ? t_reply : "(success)";
}

START_TEST(payload_without_nul)
{
    ck_assert_str_eq(raw_reply(d0, XS_READ, "/local", 6), "EINVAL");
    ck_assert_str_eq(raw_reply(d0, XS_WRITE, "/novalue", 8), "EINVAL");
    ck_assert_str_eq(raw_reply(d0, XS_RM, "", 0), "EINVAL");
    ck_assert_str_eq(raw_reply(d0, XS_WATCH, "/a\0tok", 6), "EINVAL");
    ck_assert_str_eq(raw_reply(d0, XS_READ, "/local\0extra\0", 13), "EINVAL");
    ck_assert(!d0->closed);
    ck_assert_str_eq(T_READ(d0, 0, "/local/domain/0/domid"), "0");
}
END_TEST

START_TEST(unknown_types)
{
    ck_assert_str_eq(raw_reply(d0, XS_TYPE_COUNT, "", 0), "ENOSYS");
    ck_assert_str_eq(raw_reply(d0, 20 /* the removed XS_RESTRICT */, "1", 2), "ENOSYS");
    ck_assert_str_eq(raw_reply(d0, 0xdeadbeef, "", 0), "ENOSYS");
    ck_assert_str_eq(raw_reply(d0, XS_WATCH_EVENT, "/a\0t", 5), "ENOSYS");
    ck_assert_str_eq(raw_reply(d0, XS_ERROR, "EINVAL", 7), "ENOSYS");
    ck_assert(!d0->closed);
}
END_TEST

START_TEST(invalid_paths_and_perms)
{
    ck_assert_str_eq(T_READ(d0, 0, "/a//b"), "EINVAL");
    ck_assert_str_eq(T_WRITE(d0, 0, "/a/", "x"), "EINVAL");
    ck_assert_str_eq(T_WRITE(d0, 0, "/a b", "x"), "EINVAL");
    ck_assert_str_eq(T_READ(d0, 0, ""), "EINVAL");
    ck_assert_str_eq(T_READ(d0, 0, "@releaseDomain"), "EINVAL");
    ck_assert_str_eq(T_RM(d0, 0, "/"), "EINVAL");
    ck_assert_str_eq(T_WRITE(d0, 0, "/p", "x"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/p", "q0"), "EINVAL");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/p", "r"), "EINVAL");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/p", "r99999"), "EINVAL");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 1, "/p"), "EINVAL");
    ck_assert_str_eq(raw_reply(d0, XS_SET_PERMS, "/p\0r1", 5), "EINVAL");
    ck_assert_str_eq(t_call(d0, XS_GET_PERMS, 0, 1, "/p"), "n0");
    static char longp[XENSTORE_ABS_PATH_MAX + 2];
    memset(longp, 'a', XENSTORE_ABS_PATH_MAX + 1);
    longp[0] = '/';
    ck_assert_str_eq(T_WRITE(d0, 0, longp, "x"), "EINVAL");
}
END_TEST

START_TEST(oversized_length_drops_only_that_client)
{
    ck_assert_str_eq(T_WATCH(other, "/w", "t"), "OK");
    t_drain(other);
    struct xsd_sockmsg h = {.type = XS_READ, .req_id = 77, .len = XENSTORE_PAYLOAD_MAX + 1};
    ck_assert(!t_raw(d0, &h, sizeof(h)));
    ck_assert(d0->closed);
    char r[64];
    size_t rlen;
    ck_assert_uint_eq(t_collect(d0, 77, r, &rlen), XS_ERROR);
    ck_assert_str_eq(r, "E2BIG");
    /* the others carry on */
    ck_assert_str_eq(T_WRITE(other, 0, "/w", "still here"), "OK");
    T_EXPECT_EVENT(other, "/w t");
}
END_TEST

START_TEST(split_and_pipelined_messages)
{
    char buf[256];
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        char payload[32];
        int pl = snprintf(payload, sizeof(payload), "/pipe/%d", i) + 1;
        memcpy(payload + pl, "v", 1);
        struct xsd_sockmsg h = {.type = XS_WRITE, .req_id = 100 + (uint32_t)i,
                                .len = (uint32_t)pl + 1};
        memcpy(buf + n, &h, sizeof(h));
        memcpy(buf + n + sizeof(h), payload, (size_t)pl + 1);
        n += sizeof(h) + (size_t)pl + 1;
    }
    /* byte by byte, then the replies come in order */
    for (size_t i = 0; i < n; i++)
        ck_assert(t_raw(d0, buf + i, 1));
    size_t off = 0;
    for (uint32_t i = 0; i < 3; i++) {
        struct xsd_sockmsg h;
        memcpy(&h, d0->out + off, sizeof(h));
        ck_assert_uint_eq(h.type, XS_WRITE);
        ck_assert_uint_eq(h.req_id, 100 + i);
        off += sizeof(h) + h.len;
    }
    d0->len = 0;
    ck_assert_str_eq(T_DIR(d0, 0, "/pipe"), "0|1|2");
}
END_TEST

START_TEST(directory_e2big_then_parts)
{
    /* 300 children of 20-byte names: over 4096 bytes in one listing */
    char path[64];
    for (int i = 0; i < 300; i++) {
        snprintf(path, sizeof(path), "/big/child-%014d", i);
        ck_assert_str_eq(T_WRITE(d0, 0, path, ""), "OK");
    }
    ck_assert_str_eq(T_DIR(d0, 0, "/big"), "E2BIG");
    size_t total = 0;
    int seen = 0;
    char gen[32] = "";
    for (;;) {
        char off[16];
        snprintf(off, sizeof(off), "%zu", total);
        char msg[64];
        size_t ml = (size_t)snprintf(msg, sizeof(msg), "/big%c%s", 0, off) + 1;
        char r[XENSTORE_PAYLOAD_MAX + 1];
        size_t rlen;
        ck_assert_uint_eq(t_req(d0, XS_DIRECTORY_PART, 0, msg, ml, r, &rlen), XS_DIRECTORY_PART);
        ck_assert_uint_le(rlen, XENSTORE_PAYLOAD_MAX);
        if (!gen[0])
            snprintf(gen, sizeof(gen), "%.31s", r);
        ck_assert_str_eq(r, gen);
        size_t glen = strlen(r) + 1;
        const char *p = r + glen;
        size_t body = rlen - glen;
        bool end = body >= 1 && r[rlen - 1] == '\0' && (body == 1 || r[rlen - 2] == '\0');
        size_t names = end ? body - 1 : body;
        for (size_t i = 0; i < names; i += strlen(p + i) + 1) {
            snprintf(path, sizeof(path), "child-%014d", seen);
            ck_assert_str_eq(p + i, path);
            seen++;
        }
        total += names;
        if (end)
            break;
    }
    ck_assert_int_eq(seen, 300);
    /* the generation moves when the child list does */
    ck_assert_str_eq(T_WRITE(d0, 0, "/big/zzz", ""), "OK");
    char r[XENSTORE_PAYLOAD_MAX + 1];
    size_t rlen;
    ck_assert_uint_eq(t_req(d0, XS_DIRECTORY_PART, 0, "/big\0000", 7, r, &rlen),
                      XS_DIRECTORY_PART);
    ck_assert_str_ne(r, gen);
    ck_assert_str_eq(raw_reply(d0, XS_DIRECTORY_PART, "/big\0x", 7), "EINVAL");
}
END_TEST

START_TEST(large_read_reply_fits)
{
    static char v[XENSTORE_PAYLOAD_MAX];
    memset(v, 'x', sizeof(v));
    char msg[sizeof(v) + 8];
    memcpy(msg, "/v", 3);
    memcpy(msg + 3, v, sizeof(v) - 3);
    char r[XENSTORE_PAYLOAD_MAX + 1];
    size_t rlen;
    ck_assert_uint_eq(t_req(d0, XS_WRITE, 0, msg, sizeof(v), r, &rlen), XS_WRITE);
    ck_assert_uint_eq(t_req(d0, XS_READ, 0, "/v", 3, r, &rlen), XS_READ);
    ck_assert_uint_eq(rlen, sizeof(v) - 3);
}
END_TEST

START_TEST(outstanding_limit_holds_guest_requests)
{
    struct tconn *g = t_conn(st, 5);
    st->quota.outstanding = 2;
    g->queued = 2; /* as if two replies sat unread in its ring */
    char buf[256];
    size_t n = 0;
    for (uint32_t i = 0; i < 3; i++) {
        struct xsd_sockmsg h = {.type = XS_GET_DOMAIN_PATH, .req_id = i + 1, .len = 2};
        memcpy(buf + n, &h, sizeof(h));
        memcpy(buf + n + sizeof(h), "5", 2);
        n += sizeof(h) + 2;
    }
    ck_assert(t_raw(g, buf, n));
    ck_assert_uint_eq(g->len, 0); /* nothing ran */
    g->queued = 0;
    ck_assert(t_raw(g, "", 0)); /* the transport says its queue drained */
    size_t off = 0;
    int replies = 0;
    while (off < g->len) {
        struct xsd_sockmsg h;
        memcpy(&h, g->out + off, sizeof(h));
        off += sizeof(h) + h.len;
        replies++;
    }
    ck_assert_int_eq(replies, 3);
    xs_conn_close_now(&g->c);
    t_free(g);
}
END_TEST

START_TEST(errno_names_from_header)
{
    ck_assert_str_eq(xs_errno_name(EACCES), "EACCES");
    ck_assert_str_eq(xs_errno_name(E2BIG), "E2BIG");
    ck_assert_str_eq(xs_errno_name(EPERM), "EPERM");
    ck_assert_int_eq(xs_errno_from_name("EAGAIN"), EAGAIN);
    ck_assert_str_eq(xs_type_name(XS_DIRECTORY_PART), "DIRECTORY_PART");
    ck_assert_str_eq(xs_type_name(12345), "UNKNOWN");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_proto");
    TCase *tc = tcase_create("wire");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, payload_without_nul);
    tcase_add_test(tc, unknown_types);
    tcase_add_test(tc, invalid_paths_and_perms);
    tcase_add_test(tc, oversized_length_drops_only_that_client);
    tcase_add_test(tc, split_and_pipelined_messages);
    tcase_add_test(tc, directory_e2big_then_parts);
    tcase_add_test(tc, large_read_reply_fits);
    tcase_add_test(tc, outstanding_limit_holds_guest_requests);
    tcase_add_test(tc, errno_names_from_header);
    suite_add_tcase(s, tc);
    return s;
}

#include "tests/unit/check_main.h"
