/* xenolith-stored: watches and domain events. */
#include "config.h"

#include "tests/unit/test_xs_harness.h"

static struct xs_store *st;
static struct tconn *d0, *w;

static void setup(void)
{
    st = t_store();
    d0 = t_conn(st, 0);
    w = t_conn(st, 0);
}

static void teardown(void)
{
    xs_store_free(st);
    t_free(d0);
    t_free(w);
}

START_TEST(fires_at_registration)
{
    ck_assert_str_eq(T_WATCH(w, "/not/there/yet", "tok"), "OK");
    T_EXPECT_EVENT(w, "/not/there/yet tok");
    t_no_events(w);
    ck_assert_str_eq(T_WATCH(w, "/not/there/yet", "tok"), "EEXIST");
    ck_assert_str_eq(T_WATCH(w, "/not/there/yet", "tok2"), "OK");
    T_EXPECT_EVENT(w, "/not/there/yet tok2");
}
END_TEST

START_TEST(fires_on_path_and_descendants_only)
{
    ck_assert_str_eq(T_WATCH(w, "/a/b", "t"), "OK");
    t_drain(w);
    ck_assert_str_eq(T_WRITE(d0, 0, "/a/b", "1"), "OK");
    T_EXPECT_EVENT(w, "/a/b t");
    ck_assert_str_eq(T_WRITE(d0, 0, "/a/b/c/d", "1"), "OK");
    T_EXPECT_EVENT(w, "/a/b/c/d t");
    ck_assert_str_eq(T_WRITE(d0, 0, "/a/bc", "1"), "OK");
    ck_assert_str_eq(T_WRITE(d0, 0, "/a/x", "1"), "OK");
    ck_assert_str_eq(T_WRITE(d0, 0, "/a", "1"), "OK");
    t_no_events(w);
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/a/b/c", "b0"), "OK");
    T_EXPECT_EVENT(w, "/a/b/c t");
    ck_assert_str_eq(T_MKDIR(d0, 0, "/a/b/c"), "OK"); /* no change, no event */
    t_no_events(w);
}
END_TEST

START_TEST(rm_subtree_fires_on_removed_path)
{
    ck_assert_str_eq(T_WRITE(d0, 0, "/r/s/t/u", "1"), "OK");
    ck_assert_str_eq(T_WATCH(w, "/r", "above"), "OK");
    ck_assert_str_eq(T_WATCH(w, "/r/s/t", "below"), "OK");
    ck_assert_str_eq(T_WATCH(w, "/r/s/t/u/v/never", "deep"), "OK");
    t_drain(w);
    ck_assert_str_eq(T_RM(d0, 0, "/r/s"), "OK");
    /* the watch above hears of the removed path; those below, of their own */
    T_EXPECT_EVENT(w, "/r/s above");
    T_EXPECT_EVENT(w, "/r/s/t below");
    T_EXPECT_EVENT(w, "/r/s/t/u/v/never deep");
    t_no_events(w);
}
END_TEST

START_TEST(path_order_and_root_watch)
{
    ck_assert_str_eq(T_WATCH(w, "/p/q", "2"), "OK");
    ck_assert_str_eq(T_WATCH(w, "/", "0"), "OK");
    ck_assert_str_eq(T_WATCH(w, "/p", "1"), "OK");
    t_drain(w);
    ck_assert_str_eq(T_WRITE(d0, 0, "/p/q/r", "x"), "OK");
    T_EXPECT_EVENT(w, "/p/q/r 0");
    T_EXPECT_EVENT(w, "/p/q/r 1");
    T_EXPECT_EVENT(w, "/p/q/r 2");
    t_no_events(w);
}
END_TEST

START_TEST(unwatch_and_reset)
{
    ck_assert_str_eq(T_WATCH(w, "/u", "t"), "OK");
    ck_assert_str_eq(T_UNWATCH(w, "/u", "t"), "OK");
    ck_assert_str_eq(T_UNWATCH(w, "/u", "t"), "ENOENT");
    ck_assert_str_eq(T_WATCH(w, "/u", "t1"), "OK");
    ck_assert_str_eq(T_WATCH(w, "/v", "t2"), "OK");
    uint32_t tx = t_tx_start(w);
    ck_assert_str_eq(t_call(w, XS_RESET_WATCHES, 0, 1, ""), "OK");
    t_drain(w);
    ck_assert_str_eq(T_WRITE(d0, 0, "/u", "1"), "OK");
    ck_assert_str_eq(T_WRITE(d0, 0, "/v", "1"), "OK");
    t_no_events(w);
    ck_assert_str_eq(T_READ(w, tx, "/u"), "ENOENT"); /* its transaction went too */
    ck_assert_uint_eq(st->watches.count, 0);
}
END_TEST

START_TEST(relative_watch_relative_events)
{
    struct tconn *g = t_conn(st, 3);
    ck_assert_str_eq(T_MKDIR(d0, 0, "/local/domain/3"), "OK");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 2, "/local/domain/3", "b3"), "OK");
    ck_assert_str_eq(T_WATCH(g, "control/shutdown", "sd"), "OK");
    T_EXPECT_EVENT(g, "control/shutdown sd");
    ck_assert_str_eq(T_WRITE(d0, 0, "/local/domain/3/control/shutdown", "poweroff"), "OK");
    T_EXPECT_EVENT(g, "control/shutdown sd");
    ck_assert_str_eq(T_UNWATCH(g, "control/shutdown", "sd"), "OK");
    xs_conn_close_now(&g->c);
    t_free(g);
}
END_TEST

START_TEST(guests_hear_only_readable_nodes)
{
    struct tconn *g = t_conn(st, 4);
    ck_assert_str_eq(T_WATCH(g, "/shared", "t"), "OK");
    t_drain(g);
    ck_assert_str_eq(T_WRITE(d0, 0, "/shared/private", "x"), "OK");
    t_no_events(g);
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 3, "/shared/private", "n0", "r4"), "OK");
    T_EXPECT_EVENT(g, "/shared/private t");
    ck_assert_str_eq(T_WRITE(d0, 0, "/shared/private", "y"), "OK");
    T_EXPECT_EVENT(g, "/shared/private t");
    xs_conn_close_now(&g->c);
    t_free(g);
}
END_TEST

START_TEST(introduce_and_release_events)
{
    ck_assert_str_eq(T_WATCH(w, "@introduceDomain", "in"), "OK");
    ck_assert_str_eq(T_WATCH(w, "@releaseDomain", "out"), "OK");
    T_EXPECT_EVENT(w, "@introduceDomain in");
    T_EXPECT_EVENT(w, "@releaseDomain out");
    ck_assert_str_eq(t_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "7"), "F");
    ck_assert_str_eq(t_call(d0, XS_INTRODUCE, 0, 3, "7", "4096", "12"), "OK");
    T_EXPECT_EVENT(w, "@introduceDomain in");
    ck_assert_str_eq(t_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "7"), "T");
    ck_assert_str_eq(t_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "0"), "T");
    /* again with the same ring: fine, no new event; another ring: refused */
    ck_assert_str_eq(t_call(d0, XS_INTRODUCE, 0, 3, "7", "4096", "12"), "OK");
    ck_assert_str_eq(t_call(d0, XS_INTRODUCE, 0, 3, "7", "8192", "12"), "EEXIST");
    t_no_events(w);

    /* the domain's own connection, its watch and its transaction */
    struct tconn *g = t_conn(st, 7);
    ck_assert_str_eq(T_WATCH(g, "/x", "gw"), "OK");
    t_tx_start(g);
    ck_assert_int_eq(xs_domain_find(&st->doms, 7)->watches, 1);
    ck_assert_int_eq(xs_domain_find(&st->doms, 7)->txns, 1);

    ck_assert_str_eq(t_call(d0, XS_RELEASE, 0, 1, "7"), "OK");
    T_EXPECT_EVENT(w, "@releaseDomain out");
    ck_assert(g->closed);
    ck_assert_int_eq(xs_domain_find(&st->doms, 7)->watches, 0);
    ck_assert_int_eq(xs_domain_find(&st->doms, 7)->txns, 0);
    ck_assert_uint_eq(st->watches.count, 2);
    ck_assert_str_eq(t_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "7"), "F");
    ck_assert_str_eq(t_call(d0, XS_RELEASE, 0, 1, "7"), "ENOENT");
    t_free(g);
}
END_TEST

static enum xs_dom_state probe_state[16];
static enum xs_dom_state probe(void *ctx, uint32_t domid)
{
    (void)ctx;
    return domid < 16 ? probe_state[domid] : XS_DOM_GONE;
}

START_TEST(domain_death_through_probe)
{
    ck_assert_str_eq(T_WATCH(w, "@releaseDomain", "out"), "OK");
    t_drain(w);
    ck_assert_str_eq(t_call(d0, XS_INTRODUCE, 0, 3, "3", "1", "1"), "OK");
    ck_assert_str_eq(t_call(d0, XS_INTRODUCE, 0, 3, "4", "1", "1"), "OK");
    memset(probe_state, 0, sizeof(probe_state));
    xs_domains_check(st, probe, NULL);
    t_no_events(w);
    probe_state[3] = XS_DOM_SHUTDOWN;
    xs_domains_check(st, probe, NULL);
    T_EXPECT_EVENT(w, "@releaseDomain out");
    xs_domains_check(st, probe, NULL); /* reported once */
    t_no_events(w);
    ck_assert_str_eq(t_call(d0, XS_RESUME, 0, 1, "3"), "OK");
    xs_domains_check(st, probe, NULL); /* after RESUME, again */
    T_EXPECT_EVENT(w, "@releaseDomain out");
    probe_state[4] = XS_DOM_GONE;
    xs_domains_check(st, probe, NULL);
    T_EXPECT_EVENT(w, "@releaseDomain out");
    ck_assert_str_eq(t_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "4"), "F");
    ck_assert_str_eq(t_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "3"), "T");
}
END_TEST

START_TEST(domain_requests_checked)
{
    struct tconn *g = t_conn(st, 9);
    ck_assert_str_eq(t_call(g, XS_INTRODUCE, 0, 3, "8", "1", "1"), "EACCES");
    ck_assert_str_eq(t_call(g, XS_RELEASE, 0, 1, "8"), "EACCES");
    ck_assert_str_eq(t_call(g, XS_RESUME, 0, 1, "8"), "EACCES");
    ck_assert_str_eq(t_call(g, XS_GET_DOMAIN_PATH, 0, 1, "8"), "/local/domain/8");
    ck_assert_str_eq(t_call(d0, XS_GET_DOMAIN_PATH, 0, 1, "0"), "/local/domain/0");
    ck_assert_str_eq(t_call(d0, XS_GET_DOMAIN_PATH, 0, 1, "x"), "EINVAL");
    ck_assert_str_eq(t_call(d0, XS_GET_DOMAIN_PATH, 0, 1, "32752"), "EINVAL"); /* DOMID_FIRST_RESERVED */
    ck_assert_str_eq(t_call(d0, XS_INTRODUCE, 0, 3, "0", "1", "1"), "EINVAL");
    ck_assert_str_eq(t_call(d0, XS_INTRODUCE, 0, 2, "8", "1"), "EINVAL");
    ck_assert_str_eq(t_call(d0, XS_INTRODUCE, 0, 3, "8", "zz", "1"), "EINVAL");
    ck_assert_str_eq(t_call(d0, XS_RESUME, 0, 1, "8"), "ENOENT");
    ck_assert_str_eq(t_call(g, XS_GET_PERMS, 0, 1, "@releaseDomain"), "EACCES");
    ck_assert_str_eq(t_call(d0, XS_GET_PERMS, 0, 1, "@releaseDomain"), "n0");
    ck_assert_str_eq(t_call(d0, XS_SET_PERMS, 0, 3, "@releaseDomain", "n0", "r9"), "OK");
    ck_assert_str_eq(t_call(g, XS_GET_PERMS, 0, 1, "@releaseDomain"), "n0|r9");
    xs_conn_close_now(&g->c);
    t_free(g);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_watch");
    TCase *tc = tcase_create("watch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, fires_at_registration);
    tcase_add_test(tc, fires_on_path_and_descendants_only);
    tcase_add_test(tc, rm_subtree_fires_on_removed_path);
    tcase_add_test(tc, path_order_and_root_watch);
    tcase_add_test(tc, unwatch_and_reset);
    tcase_add_test(tc, relative_watch_relative_events);
    tcase_add_test(tc, guests_hear_only_readable_nodes);
    tcase_add_test(tc, introduce_and_release_events);
    tcase_add_test(tc, domain_death_through_probe);
    tcase_add_test(tc, domain_requests_checked);
    suite_add_tcase(s, tc);
    return s;
}

#include "tests/unit/check_main.h"
