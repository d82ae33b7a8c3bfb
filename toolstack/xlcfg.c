/* Parsing xl.cfg text into settings (the grammar is in xl.cfg(5)). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "toolstack/xlcfg_int.h"
#include "toolstack/xlcfg_lex.h"

/* Deep enough for any real config, shallow enough that a hostile file
 * cannot exhaust the stack through recursion. */
#define MAX_LIST_DEPTH 32

xlcfg *xlcfg_new(void)
{
    return calloc(1, sizeof(xlcfg));
}

void xlcfg_value_free(struct xlcfg_value *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->count; i++)
        xlcfg_value_free(v->items[i]);
    free(v->items);
    free(v->text);
    free(v);
}

void xlcfg_free(xlcfg *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->nsettings; i++) {
        free(cfg->settings[i].key);
        xlcfg_value_free(cfg->settings[i].value);
    }
    free(cfg->settings);
    for (size_t i = 0; i < cfg->nsources; i++)
        free(cfg->sources[i]);
    free(cfg->sources);
    free(cfg);
}

const char *xlcfg_error(const xlcfg *cfg)
{
    return cfg->err;
}

int xlcfg_fail(xlcfg *cfg, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cfg->err, sizeof(cfg->err), fmt, ap);
    va_end(ap);
    return rc;
}

struct xlcfg_setting *xlcfg_find(const xlcfg *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->nsettings; i++)
        if (strcmp(cfg->settings[i].key, key) == 0)
            return &cfg->settings[i];
    return NULL;
}

const struct xlcfg_value *xlcfg_lookup(const xlcfg *cfg, const char *key,
                                       const char **source, int *line)
{
    struct xlcfg_setting *s = xlcfg_find(cfg, key);
    if (!s)
        return NULL;
    if (source)
        *source = s->source;
    if (line)
        *line = s->line;
    return s->value;
}

const char *xlcfg_main_source(const xlcfg *cfg)
{
    return cfg->nsources ? cfg->sources[0] : "<config>";
}

size_t xlcfg_key_count(const xlcfg *cfg)
{
    return cfg->nsettings;
}

const char *xlcfg_key_at(const xlcfg *cfg, size_t i)
{
    return i < cfg->nsettings ? cfg->settings[i].key : NULL;
}

struct parser {
    xlcfg *cfg;
    const char *source;
    struct xlcfg_lexer lx;
    enum xlcfg_tok tok;
    char *text; /* of the current token, owned until taken */
    int depth;
};

static void advance(struct parser *ps)
{
    free(ps->text);
    ps->tok = xlcfg_lex_next(&ps->lx);
    ps->text = ps->lx.tok_text;
}

static char *take_text(struct parser *ps)
{
    char *t = ps->text;
    ps->text = NULL;
    return t;
}

static int parse_fail(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int parse_fail(struct parser *ps, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return xlcfg_fail(ps->cfg, -EINVAL, "%s:%d: %s", ps->source, ps->lx.tok_line, msg);
}

/* A lexical error wins over whatever the parser expected at that point. */
static int lex_or_parse_fail(struct parser *ps, const char *what)
{
    if (ps->tok == TOK_ERROR)
        return parse_fail(ps, "%s", ps->lx.err);
    return parse_fail(ps, "%s", what);
}

static const char *describe(const struct parser *ps, char *buf, size_t len)
{
    switch (ps->tok) {
    case TOK_END: return "the end of the file";
    case TOK_NEWLINE: return "the end of the line";
    case TOK_SEMI: return "';'";
    case TOK_ASSIGN: return "'='";
    case TOK_APPEND: return "'+='";
    case TOK_COMMA: return "','";
    case TOK_LBRACKET: return "'['";
    case TOK_RBRACKET: return "']'";
    case TOK_IDENT: snprintf(buf, len, "the word %s", ps->text); return buf;
    case TOK_NUMBER: snprintf(buf, len, "the number %s", ps->text); return buf;
    case TOK_STRING: return "a string";
    case TOK_ERROR: return ps->lx.err;
    }
    return "?";
}

static void skip_newlines(struct parser *ps)
{
    while (ps->tok == TOK_NEWLINE)
        advance(ps);
}

static struct xlcfg_value *new_value(struct parser *ps, enum xlcfg_type type, char *text)
{
    struct xlcfg_value *v = calloc(1, sizeof(*v));
    if (!v) {
        free(text);
        xlcfg_fail(ps->cfg, -ENOMEM, "out of memory");
        return NULL;
    }
    v->type = type;
    v->text = text;
    return v;
}

static int list_push(struct xlcfg_value *list, struct xlcfg_value *item)
{
    struct xlcfg_value **n = realloc(list->items, (list->count + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    list->items = n;
    list->items[list->count++] = item;
    return 0;
}

static struct xlcfg_value *parse_value(struct parser *ps, const char *key);

/* After '[': values separated by commas; newlines are allowed after '[',
 * after each value and after each comma, and one trailing comma too. */
static struct xlcfg_value *parse_list(struct parser *ps, const char *key)
{
    int open_line = ps->lx.tok_line;
    if (++ps->depth > MAX_LIST_DEPTH) {
        parse_fail(ps, "lists nested deeper than %d levels in key \"%s\"", MAX_LIST_DEPTH, key);
        return NULL;
    }
    struct xlcfg_value *list = new_value(ps, XLCFG_LIST, NULL);
    if (!list)
        return NULL;
    advance(ps);
    skip_newlines(ps);
    char buf[128];
    while (ps->tok != TOK_RBRACKET) {
        if (ps->tok == TOK_END) {
            parse_fail(ps, "unterminated list for key \"%s\" (the '[' is on line %d)",
                       key, open_line);
            goto fail;
        }
        if (ps->tok != TOK_STRING && ps->tok != TOK_NUMBER && ps->tok != TOK_LBRACKET) {
            char what[300];
            snprintf(what, sizeof(what), "expected a value or ']' in the list for key \"%s\", found %s",
                     key, describe(ps, buf, sizeof(buf)));
            lex_or_parse_fail(ps, what);
            goto fail;
        }
        struct xlcfg_value *item = parse_value(ps, key);
        if (!item)
            goto fail;
        if (list_push(list, item) < 0) {
            xlcfg_value_free(item);
            xlcfg_fail(ps->cfg, -ENOMEM, "out of memory");
            goto fail;
        }
        skip_newlines(ps);
        if (ps->tok == TOK_COMMA) {
            advance(ps);
            skip_newlines(ps);
        } else if (ps->tok != TOK_RBRACKET) {
            if (ps->tok == TOK_END) {
                parse_fail(ps, "unterminated list for key \"%s\" (the '[' is on line %d)",
                           key, open_line);
                goto fail;
            }
            char what[300];
            snprintf(what, sizeof(what), "expected ',' or ']' in the list for key \"%s\", found %s",
                     key, describe(ps, buf, sizeof(buf)));
            lex_or_parse_fail(ps, what);
            goto fail;
        }
    }
    advance(ps);
    ps->depth--;
    return list;
fail:
    xlcfg_value_free(list);
    return NULL;
}

static struct xlcfg_value *parse_value(struct parser *ps, const char *key)
{
    struct xlcfg_value *v;
    switch (ps->tok) {
    case TOK_STRING:
        v = new_value(ps, XLCFG_STRING, take_text(ps));
        if (v)
            advance(ps);
        return v;
    case TOK_NUMBER:
        v = new_value(ps, XLCFG_NUMBER, take_text(ps));
        if (v)
            advance(ps);
        return v;
    case TOK_LBRACKET:
        return parse_list(ps, key);
    default:
        return NULL; /* callers check the token first */
    }
}

static int add_setting(struct parser *ps, char *key, struct xlcfg_value *v, int line)
{
    xlcfg *cfg = ps->cfg;
    if (cfg->nsettings == cfg->capsettings) {
        size_t cap = cfg->capsettings ? cfg->capsettings * 2 : 16;
        struct xlcfg_setting *n = realloc(cfg->settings, cap * sizeof(*n));
        if (!n)
            return xlcfg_fail(cfg, -ENOMEM, "out of memory");
        cfg->settings = n;
        cfg->capsettings = cap;
    }
    cfg->settings[cfg->nsettings++] = (struct xlcfg_setting){
        .key = key, .value = v, .source = ps->source, .line = line,
    };
    return 0;
}

static const char *type_name(enum xlcfg_type t)
{
    return t == XLCFG_STRING ? "a string" : t == XLCFG_NUMBER ? "a number" : "a list";
}

/* KEY += VALUE joins onto what the key already holds, as xl does: string
 * onto string, list onto list; anything else is a mistake worth telling. */
static int append_setting(struct parser *ps, struct xlcfg_setting *s,
                          struct xlcfg_value *v, int line)
{
    struct xlcfg_value *old = s->value;
    if (old->type == XLCFG_NUMBER || v->type == XLCFG_NUMBER || old->type != v->type) {
        int rc = xlcfg_fail(ps->cfg, -EINVAL,
                            "%s:%d: cannot use '+=' to add %s to key \"%s\", which holds %s "
                            "(set on %s:%d); '+=' joins strings to strings and lists to lists",
                            ps->source, line, type_name(v->type), s->key,
                            type_name(old->type), s->source, s->line);
        xlcfg_value_free(v);
        return rc;
    }
    if (old->type == XLCFG_STRING) {
        size_t a = strlen(old->text), b = strlen(v->text);
        char *joined = realloc(old->text, a + b + 1);
        if (!joined) {
            xlcfg_value_free(v);
            return xlcfg_fail(ps->cfg, -ENOMEM, "out of memory");
        }
        memcpy(joined + a, v->text, b + 1);
        old->text = joined;
    } else {
        struct xlcfg_value **n = realloc(old->items, (old->count + v->count) * sizeof(*n) + 1);
        if (!n) {
            xlcfg_value_free(v);
            return xlcfg_fail(ps->cfg, -ENOMEM, "out of memory");
        }
        old->items = n;
        if (v->count) /* an empty list has no items array to copy from */
            memcpy(old->items + old->count, v->items, v->count * sizeof(*n));
        old->count += v->count;
        v->count = 0;
    }
    xlcfg_value_free(v);
    s->source = ps->source;
    s->line = line;
    return 0;
}

static int store(struct parser *ps, char *key, struct xlcfg_value *v, int append, int line)
{
    struct xlcfg_setting *s = xlcfg_find(ps->cfg, key);
    if (s && append) {
        free(key);
        return append_setting(ps, s, v, line);
    }
    if (s) {
        /* The last assignment wins, but the key keeps its first position
         * so dumps list keys in the order the file introduced them. */
        free(key);
        xlcfg_value_free(s->value);
        s->value = v;
        s->source = ps->source;
        s->line = line;
        return 0;
    }
    int rc = add_setting(ps, key, v, line);
    if (rc < 0) {
        free(key);
        xlcfg_value_free(v);
    }
    return rc;
}

static int parse_statement(struct parser *ps)
{
    char buf[128];
    int line = ps->lx.tok_line;
    char *key = take_text(ps);
    advance(ps);
    if (ps->tok != TOK_ASSIGN && ps->tok != TOK_APPEND) {
        char what[300];
        snprintf(what, sizeof(what), "expected '=' or '+=' after key \"%s\", found %s",
                 key, describe(ps, buf, sizeof(buf)));
        free(key);
        return lex_or_parse_fail(ps, what);
    }
    int append = ps->tok == TOK_APPEND;
    const char *op = append ? "+=" : "=";
    advance(ps);
    if (ps->tok != TOK_STRING && ps->tok != TOK_NUMBER && ps->tok != TOK_LBRACKET) {
        char what[300];
        if (ps->tok == TOK_IDENT)
            snprintf(what, sizeof(what),
                     "expected a value after '%s' for key \"%s\" (strings must be quoted: \"%s\")",
                     op, key, ps->text);
        else
            snprintf(what, sizeof(what), "expected a value after '%s' for key \"%s\"", op, key);
        free(key);
        return lex_or_parse_fail(ps, what);
    }
    struct xlcfg_value *v = parse_value(ps, key);
    if (!v) {
        free(key);
        return -EINVAL;
    }
    if (ps->tok != TOK_NEWLINE && ps->tok != TOK_SEMI && ps->tok != TOK_END) {
        char what[300];
        snprintf(what, sizeof(what),
                 "expected a newline or ';' after the value of key \"%s\", found %s",
                 key, describe(ps, buf, sizeof(buf)));
        free(key);
        xlcfg_value_free(v);
        return lex_or_parse_fail(ps, what);
    }
    return store(ps, key, v, append, line);
}

static const char *intern_source(xlcfg *cfg, const char *source)
{
    for (size_t i = 0; i < cfg->nsources; i++)
        if (strcmp(cfg->sources[i], source) == 0)
            return cfg->sources[i];
    char **n = realloc(cfg->sources, (cfg->nsources + 1) * sizeof(*n));
    if (!n)
        return NULL;
    cfg->sources = n;
    char *copy = strdup(source);
    if (!copy)
        return NULL;
    cfg->sources[cfg->nsources++] = copy;
    return copy;
}

int xlcfg_parse_text(xlcfg *cfg, const char *source, const char *text, size_t len,
                     int first_line)
{
    struct parser ps = {.cfg = cfg};
    ps.source = intern_source(cfg, source);
    if (!ps.source)
        return xlcfg_fail(cfg, -ENOMEM, "out of memory");
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        int line = first_line;
        for (const char *q = text; q < nul; q++)
            line += *q == '\n';
        return xlcfg_fail(cfg, -EINVAL, "%s:%d: unexpected NUL byte (not a text file?)",
                          source, line);
    }
    xlcfg_lex_init(&ps.lx, text, len, first_line);
    advance(&ps);
    int rc = 0;
    while (rc == 0 && ps.tok != TOK_END) {
        char buf[128];
        switch (ps.tok) {
        case TOK_NEWLINE:
        case TOK_SEMI:
            advance(&ps);
            break;
        case TOK_IDENT:
            rc = parse_statement(&ps);
            if (rc == 0 && ps.tok != TOK_END)
                advance(&ps); /* the newline or ';' that ended it */
            break;
        default: {
            char what[300];
            snprintf(what, sizeof(what), "expected a key at the start of a statement, found %s",
                     describe(&ps, buf, sizeof(buf)));
            rc = lex_or_parse_fail(&ps, what);
            break;
        }
        }
    }
    free(ps.text);
    return rc;
}

int xlcfg_parse_file(xlcfg *cfg, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xlcfg_fail(cfg, -errno, "%s: cannot open config file: %s", path, strerror(errno));
    struct stat st;
    int e = 0;
    if (fstat(fd, &st) < 0)
        e = errno;
    else if (S_ISDIR(st.st_mode))
        e = EISDIR;
    if (e) {
        close(fd);
        return xlcfg_fail(cfg, -e, "%s: cannot read config file: %s", path, strerror(e));
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return xlcfg_fail(cfg, -ENOMEM, "out of memory");
    }
    for (;;) {
        if (len == cap) {
            char *n = realloc(buf, cap * 2);
            if (!n) {
                free(buf);
                close(fd);
                return xlcfg_fail(cfg, -ENOMEM, "out of memory");
            }
            buf = n;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return xlcfg_fail(cfg, -e, "%s: cannot read config file: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    int rc = xlcfg_parse_text(cfg, path, buf, len, 1);
    free(buf);
    return rc;
}

int xlcfg_parse_arg(xlcfg *cfg, const char *arg, int argno)
{
    return xlcfg_parse_text(cfg, "<command line>", arg, strlen(arg), argno);
}
