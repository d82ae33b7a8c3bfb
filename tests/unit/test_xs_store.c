/* xenolith-stored: the operations, permissions and quotas, over the wire
 * protocol through the real dispatcher. */
#include "config.h"

#include "tests/unit/test_xs_harness.h"

static struct xs_store *st;
static struct tconn *d0, *g5, *g6;

static void setup(void)
{
    st = t_store();
    d0 = t_conn(st, 0);
    g5 = t_conn(st, 5);
    g6 = t_conn(st, 6);
}

static void teardown(void)
{
    xs_store_free(st);
    t_free(d0);
    t_free(g5);
    t_free(g6);
}

START_TEST(startup_tree)
{
    ck_assert_str_eq(T_READ(d0, 0, "/local/domain/0/name"), "Domain-0");
    ck_assert_str_eq(T_READ(d0, 0, "/local/domain/0/domid"), "0");
    ck_assert_str_eq(T_DIR(d0, 0, "/"), "local|tool");
    ck_assert_str_eq(T_DIR(d0, 0, "/tool"), "xenstored");
}
END_TEST

START_TEST(missing_node_enoent)
{
    ck_assert_str_eq(T_READ(d0, 0, "/no/such"), "ENOENT");
    ck_assert_str_eq(T_DIR(d0, 0, "/no"), "ENOENT");
    ck_assert_str_eq(t_call(d0, XS_GET_PERMS, 0, 1, "/no"), "ENOENT");
    /* rm: fine when the parent exists, ENOENT when it does not */
    ck_assert_str_eq(T_RM(d0, 0, "/local/nothing"), "OK");
    ck_assert_str_eq(T_RM(d0, 0, "/no/such"), "ENOENT");
}
END_TEST

START_TEST(write_creates_parents)
{
    ck_assert_str_eq(T_WRITE(d0, 0, "/a/b/c", "v"), "OK");
    ck_assert_str_eq(T_READ(d0, 0, "/a/b/c"), "v");
    ck_assert_str_eq(T_READ(d0, 0, "/a/b"), "");
    ck_assert_str_eq(T_READ(d0, 0, "/a"), "");
    /* an empty value, and an overwrite */
    ck_assert_str_eq(T_WRITE(d0, 0, "/a/b/c", ""), "OK");
    ck_assert_str_eq(T_READ(d0, 0, "/a/b/c"), "");
    ck_assert_str_eq(T_MKDIR(d0, 0, "/a/b/c"), "OK");
    ck_assert_str_eq(T_MKDIR(d0, 0, "/m/n"), "OK");
    ck_assert_str_eq(T_DIR(d0, 0, "/m"), "n");
}
END_TEST

START_TEST(binary_values)
{
    static const char msg[] = "/bin\0a\0b\xff";
    char r[64];
    size_t rlen;
    ck_assert_uint_eq(t_req(d0, XS_WRITE, 0, msg, sizeof(msg) - 1, r, &rlen), XS_WRITE);
    ck_assert_uint_eq(t_req(d0, XS_READ, 0, "/bin", 5, r, &rlen), XS_READ);
    ck_assert_uint_eq(rlen, 4);
    ck_assert_mem_eq(r, "a\0b\xff", 4);
}
END_TEST

START_TEST(directory_sorted)
{
    const char *names[] = {"zeta", "alpha", "10", "2", "Beta", "mid"};
    char path[64];
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof(path), "/d/%s", names[i]);
        ck_assert_str_eq(T_WRITE(d0, 0, path, "x"), "OK");
    }
    ck_assert_str_eq(T_DIR(d0, 0, "/d"), "10|2|Beta|alpha|mid|zeta");
    ck_assert_str_eq(T_DIR(d0, 0, "/d/mid"), "");
}
END_TEST

START_TEST(relative_paths)
{
    ck_assert_str_eq(T_WRITE(d0, 0, "/local/domain/5/x", "1"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/local/domain/5", "b5"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/local/domain/5/x", "b5"), "OK");
    ck_assert_str_eq(T_READ(g5, 0, "x"), "1");
    ck_assert_str_eq(T_WRITE(g5, 0, "data/y", "2"), "OK");
    ck_assert_str_eq(T_READ(d0, 0, "/local/domain/5/data/y"), "2");
    /* Dom0's relative paths are under its own home */
    ck_assert_str_eq(T_READ(d0, 0, "name"), "Domain-0");
}
END_TEST

START_TEST(eacces_on_foreign_node)
{
    ck_assert_str_eq(T_WRITE(d0, 0, "/secret/k", "s"), "OK");
    ck_assert_str_eq(T_READ(g5, 0, "/secret/k"), "EACCES");
    ck_assert_str_eq(T_WRITE(g5, 0, "/secret/k", "x"), "EACCES");
    ck_assert_str_eq(T_WRITE(g5, 0, "/secret/new", "x"), "EACCES");
    ck_assert_str_eq(T_RM(g5, 0, "/secret/k"), "EACCES");
    ck_assert_str_eq(T_DIR(g5, 0, "/secret"), "EACCES");
    ck_assert_str_eq(t_call(g5, XS_GET_PERMS, 0, 1, "/secret/k"), "EACCES");
    ck_assert_str_eq(t_call(g5, XS_SET_PERMS, 0, 2, "/secret/k", "b5"), "EACCES");
    ck_assert_str_eq(T_READ(d0, 0, "/secret/k"), "s");
    /* read-only for 5 */
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 3, "/secret/k", "n0", "r5"), "OK");
    ck_assert_str_eq(T_READ(g5, 0, "/secret/k"), "s");
    ck_assert_str_eq(T_READ(g6, 0, "/secret/k"), "EACCES");
    ck_assert_str_eq(T_WRITE(g5, 0, "/secret/k", "x"), "EACCES");
    ck_assert_str_eq(t_call(g5, XS_GET_PERMS, 0, 1, "/secret/k"), "n0|r5");
}
END_TEST

START_TEST(guest_owns_what_it_creates)
{
    ck_assert_str_eq(T_MKDIR(d0, 0, "/local/domain/5"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 3, "/local/domain/5", "n0", "b5"), "OK");
    ck_assert_str_eq(T_WRITE(g5, 0, "dev/state", "1"), "OK");
    ck_assert_str_eq(t_call(d0, XS_GET_PERMS, 0, 1, "/local/domain/5/dev/state"), "n5|b5");
    /* the owner may change the entries but not give the node away */
    ck_assert_str_eq(t_call(g5, XS_SET_PERMS, 0, 3, "dev/state", "n5", "r6"), "OK");
    ck_assert_str_eq(T_READ(g6, 0, "/local/domain/5/dev/state"), "1");
    ck_assert_str_eq(t_call(g5, XS_SET_PERMS, 0, 2, "dev/state", "n6"), "EPERM");
    ck_assert_int_eq(xs_domain_find(&st->doms, 5)->nodes, 2);
}
END_TEST

START_TEST(set_target_grants_owner_rights)
{
    ck_assert_str_eq(T_WRITE(d0, 0, "/local/domain/5/x", "1"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/local/domain/5/x", "n5"), "OK");
    ck_assert_str_eq(T_READ(g6, 0, "/local/domain/5/x"), "EACCES");
    ck_assert_str_eq(t_call(d0, XS_INTRODUCE, 0, 3, "6", "100", "1"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_TARGET, 0, 2, "6", "5"), "OK");
    ck_assert_str_eq(T_READ(g6, 0, "/local/domain/5/x"), "1");
    ck_assert_str_eq(T_WRITE(g6, 0, "/local/domain/5/x", "2"), "OK");
    ck_assert_str_eq(t_call(g6, XS_SET_TARGET, 0, 2, "6", "5"), "EACCES");
    ck_assert_str_eq(t_call(d0, XS_SET_TARGET, 0, 2, "9", "5"), "ENOENT");
}
END_TEST

START_TEST(quota_nodes)
{
    st->quota.nodes = 5;
    ck_assert_str_eq(T_MKDIR(d0, 0, "/local/domain/5"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/local/domain/5", "b5"), "OK");
    /* /local/domain/5 is now 5's: 1 node; four more fit */
    ck_assert_str_eq(T_WRITE(g5, 0, "a/b/c", "x"), "OK");
    ck_assert_str_eq(T_WRITE(g5, 0, "a/b/d/e", "x"), "ENOSPC");
    ck_assert_str_eq(T_READ(d0, 0, "/local/domain/5/a/b/d"), "ENOENT"); /* nothing half-made */
    ck_assert_str_eq(T_WRITE(g5, 0, "a/d", "x"), "OK");
    ck_assert_str_eq(T_WRITE(g5, 0, "a/e", "x"), "ENOSPC");
    /* rewriting costs nothing; removing frees */
    ck_assert_str_eq(T_WRITE(g5, 0, "a/d", "y"), "OK");
    ck_assert_str_eq(T_RM(g5, 0, "a/b"), "OK");
    ck_assert_str_eq(T_WRITE(g5, 0, "a/e", "x"), "OK");
    ck_assert_int_eq(xs_domain_find(&st->doms, 5)->nodes, 4);
    /* Dom0 is exempt */
    for (int i = 0; i < 10; i++) {
        char p[32];
        snprintf(p, sizeof(p), "/d0/%d", i);
        ck_assert_str_eq(T_WRITE(d0, 0, p, "x"), "OK");
    }
}
END_TEST

START_TEST(quota_value_size)
{
    static char big[2050];
    memset(big, 'v', 2049);
    ck_assert_str_eq(T_MKDIR(d0, 0, "/local/domain/5"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/local/domain/5", "b5"), "OK");
    ck_assert_str_eq(T_WRITE(g5, 0, "big", big), "ENOSPC");
    big[2048] = '\0';
    ck_assert_str_eq(T_WRITE(g5, 0, "big", big), "OK");
    memset(big, 'v', 2049);
    ck_assert_str_eq(T_WRITE(d0, 0, "/local/domain/5/big", big), "OK");
}
END_TEST

START_TEST(quota_watches_and_transactions)
{
    st->quota.watches = 3;
    st->quota.transactions = 2;
    for (int i = 0; i < 3; i++) {
        char tok[8];
        snprintf(tok, sizeof(tok), "t%d", i);
        ck_assert_str_eq(T_WATCH(g5, "/x", tok), "OK");
    }
    ck_assert_str_eq(T_WATCH(g5, "/x", "t9"), "E2BIG");
    ck_assert_str_eq(T_UNWATCH(g5, "/x", "t0"), "OK");
    ck_assert_str_eq(T_WATCH(g5, "/x", "t9"), "OK");
    t_tx_start(g5);
    uint32_t tx = t_tx_start(g5);
    ck_assert_str_eq(t_call(g5, XS_TRANSACTION_START, 0, 1, ""), "ENOSPC");
    ck_assert_str_eq(T_TX_END(g5, tx, false), "OK");
    t_tx_start(g5);
    /* another domain has its own allowance; Dom0 none */
    t_tx_start(g6);
    for (int i = 0; i < 20; i++)
        t_tx_start(d0);
}
END_TEST

START_TEST(quota_permissions)
{
    ck_assert_str_eq(T_MKDIR(d0, 0, "/local/domain/5"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/local/domain/5", "n5"), "OK");
    ck_assert_str_eq(t_call(g5, XS_SET_PERMS, 0, 7, "/local/domain/5", "n5", "r1", "r2", "r3",
                            "r4", "r6"),
                     "ENOSPC");
    ck_assert_str_eq(t_call(g5, XS_SET_PERMS, 0, 5, "/local/domain/5", "n5", "r1", "r2", "r3",
                            "r4"),
                     "OK");
}
END_TEST

START_TEST(control_quota)
{
    ck_assert_str_eq(t_call(d0, XS_CONTROL, 0, 4, "quota", "set", "nodes", "7"), "OK");
    ck_assert_uint_eq(st->quota.nodes, 7);
    ck_assert_str_eq(t_call(d0, XS_CONTROL, 0, 4, "quota", "set", "bogus", "7"), "EINVAL");
    const char *r = t_call(d0, XS_CONTROL, 0, 1, "quota");
    ck_assert_msg(strstr(r, "nodes                7") != NULL, "quota listing: %s", r);
    r = t_call(d0, XS_CONTROL, 0, 2, "quota", "0");
    ck_assert_msg(strstr(r, "nodes ") != NULL, "%s", r);
    ck_assert_str_eq(t_call(d0, XS_CONTROL, 0, 1, "check"), "OK");
    ck_assert_str_eq(t_call(g5, XS_CONTROL, 0, 1, "check"), "EACCES");
    ck_assert_str_eq(t_call(d0, XS_CONTROL, 0, 1, "nonsense"), "EINVAL");
}
END_TEST

START_TEST(control_log)
{
    char path[] = "/tmp/xs-trace-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_str_eq(t_call(d0, XS_CONTROL, 0, 2, "logfile", path), "OK");
    ck_assert_str_eq(t_call(d0, XS_CONTROL, 0, 2, "log", "on"), "OK");
    ck_assert_str_eq(T_WRITE(d0, 0, "/traced", "yes"), "OK");
    ck_assert_str_eq(t_call(d0, XS_CONTROL, 0, 2, "log", "off"), "OK");
    ck_assert_str_eq(T_WRITE(d0, 0, "/untraced", "no"), "OK");
    FILE *f = fopen(path, "r");
    char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(path);
    ck_assert_msg(strstr(text, "IN WRITE") && strstr(text, "\"/traced yes\""), "trace: %s", text);
    ck_assert_msg(strstr(text, "OUT WRITE"), "trace: %s", text);
    ck_assert_msg(!strstr(text, "untraced"), "trace after off: %s", text);
    ck_assert_str_eq(t_call(d0, XS_CONTROL, 0, 2, "log", "maybe"), "EINVAL");
}
END_TEST

START_TEST(check_counts_after_churn)
{
    for (int i = 0; i < 50; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/churn/%d/a/b", i % 7);
        ck_assert_str_eq(T_WRITE(d0, 0, p, "x"), "OK");
        if (i % 3 == 0) {
            snprintf(p, sizeof(p), "/churn/%d", i % 5);
            T_RM(d0, 0, p);
        }
    }
    ck_assert_str_eq(t_call(d0, XS_CONTROL, 0, 1, "check"), "OK");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_store");
    TCase *tc = tcase_create("ops");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, startup_tree);
    tcase_add_test(tc, missing_node_enoent);
    tcase_add_test(tc, write_creates_parents);
    tcase_add_test(tc, binary_values);
    tcase_add_test(tc, directory_sorted);
    tcase_add_test(tc, relative_paths);
    tcase_add_test(tc, eacces_on_foreign_node);
    tcase_add_test(tc, guest_owns_what_it_creates);
    tcase_add_test(tc, set_target_grants_owner_rights);
    tcase_add_test(tc, quota_nodes);
    tcase_add_test(tc, quota_value_size);
    tcase_add_test(tc, quota_watches_and_transactions);
    tcase_add_test(tc, quota_permissions);
    tcase_add_test(tc, control_quota);
    tcase_add_test(tc, control_log);
    tcase_add_test(tc, check_counts_after_churn);
    suite_add_tcase(s, tc);
    return s;
}

#include "tests/unit/check_main.h"
