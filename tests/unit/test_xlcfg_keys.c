/*
 * Unit tests of the xl.cfg key table (toolstack/xlcfg_keys.c): every
 * top-level key Xen 4.17's xl.cfg(5) names has exactly one disposition,
 * and our man/xl.cfg.5 lists the table as it is.
 *
 * Xen's page is read at test time from Debian's xen-utils-common (pulled
 * in by xen-utils-4.17, a build dependency in build.sh), or from
 * $XEN_XL_CFG_MAN; without it the test fails and says so.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "toolstack/xlcfg_keys.h"

#define XEN_MAN_DEFAULT "/usr/share/man/man5/xl.cfg.5.gz"
#define MAX_XEN_KEYS 512

static char *xen_keys[MAX_XEN_KEYS];
static size_t nxen_keys;

static const char *xen_man_path(void)
{
    const char *p = getenv("XEN_XL_CFG_MAN");
    return p && *p ? p : XEN_MAN_DEFAULT;
}

static void add_xen_key(const char *key, size_t len)
{
    for (size_t i = 0; i < nxen_keys; i++)
        if (strlen(xen_keys[i]) == len && strncmp(xen_keys[i], key, len) == 0)
            return; /* listed again under another guest type */
    ck_assert_uint_lt(nxen_keys, MAX_XEN_KEYS);
    xen_keys[nxen_keys++] = strndup(key, len);
}

/*
 * Xen's page is pod2man output: each item has an index line
 * `.IX Item "KEY=VALUE..."`. A top-level key is an item outside any
 * .RS/.RE block whose text starts with KEY=; items inside a block are a
 * spec's own keys (vnuma's pnode=) or a value's words (on_crash's
 * destroy), and the items without '=' are the syntax's value kinds and
 * SEE ALSO's pages.
 */
static void read_xen_keys(void)
{
    const char *path = xen_man_path();
    gzFile f = gzopen(path, "rb");
    ck_assert_msg(f != NULL,
                  "cannot read Xen's xl.cfg(5) at %s: install xen-utils-common (through "
                  "xen-utils-4.17, in build.sh's DEPS) or point XEN_XL_CFG_MAN at the page",
                  path);
    char line[4096];
    int depth = 0;
    while (gzgets(f, line, sizeof(line))) {
        if (strncmp(line, ".RS", 3) == 0)
            depth++;
        else if (strncmp(line, ".RE", 3) == 0)
            depth--;
        else if (depth == 0 && strncmp(line, ".IX Item \"", 10) == 0) {
            const char *k = line + 10;
            size_t len = 0;
            if (k[0] >= 'a' && k[0] <= 'z')
                len = strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_");
            if (len && k[len] == '=')
                add_xen_key(k, len);
        }
    }
    gzclose(f);
    /* A page whose format changed would give no keys and prove nothing. */
    ck_assert_msg(nxen_keys >= 100, "only %zu keys found in %s: has its format changed?",
                  nxen_keys, path);
}

static void free_xen_keys(void)
{
    for (size_t i = 0; i < nxen_keys; i++)
        free(xen_keys[i]);
    nxen_keys = 0;
}

START_TEST(every_xen_key_has_exactly_one_disposition)
{
    read_xen_keys();
    /* Spot checks that the parse found what Xen's page lists, from the
     * first section to the last. */
    static const char *const expected[] = {"name", "type", "builder", "cpus", "on_crash",
                                           "disk", "vif", "pci", "nestedhvm", "msr_relaxed"};
    for (size_t e = 0; e < sizeof(expected) / sizeof(expected[0]); e++) {
        bool found = false;
        for (size_t i = 0; i < nxen_keys; i++)
            found |= strcmp(xen_keys[i], expected[e]) == 0;
        ck_assert_msg(found, "key \"%s\" not found in %s", expected[e], xen_man_path());
    }
    for (size_t i = 0; i < nxen_keys; i++) {
        int n = 0;
        for (size_t j = 0; j < xlcfg_keys_count; j++)
            n += strcmp(xlcfg_keys[j].name, xen_keys[i]) == 0;
        ck_assert_msg(n == 1, "Xen's xl.cfg(5) key \"%s\" has %d entries in xlcfg_keys.c, "
                      "not 1", xen_keys[i], n);
    }
    /* And nothing else: a key Xen does not name is "unknown", not ours. */
    for (size_t j = 0; j < xlcfg_keys_count; j++) {
        bool found = false;
        for (size_t i = 0; i < nxen_keys; i++)
            found |= strcmp(xlcfg_keys[j].name, xen_keys[i]) == 0;
        ck_assert_msg(found, "xlcfg_keys.c has \"%s\", which Xen's xl.cfg(5) does not name",
                      xlcfg_keys[j].name);
    }
    ck_assert_uint_eq(xlcfg_keys_count, nxen_keys);
    int count[3] = {0};
    for (size_t j = 0; j < xlcfg_keys_count; j++)
        count[xlcfg_keys[j].disposition]++;
    printf("xl.cfg keys: %zu in Xen 4.17's xl.cfg(5): %d act, %d warn, %d refuse\n", nxen_keys,
           count[XLCFG_ACT], count[XLCFG_WARN], count[XLCFG_REFUSE]);
    free_xen_keys();
}
END_TEST

START_TEST(entries_are_well_formed)
{
    for (size_t j = 0; j < xlcfg_keys_count; j++) {
        const struct xlcfg_key *k = &xlcfg_keys[j];
        ck_assert_ptr_eq(xlcfg_key_find(k->name), k);
        if (k->disposition == XLCFG_ACT) {
            ck_assert_msg(!k->reason, "act key \"%s\" has a reason", k->name);
        } else {
            /* A letter first: the man page's text line must not start a request. */
            ck_assert_msg(k->reason && isalpha((unsigned char)k->reason[0]),
                          "key \"%s\" needs a reason that starts with a letter", k->name);
            ck_assert_msg(!strchr(k->reason, '\n'), "reason of \"%s\" spans lines", k->name);
        }
        ck_assert_msg(!k->off_word || k->disposition == XLCFG_REFUSE,
                      "off_word on \"%s\", which is not refused", k->name);
    }
    ck_assert_ptr_null(xlcfg_key_find("frobnicate"));
    ck_assert_str_eq(xlcfg_disposition_name(XLCFG_ACT), "act");
    ck_assert_str_eq(xlcfg_disposition_name(XLCFG_WARN), "warn");
    ck_assert_str_eq(xlcfg_disposition_name(XLCFG_REFUSE), "refuse");
}
END_TEST

/* ---- man/xl.cfg.5 ---- */

static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

static void put_key(FILE *out, const char *name, bool first)
{
    fprintf(out, "%s\\fB", first ? "" : ", ");
    put_escaped(out, name);
    fputs("\\fR", out);
}

/*
 * The man page's list: the acted-on keys as one paragraph, then each
 * warned and refused reason once, as a .TP item tagged with its keys in
 * table order.
 */
static char *man_section(size_t *len)
{
    char *text;
    FILE *out = open_memstream(&text, len);
    ck_assert_ptr_nonnull(out);
    fputs(".SS \"Acted on\"\n", out);
    bool first = true;
    for (size_t j = 0; j < xlcfg_keys_count; j++)
        if (xlcfg_keys[j].disposition == XLCFG_ACT) {
            put_key(out, xlcfg_keys[j].name, first);
            first = false;
        }
    fputs(".\n", out);
    static const struct {
        enum xlcfg_disposition d;
        const char *title;
    } classes[] = {{XLCFG_WARN, "Accepted with a warning"}, {XLCFG_REFUSE, "Refused"}};
    for (size_t c = 0; c < 2; c++) {
        fprintf(out, ".SS \"%s\"\n", classes[c].title);
        for (size_t j = 0; j < xlcfg_keys_count; j++) {
            const struct xlcfg_key *k = &xlcfg_keys[j];
            if (k->disposition != classes[c].d)
                continue;
            bool seen = false;
            for (size_t i = 0; i < j; i++)
                seen |= xlcfg_keys[i].disposition == k->disposition &&
                        strcmp(xlcfg_keys[i].reason, k->reason) == 0;
            if (seen)
                continue;
            fputs(".TP\n", out);
            first = true;
            for (size_t i = j; i < xlcfg_keys_count; i++)
                if (xlcfg_keys[i].disposition == k->disposition &&
                    strcmp(xlcfg_keys[i].reason, k->reason) == 0) {
                    put_key(out, xlcfg_keys[i].name, first);
                    first = false;
                }
            /* As a sentence: the reason follows "key \"pci\": " in messages. */
            fprintf(out, "\n%c", toupper((unsigned char)k->reason[0]));
            put_escaped(out, k->reason + 1);
            fputs(".\n", out);
        }
    }
    fclose(out);
    return text;
}

#define BEGIN_MARK ".\\\" xlcfg_keys.c: begin\n"
#define END_MARK ".\\\" xlcfg_keys.c: end\n"

START_TEST(man_page_lists_the_table)
{
    const char *path = XENOLITH_SRCDIR "/man/xl.cfg.5";
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    char *page = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&page, &cap, '\0', f);
    fclose(f);
    ck_assert_int_gt(n, 0);
    char *begin = strstr(page, BEGIN_MARK), *end = begin ? strstr(begin, END_MARK) : NULL;
    ck_assert_msg(begin && end, "%s has no section between the lines %s and %s", path,
                  ".\\\" xlcfg_keys.c: begin", ".\\\" xlcfg_keys.c: end");
    begin += strlen(BEGIN_MARK);
    size_t len;
    char *want = man_section(&len);
    bool same = (size_t)(end - begin) == len && memcmp(begin, want, len) == 0;
    if (!same) {
        FILE *o = fopen("xl.cfg.5.keys", "w");
        if (o) {
            fwrite(want, 1, len, o);
            fclose(o);
        }
    }
    ck_assert_msg(same, "%s does not list the keys as toolstack/xlcfg_keys.c has them; the "
                  "section the table gives is in xl.cfg.5.keys (in the test's directory): put "
                  "it between the marks", path);
    free(want);
    free(page);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xlcfg_keys");
    TCase *t = tcase_create("table");
    tcase_add_test(t, every_xen_key_has_exactly_one_disposition);
    tcase_add_test(t, entries_are_well_formed);
    tcase_add_test(t, man_page_lists_the_table);
    suite_add_tcase(s, t);
    return s;
}

#include "tests/unit/check_main.h"
