/* escape.h: writing strings that came from flow logs (rule names, resource
 * ids, addresses) safely into each output: HTML entities, Markdown, CSV
 * cells that a spreadsheet would take for a formula, and terminals (control
 * characters stripped). Every renderer writes log text through these. */
#ifndef NSGFLOW_ESCAPE_H
#define NSGFLOW_ESCAPE_H

#include <stdio.h>

/* HTML text and attribute values: & < > " ' as entities, control
 * characters dropped. */
void put_html(FILE *out, const char *s);

/* Markdown text: the punctuation that Markdown interprets (emphasis, code,
 * links, tables, headings) is backslash-escaped,
 * < > & as entities, line breaks and control characters as spaces. */
void put_md(FILE *out, const char *s);

/* One CSV cell, quoted (RFC 4180); a cell starting with = + - @ (or a tab
 * or carriage return) gets a leading ' so no spreadsheet runs it. */
void put_csv(FILE *out, const char *s);

/* Text for a terminal: control characters (C0, DEL, C1) dropped. */
void put_term(FILE *out, const char *s);

/* s with control characters dropped, into buf (size bytes). */
void term_clean(const char *s, char *buf, size_t size);

/* Writes s wrapped to width columns, each line starting with indent
 * spaces (the first one too), cleaned for a terminal. */
void put_wrapped(FILE *out, const char *s, int indent, int width);

#endif
