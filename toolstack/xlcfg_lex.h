/* The tokens of xl.cfg(5), for the parser in xlcfg.c. */
#ifndef XENOLITH_XLCFG_LEX_H
#define XENOLITH_XLCFG_LEX_H

#include <stddef.h>

enum xlcfg_tok {
    TOK_END,
    TOK_NEWLINE, /* also a comment, which runs to the end of its line */
    TOK_SEMI,
    TOK_ASSIGN,
    TOK_APPEND, /* += */
    TOK_COMMA,
    TOK_LBRACKET,
    TOK_RBRACKET,
    TOK_IDENT,
    TOK_NUMBER,
    TOK_STRING,
    TOK_ERROR, /* the lexer's message is in lex->err */
};

struct xlcfg_lexer {
    const char *p, *end;
    int line;         /* of the next character */
    int tok_line;     /* of the token just returned */
    char *tok_text;   /* IDENT, NUMBER, STRING: malloc'd, caller takes it */
    char err[256];
};

void xlcfg_lex_init(struct xlcfg_lexer *lx, const char *text, size_t len,
                    int first_line);
enum xlcfg_tok xlcfg_lex_next(struct xlcfg_lexer *lx);

#endif
