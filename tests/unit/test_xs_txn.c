/* xenolith-stored: transactions (snapshots, real conflicts only, replay). */
#include "config.h"

#include "tests/unit/test_xs_harness.h"

static struct xs_store *st;
static struct tconn *a, *b, *w;

static void setup(void)
{
    st = t_store();
    a = t_conn(st, 0);
    b = t_conn(st, 0);
    w = t_conn(st, 0);
    ck_assert_str_eq(T_WRITE(a, 0, "/t/x", "1"), "OK");
    ck_assert_str_eq(T_WRITE(a, 0, "/t/y", "1"), "OK");
    ck_assert_str_eq(T_WATCH(w, "/t", "tok"), "OK");
    t_drain(w);
}

static void teardown(void)
{
    xs_store_free(st);
    t_free(a);
    t_free(b);
    t_free(w);
}

START_TEST(commit_applies_and_fires)
{
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_WRITE(a, tx, "/t/x", "2"), "OK");
    ck_assert_str_eq(T_READ(a, tx, "/t/x"), "2");
    ck_assert_str_eq(T_READ(b, 0, "/t/x"), "1");
    t_no_events(w);
    ck_assert_str_eq(T_TX_END(a, tx, true), "OK");
    ck_assert_str_eq(T_READ(b, 0, "/t/x"), "2");
    T_EXPECT_EVENT(w, "/t/x tok");
    t_no_events(w);
}
END_TEST

START_TEST(abort_changes_nothing_fires_nothing)
{
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_WRITE(a, tx, "/t/x", "2"), "OK");
    ck_assert_str_eq(T_WRITE(a, tx, "/t/new/deep", "3"), "OK");
    ck_assert_str_eq(T_RM(a, tx, "/t/y"), "OK");
    ck_assert_str_eq(T_TX_END(a, tx, false), "OK");
    ck_assert_str_eq(T_READ(b, 0, "/t/x"), "1");
    ck_assert_str_eq(T_READ(b, 0, "/t/y"), "1");
    ck_assert_str_eq(T_READ(b, 0, "/t/new"), "ENOENT");
    t_no_events(w);
    /* the id is gone */
    ck_assert_str_eq(T_READ(a, tx, "/t/x"), "ENOENT");
    ck_assert_str_eq(T_TX_END(a, tx, true), "ENOENT");
    ck_assert_str_eq(t_call(a, XS_CONTROL, 0, 1, "check"), "OK");
}
END_TEST

START_TEST(conflicting_write_eagain)
{
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_READ(a, tx, "/t/x"), "1");
    ck_assert_str_eq(T_WRITE(a, tx, "/t/y", "from-tx"), "OK");
    ck_assert_str_eq(T_WRITE(b, 0, "/t/x", "other"), "OK");
    t_drain(w);
    ck_assert_str_eq(T_TX_END(a, tx, true), "EAGAIN");
    ck_assert_str_eq(T_READ(b, 0, "/t/y"), "1");
    ck_assert_str_eq(T_READ(b, 0, "/t/x"), "other");
    t_no_events(w);
}
END_TEST

START_TEST(write_write_conflict)
{
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_WRITE(a, tx, "/t/x", "tx"), "OK");
    ck_assert_str_eq(T_WRITE(b, 0, "/t/x", "other"), "OK");
    ck_assert_str_eq(T_TX_END(a, tx, true), "EAGAIN");
    ck_assert_str_eq(T_READ(b, 0, "/t/x"), "other");
}
END_TEST

START_TEST(unrelated_write_no_conflict)
{
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_READ(a, tx, "/t/x"), "1");
    ck_assert_str_eq(T_WRITE(a, tx, "/t/x", "2"), "OK");
    /* elsewhere, and a sibling of what the transaction touched */
    ck_assert_str_eq(T_WRITE(b, 0, "/elsewhere", "e"), "OK");
    ck_assert_str_eq(T_WRITE(b, 0, "/t/y", "changed"), "OK");
    ck_assert_str_eq(T_WRITE(b, 0, "/t/z", "new"), "OK");
    ck_assert_str_eq(T_TX_END(a, tx, true), "OK");
    ck_assert_str_eq(T_READ(b, 0, "/t/x"), "2");
    ck_assert_str_eq(T_READ(b, 0, "/t/y"), "changed");
    ck_assert_str_eq(T_READ(b, 0, "/t/z"), "new");
}
END_TEST

START_TEST(sibling_device_adds_no_conflict)
{
    /* Two toolstack transactions adding devices under one backend directory
     * must both commit (the livelock case). */
    ck_assert_str_eq(T_MKDIR(a, 0, "/be/vbd/5"), "OK");
    uint32_t t1 = t_tx_start(a), t2 = t_tx_start(b);
    ck_assert_str_eq(T_WRITE(a, t1, "/be/vbd/5/51712/state", "1"), "OK");
    ck_assert_str_eq(T_WRITE(a, t1, "/fe/5/vbd/51712/state", "1"), "OK");
    ck_assert_str_eq(T_WRITE(b, t2, "/be/vbd/5/51728/state", "1"), "OK");
    ck_assert_str_eq(T_WRITE(b, t2, "/fe/5/vbd/51728/state", "1"), "OK");
    ck_assert_str_eq(T_TX_END(a, t1, true), "OK");
    ck_assert_str_eq(T_TX_END(b, t2, true), "OK");
    ck_assert_str_eq(T_DIR(a, 0, "/be/vbd/5"), "51712|51728");
    ck_assert_str_eq(T_DIR(a, 0, "/fe/5/vbd"), "51712|51728");
}
END_TEST

START_TEST(directory_conflicts_with_new_child)
{
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_DIR(a, tx, "/t"), "x|y");
    ck_assert_str_eq(T_WRITE(a, tx, "/t/count", "2"), "OK");
    ck_assert_str_eq(T_WRITE(b, 0, "/t/z", "new"), "OK");
    ck_assert_str_eq(T_TX_END(a, tx, true), "EAGAIN");
}
END_TEST

START_TEST(creation_race_conflicts)
{
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_READ(a, tx, "/t/n"), "ENOENT");
    ck_assert_str_eq(T_WRITE(a, tx, "/t/n", "tx"), "OK");
    ck_assert_str_eq(T_WRITE(b, 0, "/t/n", "other"), "OK");
    ck_assert_str_eq(T_TX_END(a, tx, true), "EAGAIN");
}
END_TEST

START_TEST(snapshot_isolation)
{
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_WRITE(b, 0, "/t/x", "after-start"), "OK");
    ck_assert_str_eq(T_RM(b, 0, "/t/y"), "OK");
    /* the transaction still sees the store as it was when it began */
    ck_assert_str_eq(T_READ(a, tx, "/t/x"), "1");
    ck_assert_str_eq(T_READ(a, tx, "/t/y"), "1");
    ck_assert_str_eq(T_TX_END(a, tx, true), "EAGAIN");
}
END_TEST

START_TEST(rm_invisible_until_commit)
{
    ck_assert_str_eq(T_WRITE(a, 0, "/t/sub/a", "1"), "OK");
    t_drain(w);
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_RM(a, tx, "/t/sub"), "OK");
    ck_assert_str_eq(T_READ(a, tx, "/t/sub/a"), "ENOENT");
    ck_assert_str_eq(T_READ(b, 0, "/t/sub/a"), "1");
    t_no_events(w);
    ck_assert_str_eq(T_TX_END(a, tx, true), "OK");
    ck_assert_str_eq(T_READ(b, 0, "/t/sub/a"), "ENOENT");
    ck_assert_str_eq(T_READ(b, 0, "/t/sub"), "ENOENT");
    T_EXPECT_EVENT(w, "/t/sub tok");
    t_no_events(w);
}
END_TEST

START_TEST(subtree_deleted_then_recreated)
{
    ck_assert_str_eq(T_WRITE(a, 0, "/t/s/keep", "k"), "OK");
    ck_assert_str_eq(T_WRITE(a, 0, "/t/s/drop", "d"), "OK");
    t_drain(w);
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_RM(a, tx, "/t/s"), "OK");
    ck_assert_str_eq(T_WRITE(a, tx, "/t/s/keep", "k2"), "OK");
    ck_assert_str_eq(T_DIR(a, tx, "/t/s"), "keep");
    ck_assert_str_eq(T_DIR(b, 0, "/t/s"), "drop|keep");
    ck_assert_str_eq(T_TX_END(a, tx, true), "OK");
    ck_assert_str_eq(T_DIR(b, 0, "/t/s"), "keep");
    ck_assert_str_eq(T_READ(b, 0, "/t/s/keep"), "k2");
    ck_assert_str_eq(T_READ(b, 0, "/t/s/drop"), "ENOENT");
    /* in path order, once each */
    T_EXPECT_EVENT(w, "/t/s tok");
    T_EXPECT_EVENT(w, "/t/s/keep tok");
    t_no_events(w);
    ck_assert_str_eq(t_call(a, XS_CONTROL, 0, 1, "check"), "OK");
}
END_TEST

START_TEST(commit_fires_in_path_order)
{
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(T_WRITE(a, tx, "/t/z", "1"), "OK");
    ck_assert_str_eq(T_WRITE(a, tx, "/t/a", "1"), "OK");
    ck_assert_str_eq(T_WRITE(a, tx, "/t/m", "1"), "OK");
    ck_assert_str_eq(T_WRITE(a, tx, "/t/a", "2"), "OK");
    ck_assert_str_eq(T_TX_END(a, tx, true), "OK");
    T_EXPECT_EVENT(w, "/t/a tok");
    T_EXPECT_EVENT(w, "/t/m tok");
    T_EXPECT_EVENT(w, "/t/z tok");
    t_no_events(w);
}
END_TEST

START_TEST(transaction_quota_counts)
{
    struct tconn *g = t_conn(st, 5);
    st->quota.nodes = 3;
    ck_assert_str_eq(T_MKDIR(a, 0, "/local/domain/5"), "OK");
    ck_assert_str_eq(t_call(a, XS_SET_PERMS, 0, 2, "/local/domain/5", "b5"), "OK");
    uint32_t tx = t_tx_start(g);
    ck_assert_str_eq(T_WRITE(g, tx, "a", "1"), "OK");
    ck_assert_str_eq(T_WRITE(g, tx, "b", "1"), "OK");
    ck_assert_str_eq(T_WRITE(g, tx, "c", "1"), "ENOSPC");
    ck_assert_str_eq(T_TX_END(g, tx, true), "OK");
    ck_assert_int_eq(xs_domain_find(&st->doms, 5)->nodes, 3);
    ck_assert_int_eq(xs_domain_find(&st->doms, 5)->txns, 0);
    ck_assert_str_eq(T_READ(a, 0, "/local/domain/5/b"), "1");
    ck_assert_str_eq(t_call(a, XS_CONTROL, 0, 1, "check"), "OK");
    xs_conn_close_now(&g->c);
    t_free(g);
}
END_TEST

/* A guest's transaction may depend on at most transaction-nodes paths
 * and log at most as many changes (C xenstored's quota-trans-nodes, 1024):
 * without the bound, reading or writing in a transaction that is never
 * committed grows the daemon without limit. Over it, ENOSPC, the request
 * changes nothing, and the transaction can only fail. Dom0 is exempt. */
START_TEST(transaction_nodes_bounded)
{
    struct tconn *g = t_conn(st, 5);
    ck_assert_str_eq(T_MKDIR(a, 0, "/local/domain/5"), "OK");
    ck_assert_str_eq(t_call(a, XS_SET_PERMS, 0, 2, "/local/domain/5", "b5"), "OK");
    ck_assert_str_eq(t_call(a, XS_CONTROL, 0, 4, "quota", "set", "transaction-nodes", "1024"),
                     "OK");
    char p[32];
    /* Distinct paths read. */
    uint32_t tx = t_tx_start(g);
    int first_refused = -1;
    for (int i = 0; i < 1100 && first_refused < 0; i++) {
        snprintf(p, sizeof(p), "r%d", i);
        if (strcmp(T_READ(g, tx, p), "ENOSPC") == 0)
            first_refused = i;
    }
    ck_assert_int_eq(first_refused, 1024);
    ck_assert_str_eq(T_READ(g, tx, "r1"), "ENOENT"); /* a path already depended on */
    ck_assert_str_eq(T_TX_END(g, tx, true), "ENOSPC");
    /* One node written over and over: the log is what grows. */
    tx = t_tx_start(g);
    first_refused = -1;
    for (int i = 0; i < 1100 && first_refused < 0; i++) {
        snprintf(p, sizeof(p), "%d", i);
        const char *r = T_WRITE(g, tx, "w", p);
        if (strcmp(r, "OK") != 0) {
            ck_assert_str_eq(r, "ENOSPC");
            first_refused = i;
        }
    }
    ck_assert_int_eq(first_refused, 1024);
    ck_assert_str_eq(T_READ(g, tx, "w"), "1023"); /* the refused write changed nothing */
    ck_assert_str_eq(T_TX_END(g, tx, true), "ENOSPC");
    ck_assert_str_eq(T_READ(a, 0, "/local/domain/5/w"), "ENOENT");
    ck_assert_int_eq(xs_domain_find(&st->doms, 5)->txns, 0);
    /* Under the bound a transaction commits as before. */
    tx = t_tx_start(g);
    ck_assert_str_eq(T_WRITE(g, tx, "w", "x"), "OK");
    ck_assert_str_eq(T_TX_END(g, tx, true), "OK");
    ck_assert_str_eq(T_READ(a, 0, "/local/domain/5/w"), "x");
    /* Dom0 is exempt. */
    tx = t_tx_start(a);
    for (int i = 0; i < 1100; i++) {
        snprintf(p, sizeof(p), "/t/r%d", i);
        ck_assert_str_eq(T_READ(a, tx, p), "ENOENT");
    }
    ck_assert_str_eq(T_TX_END(a, tx, true), "OK");
    ck_assert_str_eq(t_call(a, XS_CONTROL, 0, 1, "check"), "OK");
    xs_conn_close_now(&g->c);
    t_free(g);
}
END_TEST

START_TEST(bad_transaction_requests)
{
    ck_assert_str_eq(T_READ(a, 4242, "/t/x"), "ENOENT");
    uint32_t tx = t_tx_start(a);
    ck_assert_str_eq(t_call(a, XS_TRANSACTION_START, tx, 1, ""), "EBUSY");
    ck_assert_str_eq(t_call(a, XS_TRANSACTION_END, tx, 1, "X"), "EINVAL");
    /* another connection cannot use it */
    ck_assert_str_eq(T_READ(b, tx, "/t/x"), "ENOENT");
    ck_assert_str_eq(T_TX_END(a, tx, true), "OK");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_txn");
    TCase *tc = tcase_create("txn");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, commit_applies_and_fires);
    tcase_add_test(tc, abort_changes_nothing_fires_nothing);
    tcase_add_test(tc, conflicting_write_eagain);
    tcase_add_test(tc, write_write_conflict);
    tcase_add_test(tc, unrelated_write_no_conflict);
    tcase_add_test(tc, sibling_device_adds_no_conflict);
    tcase_add_test(tc, directory_conflicts_with_new_child);
    tcase_add_test(tc, creation_race_conflicts);
    tcase_add_test(tc, snapshot_isolation);
    tcase_add_test(tc, rm_invisible_until_commit);
    tcase_add_test(tc, subtree_deleted_then_recreated);
    tcase_add_test(tc, commit_fires_in_path_order);
    tcase_add_test(tc, transaction_quota_counts);
    tcase_add_test(tc, transaction_nodes_bounded);
    tcase_add_test(tc, bad_transaction_requests);
    suite_add_tcase(s, tc);
    return s;
}

#include "tests/unit/check_main.h"
