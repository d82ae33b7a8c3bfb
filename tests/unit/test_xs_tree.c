/* xenolith-stored's pure parts: paths, permission lists, the COW tree. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "xenstore-like/path.h"
#include "xenstore-like/perms.h"
#include "xenstore-like/tree.h"
#include "xenstore-like/xs_wire.h"

START_TEST(path_rules)
{
    char out[XS_PATH_BUF];
    bool rel;
    ck_assert_int_eq(xs_path_resolve("/local/domain/1/a-b_c@d", 0, 0, out, &rel), 0);
    ck_assert(!rel);
    ck_assert_int_eq(xs_path_resolve("/", 0, 0, out, &rel), 0);
    ck_assert_int_eq(xs_path_resolve("device/vbd", 7, 0, out, &rel), 0);
    ck_assert(rel);
    ck_assert_str_eq(out, "/local/domain/7/device/vbd");
    const char *bad[] = {"", "/a//b", "/a/", "/a b", "/a\nb", "a/", "/a/\x01", "/a.b", "/a:b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(xs_path_resolve(bad[i], 0, 0, out, &rel) == EINVAL, "'%s' accepted", bad[i]);
    ck_assert_int_eq(xs_path_resolve("@releaseDomain", 0, 0, out, &rel), EINVAL);
    ck_assert_int_eq(xs_path_resolve("@releaseDomain", 0, XS_PATH_SPECIAL_OK, out, &rel), 0);
}
END_TEST

START_TEST(path_lengths)
{
    static char in[XENSTORE_ABS_PATH_MAX + 2];
    char out[XS_PATH_BUF];
    bool rel;
    memset(in, 'a', sizeof(in) - 1);
    in[0] = '/';
    in[XENSTORE_ABS_PATH_MAX] = '\0';
    ck_assert_int_eq(xs_path_resolve(in, 0, 0, out, &rel), 0);
    in[XENSTORE_ABS_PATH_MAX] = 'a';
    in[XENSTORE_ABS_PATH_MAX + 1] = '\0';
    ck_assert_int_eq(xs_path_resolve(in, 0, 0, out, &rel), EINVAL);
    /* relative: at most XENSTORE_REL_PATH_MAX */
    memset(in, 'b', XENSTORE_REL_PATH_MAX + 1);
    in[XENSTORE_REL_PATH_MAX + 1] = '\0';
    ck_assert_int_eq(xs_path_resolve(in, 3, 0, out, &rel), EINVAL);
    in[XENSTORE_REL_PATH_MAX] = '\0';
    ck_assert_int_eq(xs_path_resolve(in, 3, 0, out, &rel), 0);
}
END_TEST

START_TEST(path_under)
{
    ck_assert(xs_path_under("/a/b", "/a"));
    ck_assert(xs_path_under("/a", "/a"));
    ck_assert(!xs_path_under("/ab", "/a"));
    ck_assert(xs_path_under("/x", "/"));
}
END_TEST

START_TEST(perms_parse_format)
{
    static const char in[] = "b0\0r5\0n12\0w65535";
    struct xs_perms *p;
    ck_assert_int_eq(xs_perms_parse(in, sizeof(in), &p), 0);
    ck_assert_uint_eq(p->n, 4);
    char buf[64];
    size_t n = xs_perms_format(p, buf, sizeof(buf));
    ck_assert_uint_eq(n, sizeof(in));
    ck_assert_mem_eq(buf, in, n);
    xs_perms_unref(p);
    const char *bad[] = {"x1", "r", "r-1", "r65536", "r1a", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(xs_perms_parse(bad[i], strlen(bad[i]) + 1, &p) == EINVAL, "'%s' accepted",
                      bad[i]);
    ck_assert_int_eq(xs_perms_parse("r1", 2, &p), EINVAL); /* unterminated */
}
END_TEST

START_TEST(perms_access)
{
    static const char in[] = "n5\0r7\0w8\0b9";
    struct xs_perms *p;
    ck_assert_int_eq(xs_perms_parse(in, sizeof(in), &p), 0);
    ck_assert_uint_eq(xs_perms_access(p, 5, XS_NO_TARGET), XS_ACC_READ | XS_ACC_WRITE);
    ck_assert_uint_eq(xs_perms_access(p, 7, XS_NO_TARGET), XS_ACC_READ);
    ck_assert_uint_eq(xs_perms_access(p, 8, XS_NO_TARGET), XS_ACC_WRITE);
    ck_assert_uint_eq(xs_perms_access(p, 9, XS_NO_TARGET), XS_ACC_READ | XS_ACC_WRITE);
    ck_assert_uint_eq(xs_perms_access(p, 3, XS_NO_TARGET), 0);
    /* a stub domain targeting 5 acts as its owner; one targeting 7 reads */
    ck_assert_uint_eq(xs_perms_access(p, 3, 5), XS_ACC_READ | XS_ACC_WRITE);
    ck_assert_uint_eq(xs_perms_access(p, 3, 7), XS_ACC_READ);
    xs_perms_unref(p);
}
END_TEST

static struct xs_node *mkroot(void)
{
    struct xs_perms *p = xs_perms_new1(0, 'n');
    struct xs_node *r = xs_tree_new_root(p, 1);
    xs_perms_unref(p);
    return r;
}

static void put(struct xs_node **root, const char *path, const char *val, uint64_t gen)
{
    struct xs_perms *p = xs_perms_new1(0, 'n');
    unsigned made;
    int err;
    struct xs_node *n = xs_tree_create(root, path, p, gen, NULL, &made, &err);
    xs_perms_unref(p);
    ck_assert_ptr_nonnull(n);
    ck_assert_int_eq(xs_node_set_value(n, val, (uint32_t)strlen(val), gen), 0);
}

static const char *val(const struct xs_node *root, const char *path)
{
    static char buf[256];
    const struct xs_node *n = xs_tree_lookup(root, path);
    if (!n)
        return "(none)";
    if (n->vlen)
        memcpy(buf, n->value, n->vlen);
    buf[n->vlen] = '\0';
    return buf;
}

START_TEST(tree_create_lookup_sorted)
{
    struct xs_node *root = mkroot();
    put(&root, "/b/x", "1", 2);
    put(&root, "/a", "2", 3);
    put(&root, "/c/d/e", "3", 4);
    put(&root, "/b/a", "4", 5);
    ck_assert_str_eq(val(root, "/b/x"), "1");
    ck_assert_str_eq(val(root, "/c/d"), "");
    ck_assert_str_eq(val(root, "/c/d/e/f"), "(none)");
    ck_assert_uint_eq(root->nkids, 3);
    ck_assert_str_eq(root->kids[0]->name, "a");
    ck_assert_str_eq(root->kids[1]->name, "b");
    const struct xs_node *b = xs_tree_lookup(root, "/b");
    ck_assert_str_eq(b->kids[0]->name, "a");
    ck_assert_str_eq(b->kids[1]->name, "x");
    ck_assert_uint_eq(xs_tree_count(root), 8); /* /, a, b, b/x, b/a, c, c/d, c/d/e */
    size_t plen;
    const struct xs_node *near = xs_tree_nearest(root, "/c/d/zz/y", &plen);
    ck_assert_str_eq(near->name, "d");
    ck_assert_uint_eq(plen, 4);
    xs_node_unref(root);
}
END_TEST

START_TEST(tree_snapshot_is_isolated)
{
    struct xs_node *root = mkroot();
    put(&root, "/a/b", "old", 2);
    put(&root, "/a/c", "keep", 3);
    put(&root, "/q/r", "s", 3);
    struct xs_node *snap = xs_node_ref(root);
    put(&root, "/a/b", "new", 4);
    ck_assert_int_eq(xs_tree_remove(&root, "/a/c", 5, NULL), 0);
    put(&root, "/z", "z", 6);
    ck_assert_str_eq(val(snap, "/a/b"), "old");
    ck_assert_str_eq(val(snap, "/a/c"), "keep");
    ck_assert_str_eq(val(snap, "/z"), "(none)");
    ck_assert_str_eq(val(root, "/a/b"), "new");
    ck_assert_str_eq(val(root, "/a/c"), "(none)");
    /* generations: the snapshot keeps the old ones */
    ck_assert_uint_eq(xs_tree_lookup(snap, "/a/b")->gen, 2);
    ck_assert_uint_eq(xs_tree_lookup(root, "/a/b")->gen, 4);
    ck_assert_uint_eq(xs_tree_lookup(root, "/a")->cgen, 5);
    /* untouched subtrees stay shared */
    ck_assert_ptr_eq(xs_tree_lookup(snap, "/q"), xs_tree_lookup(root, "/q"));
    xs_node_unref(snap);
    xs_node_unref(root);
}
END_TEST

static int removed_count;
static void on_removed(void *ctx, const struct xs_node *n)
{
    (void)ctx;
    (void)n;
    removed_count++;
}

START_TEST(tree_remove_subtree)
{
    struct xs_node *root = mkroot();
    put(&root, "/a/b/c", "1", 2);
    put(&root, "/a/b/d", "1", 3);
    put(&root, "/a/e", "1", 4);
    struct xs_tree_hooks h = {.removed = on_removed};
    removed_count = 0;
    ck_assert_int_eq(xs_tree_remove(&root, "/a/b", 5, &h), 0);
    ck_assert_int_eq(removed_count, 3);
    ck_assert_int_eq(xs_tree_remove(&root, "/a/b", 6, &h), ENOENT);
    ck_assert_int_eq(xs_tree_remove(&root, "/", 6, &h), ENOENT);
    ck_assert_str_eq(val(root, "/a/e"), "1");
    xs_node_unref(root);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_tree");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, path_rules);
    tcase_add_test(tc, path_lengths);
    tcase_add_test(tc, path_under);
    tcase_add_test(tc, perms_parse_format);
    tcase_add_test(tc, perms_access);
    tcase_add_test(tc, tree_create_lookup_sorted);
    tcase_add_test(tc, tree_snapshot_is_isolated);
    tcase_add_test(tc, tree_remove_subtree);
    suite_add_tcase(s, tc);
    return s;
}

#include "tests/unit/check_main.h"
