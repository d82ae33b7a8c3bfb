#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/xlcfg_lex.h"

void xlcfg_lex_init(struct xlcfg_lexer *lx, const char *text, size_t len, int first_line)
{
    memset(lx, 0, sizeof(*lx));
    lx->p = text;
    lx->end = text + len;
    lx->line = first_line;
}

static enum xlcfg_tok lex_fail(struct xlcfg_lexer *lx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum xlcfg_tok lex_fail(struct xlcfg_lexer *lx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->err, sizeof(lx->err), fmt, ap);
    va_end(ap);
    free(lx->tok_text);
    lx->tok_text = NULL;
    return TOK_ERROR;
}

static int is_ident_start(char c) { return c >= 'a' && c <= 'z'; }

static int is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '_';
}

/* xl's NUMBER token is this loose on purpose: the text is only checked
 * when a key is read as a number, so "0x1f" and "017" both lex here. */
static int is_number_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';
}

static enum xlcfg_tok take_text(struct xlcfg_lexer *lx, const char *start, size_t n,
                                enum xlcfg_tok tok)
{
    lx->tok_text = strndup(start, n);
    if (!lx->tok_text)
        return lex_fail(lx, "out of memory");
    return tok;
}

static int escape_char(char c, char *out)
{
    switch (c) {
    case '"': case '\'': case '\\': *out = c; return 0;
    case 'a': *out = '\a'; return 0;
    case 'b': *out = '\b'; return 0;
    case 'f': *out = '\f'; return 0;
    case 'n': *out = '\n'; return 0;
    case 'r': *out = '\r'; return 0;
    case 't': *out = '\t'; return 0;
    case 'v': *out = '\v'; return 0;
    default: return -1;
    }
}

static enum xlcfg_tok lex_string(struct xlcfg_lexer *lx)
{
    char quote = *lx->p++;
    /* The unescaped text is never longer than the quoted one. */
    const char *scan = lx->p;
    while (scan < lx->end && *scan != quote && *scan != '\n') {
        if (*scan == '\\' && scan + 1 < lx->end && scan[1] != '\n')
            scan++;
        scan++;
    }
    if (scan >= lx->end)
        return lex_fail(lx, "unterminated string: missing closing %c", quote);
    if (*scan == '\n')
        return lex_fail(lx, "unterminated string: a quoted string cannot span lines");

    char *out = malloc((size_t)(scan - lx->p) + 1);
    if (!out)
        return lex_fail(lx, "out of memory");
    lx->tok_text = out;
    while (lx->p < scan) {
        char c = *lx->p++;
        if (c != '\\') {
            *out++ = c;
            continue;
        }
        char e = *lx->p++;
        if (escape_char(e, out) < 0) {
            if (e >= 0x20 && e < 0x7f)
                return lex_fail(lx, "invalid escape '\\%c' in a quoted string "
                                "(allowed: \\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v)", e);
            return lex_fail(lx, "invalid escape (backslash followed by byte 0x%02x) "
                            "in a quoted string", (unsigned char)e);
        }
        out++;
    }
    *out = '\0';
    lx->p = scan + 1;
    return TOK_STRING;
}

enum xlcfg_tok xlcfg_lex_next(struct xlcfg_lexer *lx)
{
    lx->tok_text = NULL;
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r'))
        lx->p++;
    lx->tok_line = lx->line;
    if (lx->p >= lx->end)
        return TOK_END;

    char c = *lx->p;
    if (c == '#') {
        /* xl insists on a newline after a comment; a last line without
         * one is accepted here too rather than called an error. */
        while (lx->p < lx->end && *lx->p != '\n')
            lx->p++;
        if (lx->p < lx->end) {
            lx->p++;
            lx->line++;
        }
        return TOK_NEWLINE;
    }
    if (c == '\n') {
        lx->p++;
        lx->line++;
        return TOK_NEWLINE;
    }
    switch (c) {
    case ';': lx->p++; return TOK_SEMI;
    case '=': lx->p++; return TOK_ASSIGN;
    case ',': lx->p++; return TOK_COMMA;
    case '[': lx->p++; return TOK_LBRACKET;
    case ']': lx->p++; return TOK_RBRACKET;
    case '+':
        if (lx->p + 1 < lx->end && lx->p[1] == '=') {
            lx->p += 2;
            return TOK_APPEND;
        }
        return lex_fail(lx, "unexpected character '+' (did you mean '+='?)");
    case '"':
    case '\'':
        return lex_string(lx);
    }
    const char *start = lx->p;
    if (is_ident_start(c)) {
        while (lx->p < lx->end && is_ident_char(*lx->p))
            lx->p++;
        return take_text(lx, start, (size_t)(lx->p - start), TOK_IDENT);
    }
    if (c >= '0' && c <= '9') {
        while (lx->p < lx->end && is_number_char(*lx->p))
            lx->p++;
        return take_text(lx, start, (size_t)(lx->p - start), TOK_NUMBER);
    }
    if (c >= 'A' && c <= 'Z')
        return lex_fail(lx, "unexpected character '%c': keys are lower case "
                        "([a-z][._0-9a-z]*) and strings must be quoted", c);
    if (c == '-')
        return lex_fail(lx, "unexpected character '-': numbers cannot be negative "
                        "and strings must be quoted");
    if (c > 0x20 && c < 0x7f)
        return lex_fail(lx, "unexpected character '%c' (strings must be quoted)", c);
    return lex_fail(lx, "unexpected byte 0x%02x", (unsigned char)c);
}
