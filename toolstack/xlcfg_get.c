/* Reading settings as the types the keys need, with errors that say
 * where the offending value was written. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/xlcfg_int.h"

static const char *kind(enum xlcfg_type t)
{
    return t == XLCFG_STRING ? "a string" : t == XLCFG_NUMBER ? "a number" : "a list";
}

int xlcfg_number_value(const char *text, long long *out)
{
    /* strtoll would also take a sign or leading blanks; xl's numbers
     * have neither. */
    if (!text || text[0] < '0' || text[0] > '9')
        return -EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 0);
    if (errno == ERANGE)
        return -ERANGE;
    if (*end != '\0')
        return -EINVAL;
    *out = v;
    return 0;
}

static struct xlcfg_setting *want(xlcfg *cfg, const char *key)
{
    return xlcfg_find(cfg, key);
}

static int wrong_type(xlcfg *cfg, const struct xlcfg_setting *s, const char *expected)
{
    return xlcfg_fail(cfg, -EINVAL, "%s:%d: key \"%s\" must be %s, not %s", s->source, s->line,
                      s->key, expected, kind(s->value->type));
}

int xlcfg_get_string(xlcfg *cfg, const char *key, const char **out)
{
    struct xlcfg_setting *s = want(cfg, key);
    if (!s)
        return -ENOENT;
    if (s->value->type != XLCFG_STRING)
        return wrong_type(cfg, s, "a string");
    *out = s->value->text;
    return 0;
}

int xlcfg_get_int(xlcfg *cfg, const char *key, long long min, long long max, long long *out)
{
    struct xlcfg_setting *s = want(cfg, key);
    if (!s)
        return -ENOENT;
    const struct xlcfg_value *v = s->value;
    if (v->type == XLCFG_LIST)
        return wrong_type(cfg, s, "a number");
    long long n;
    int rc = xlcfg_number_value(v->text, &n);
    if (rc == -EINVAL && v->type == XLCFG_STRING)
        return wrong_type(cfg, s, "a number");
    if (rc == -EINVAL)
        return xlcfg_fail(cfg, -EINVAL,
                          "%s:%d: key \"%s\": %s is not a valid number (write decimal, "
                          "octal with a leading 0, or hex with 0x)",
                          s->source, s->line, key, v->text);
    if (rc == -ERANGE || n < min || n > max)
        return xlcfg_fail(cfg, -ERANGE, "%s:%d: key \"%s\" must be between %lld and %lld, not %s",
                          s->source, s->line, key, min, max, v->text);
    *out = n;
    return 0;
}

int xlcfg_get_bool(xlcfg *cfg, const char *key, bool *out)
{
    long long n;
    int rc = xlcfg_get_int(cfg, key, 0, 0x7fffffffffffffffLL, &n);
    if (rc == 0)
        *out = n != 0;
    return rc;
}

int xlcfg_get_string_list(xlcfg *cfg, const char *key, const char ***out, size_t *count)
{
    struct xlcfg_setting *s = want(cfg, key);
    if (!s)
        return -ENOENT;
    const struct xlcfg_value *v = s->value;
    if (v->type != XLCFG_LIST)
        return wrong_type(cfg, s, "a list");
    for (size_t i = 0; i < v->count; i++)
        if (v->items[i]->type != XLCFG_STRING)
            return xlcfg_fail(cfg, -EINVAL,
                              "%s:%d: key \"%s\" must be a list of strings, but item %zu is %s",
                              s->source, s->line, key, i + 1, kind(v->items[i]->type));
    *count = v->count;
    *out = NULL;
    if (!v->count)
        return 0;
    const char **arr = malloc(v->count * sizeof(*arr));
    if (!arr)
        return xlcfg_fail(cfg, -ENOMEM, "out of memory");
    for (size_t i = 0; i < v->count; i++)
        arr[i] = v->items[i]->text;
    *out = arr;
    return 0;
}
