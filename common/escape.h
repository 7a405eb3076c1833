/* escape.h: writing text that came from outside (rule names, resource ids,
 * file names, log text) safely into each place it is shown: HTML entities,
 * Markdown, CSV cells that a spreadsheet would take for a formula,
 * terminals and messages, and the POSIX shell of a suggested command.
 *
 * Every function reads its input as UTF-8 and treats three kinds of
 * characters as unsafe wherever text is shown: control characters (C0, DEL,
 * C1: escape sequences, \r overwrites), the Unicode bidirectional controls
 * (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069: text that reads
 * differently from what it is), and bytes that are not valid UTF-8. */
#ifndef NSGFLOW_ESCAPE_H
#define NSGFLOW_ESCAPE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct strbuf;

/* HTML text and attribute values: & < > " ' as entities; unsafe
 * characters dropped (tab and line breaks become spaces), invalid UTF-8 as
 * U+FFFD. */
void put_html(FILE *out, const char *s);

/* Markdown text: the punctuation that Markdown interprets (emphasis, code,
 * links, tables, headings) is backslash-escaped, < > & as entities, line
 * breaks and other unsafe characters as spaces, invalid UTF-8 as U+FFFD. */
void put_md(FILE *out, const char *s);

/* One CSV cell, quoted (RFC 4180); a cell starting with = + - @ (or a tab
 * or carriage return) gets a leading ' so no spreadsheet runs it; unsafe
 * characters other than line breaks dropped. */
void put_csv(FILE *out, const char *s);

/* Text for a terminal: unsafe characters dropped, invalid UTF-8 as U+FFFD. */
void put_term(FILE *out, const char *s);

/* put_term into buf (size bytes); tab and line breaks become spaces. */
void term_clean(const char *s, char *buf, size_t size);

/* Writes s wrapped to width columns, each line starting with indent
 * spaces (the first one too), cleaned for a terminal. */
void put_wrapped(FILE *out, const char *s, int indent, int width);

/* put_wrapped with a hanging indent: the first line starts with first
 * spaces, the others with rest. width <= 0: one line, not wrapped. */
void put_hanging(FILE *out, const char *s, int first, int rest, int width);

/* A message line: formats like fprintf, then writes the result with every
 * unsafe character shown as an escape (\x1b, \r, \u202e, \xff for a byte
 * that is not UTF-8), so that a file name or a log's text can neither move
 * the cursor nor pass for another line. A newline at the end of the format
 * is written as a newline. Every message that may carry outside text goes
 * through here (or msg_v). */
void msg(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_v(FILE *out, const char *fmt, va_list ap);

/* msg for a person at a terminal: the line (one, ending in a newline or
 * not) wrapped to width columns (0: not wrapped, exactly as msg writes
 * it); its leading spaces indent the first line, indent spaces the
 * others. */
void msg_wrapped(FILE *out, int width, int indent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* s as a JSON string literal, quotes included: control and bidirectional
 * characters as \u escapes, invalid UTF-8 as \ufffd (the output is always
 * valid UTF-8), and < as \u003c so that it is safe inside an HTML
 * <script> too. json_quote appends to a string buffer, put_json writes. */
void json_quote(struct strbuf *out, const char *s);
void put_json(FILE *out, const char *s);

/* s as one word of a POSIX shell (sh, bash, dash, zsh, ksh): in single
 * quotes, each ' written as '\'' . Nothing inside is expanded, so pasting
 * the command runs only what it says. */
void sh_quote(struct strbuf *out, const char *s);

/* n bytes of s into out (out_size bytes, NUL-terminated) as valid UTF-8:
 * NUL bytes and invalid sequences (lone surrogates from \udc00 escapes,
 * overlong forms, stray bytes) become U+FFFD. Returns the length written
 * (without the NUL); stops early when out is full. out_size of 3 * n + 1
 * always suffices. */
size_t utf8_repair(const char *s, size_t n, char *out, size_t out_size);

/* 1 when the n bytes at s are valid UTF-8 without NUL bytes. */
int utf8_valid(const char *s, size_t n);

#endif
