/* Shared by the xl.cfg unit tests: parse text as if it were guest.cfg. */
#ifndef XENOLITH_TEST_CFG_HELPERS_H
#define XENOLITH_TEST_CFG_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "toolstack/xlcfg.h"

static char cfg_errbuf[1024];

static inline xlcfg *cfg_from(const char *text)
{
    xlcfg *cfg = xlcfg_new();
    ck_assert_ptr_nonnull(cfg);
    int rc = xlcfg_parse_text(cfg, "guest.cfg", text, strlen(text), 1);
    ck_assert_msg(rc == 0, "parsing failed: %s", xlcfg_error(cfg));
    return cfg;
}

/* The message a text that must not parse is refused with. */
static inline const char *cfg_error(const char *text)
{
    xlcfg *cfg = xlcfg_new();
    ck_assert_ptr_nonnull(cfg);
    int rc = xlcfg_parse_text(cfg, "guest.cfg", text, strlen(text), 1);
    ck_assert_msg(rc < 0, "parsing should have failed: %s", text);
    snprintf(cfg_errbuf, sizeof(cfg_errbuf), "%s", xlcfg_error(cfg));
    xlcfg_free(cfg);
    return cfg_errbuf;
}

#define ck_assert_contains(hay, needle)                                                  \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" does not contain \"%s\"", (hay), \
                  (needle))

#endif
