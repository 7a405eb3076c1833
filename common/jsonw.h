/* jsonw.h: one JSON document written to a stream as it is made, two
 * spaces an indent level, for the --json output of the commands (stats,
 * analyze, config show). Strings go through json_quote (escape.h), so
 * text from outside is always valid, safe JSON; keys are the program's
 * own and written as given. Inside an array, key is NULL.
 *
 *     struct jsonw w;
 *     jsonw_begin(&w, stdout);          {
 *     jsonw_str(&w, "format", "x");       "format": "x",
 *     jsonw_array(&w, "hosts");           "hosts": [
 *     jsonw_str(&w, NULL, "10.0.0.4");      "10.0.0.4"
 *     jsonw_end(&w);                      ]
 *     jsonw_finish(&w);                 }
 */
#ifndef NSGFLOW_JSONW_H
#define NSGFLOW_JSONW_H

#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 16 /* levels of nesting, the document's own included */

struct jsonw {
    FILE *out;
    int depth;
    int items[JSONW_MAX_DEPTH]; /* items written so far at each level */
    char close[JSONW_MAX_DEPTH]; /* the bracket that closes it */
};

/* Starts the document: its top-level object. */
void jsonw_begin(struct jsonw *w, FILE *out);

/* A member (or array element) that is an object or an array, closed by
 * jsonw_end. */
void jsonw_object(struct jsonw *w, const char *key);
void jsonw_array(struct jsonw *w, const char *key);
void jsonw_end(struct jsonw *w);

/* Scalars. A NULL string is null; jsonw_time writes Unix seconds as
 * "2026-11-01T10:00:00Z". */
void jsonw_str(struct jsonw *w, const char *key, const char *value);
void jsonw_int(struct jsonw *w, const char *key, int64_t value);
void jsonw_num(struct jsonw *w, const char *key, double value);
void jsonw_bool(struct jsonw *w, const char *key, int value);
void jsonw_null(struct jsonw *w, const char *key);
void jsonw_time(struct jsonw *w, const char *key, int64_t t);

/* Closes what is open and ends the document with a newline. Returns 0, or
 * -1 when the stream had a write error. */
int jsonw_finish(struct jsonw *w);

#endif
