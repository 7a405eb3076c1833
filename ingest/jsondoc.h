/* jsondoc.h: a streaming reader of JSON lists of small documents, the way
 * Azure's tools print configuration: one resource object, an array of them
 * (`az network nsg list`), or a list wrapped in an object ({"value": [...]}
 * from ARM REST and `az network nic show-effective-route-table`, {"data":
 * [...]} from Resource Graph). Bytes go in, in chunks of any size (through
 * yajl, as the flow-log reader's do); each document comes out whole, as a
 * small tree, to a callback, and is freed after it: memory is bounded by
 * the largest document, not by the file. Keys are looked up without regard
 * to case, and jd_field finds a field at the top of an object or under its
 * "properties" (ARM's nesting), so one lookup reads both shapes. */
#ifndef NSGFLOW_JSONDOC_H
#define NSGFLOW_JSONDOC_H

#include <stddef.h>
#include <stdint.h>

/* Deepest nesting, and the most memory one document may take (its tree:
 * about four times its text). */
#define JSONDOC_MAX_DEPTH 64
#define JSONDOC_MAX_BYTES (64u << 20)

enum jd_kind { JD_NULL, JD_BOOL, JD_NUMBER, JD_STRING, JD_ARRAY, JD_OBJECT };

/* A node of a document. Strings are NUL-terminated valid UTF-8 (NUL bytes
 * and invalid sequences become U+FFFD); a number keeps its text too. */
struct jd_node {
    int kind;                  /* enum jd_kind */
    const char *key;           /* member name, for the members of an object */
    const char *text;          /* JD_STRING, JD_NUMBER: the text */
    double number;             /* JD_NUMBER */
    int boolean;               /* JD_BOOL */
    struct jd_node *first;     /* JD_ARRAY, JD_OBJECT: the first element */
    struct jd_node *next;      /* the next sibling */
    size_t count;              /* JD_ARRAY, JD_OBJECT: elements */
};

/* Called with each document (index: 0, 1, ... in the file). Return 0 to go
 * on, nonzero to stop (jd_feed then fails with "stopped by the caller").
 * The tree is valid only during the call. */
typedef int (*jd_doc_fn)(void *ctx, const struct jd_node *doc, size_t index);

typedef struct jsondoc jsondoc;

jsondoc *jd_new(jd_doc_fn fn, void *ctx);
void jd_free(jsondoc *p);

/* Feeds n bytes. Returns 0, or -1 on invalid JSON or a limit (jd_error
 * says what, jd_error_offset where). */
int jd_feed(jsondoc *p, const unsigned char *buf, size_t n);
/* The end of input. Returns 0 when the JSON was complete, else -1. */
int jd_finish(jsondoc *p);
const char *jd_error(const jsondoc *p);
uint64_t jd_error_offset(const jsondoc *p);

/* What the top of the input was: 'o' one object, 'a' an array, 'l' an
 * object with a "value" or "data" list, 's' a scalar, 0 nothing yet; and
 * the first keys of the top object, for saying what a file looks like. */
char jd_top(const jsondoc *p);
const char *jd_top_keys(const jsondoc *p);

/* Member key of object (case-insensitive), or NULL. */
const struct jd_node *jd_get(const struct jd_node *object, const char *key);
/* jd_get on object, else on its "properties" object. */
const struct jd_node *jd_field(const struct jd_node *object, const char *key);
/* jd_field's string value, "" when absent or not a string. */
const char *jd_string(const struct jd_node *object, const char *key);
/* jd_field's number (a number, or a string holding one), else fallback. */
double jd_number(const struct jd_node *object, const char *key, double fallback);
/* jd_field's boolean, else fallback. */
int jd_bool(const struct jd_node *object, const char *key, int fallback);

#endif
