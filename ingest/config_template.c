/* config_template.c: ARM templates read as resources (see
 * config_template.h). Each resource is copied with its expressions
 * resolved into nodes of the template's own arena, freed when the template
 * is done. Expressions are read by hand: a small recursive descent over
 * ARM's grammar (function calls, 'strings' with '' for a quote, numbers). */
#include "config_template.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How deep parameters and variables may refer to each other, the most
 * arguments of one call, how deep calls may nest (the reader recurses),
 * the longest expression or name a message shows. */
#define TEMPLATE_MAX_DEPTH 16
#define TEMPLATE_MAX_ARGS 16
#define TEMPLATE_MAX_NESTING 64
/* The work all expressions of one template may take: calls, values of
 * parameters and variables copied, 16 bytes of text made (a variable that
 * concatenates another sixteen times, nested, ends here). */
#define TEMPLATE_MAX_STEPS 4000000L
#define TEMPLATE_SHOWN 160

struct chunk {
    struct chunk *next;
    size_t used, size;
    unsigned char data[];
};

struct tpl {
    const struct jd_node *parameters, *variables;
    struct chunk *chunks;
    int oom;
    const struct jd_node *resolving[TEMPLATE_MAX_DEPTH + 1]; /* the parameters and */
    int nresolving;              /* variables being resolved, outermost first */
    long steps;                  /* of TEMPLATE_MAX_STEPS */
};

/* One resource of the template, read. */
struct entry {
    size_t index;                /* its place in the template (1, 2, ...) */
    const char *type, *name;     /* whole: Microsoft.Network/virtualNetworks/subnets, vnet/snet */
    const char *id;
    struct jd_node *node;        /* the resource, resolved */
    int attached;                /* joined its parent's list */
};

struct entries {
    struct entry *e;
    size_t n, cap;
};

/* ------------------------------------------------------------------ */
/* nodes                                                              */

static void *tpl_alloc(struct tpl *t, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    struct chunk *c = t->chunks;
    if (!c || c->used + n > c->size) {
        size_t size = n > 65536 ? n : 65536;
        c = malloc(sizeof *c + size);
        if (!c) {
            t->oom = 1;
            return NULL;
        }
        c->used = 0;
        c->size = size;
        c->next = t->chunks;
        t->chunks = c;
    }
    void *v = c->data + c->used;
    c->used += n;
    memset(v, 0, n);
    return v;
}

static char *text_new(struct tpl *t, const char *s, size_t n)
{
    char *out = tpl_alloc(t, n + 1);
    if (out) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return out;
}

/* A text made like printf's, in the arena. */
static char *text_printf(struct tpl *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *text_printf(struct tpl *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *out = n >= 0 ? tpl_alloc(t, (size_t)n + 1) : NULL;
    if (out) {
        va_start(ap, fmt);
        vsnprintf(out, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return out;
}

static struct jd_node *node_new(struct tpl *t, int kind)
{
    struct jd_node *n = tpl_alloc(t, sizeof *n);
    if (n)
        n->kind = kind;
    return n;
}

static struct jd_node *string_new(struct tpl *t, const char *text)
{
    struct jd_node *n = node_new(t, JD_STRING);
    if (n)
        n->text = text;
    return n && text ? n : NULL;
}

/* Appends child (no siblings yet) to the array or object parent. */
static void append(struct jd_node *parent, struct jd_node *child)
{
    struct jd_node **at = &parent->first;
    while (*at)
        at = &(*at)->next;
    *at = child;
    parent->count++;
}

/* The member key of object, made (as kind) when missing or null. */
static struct jd_node *member(struct tpl *t, struct jd_node *object, const char *key, int kind)
{
    for (struct jd_node *m = object->first; m; m = m->next)
        if (m->key && strcasecmp(m->key, key) == 0) {
            if (m->kind == JD_NULL) {
                m->kind = kind;
                m->first = NULL;
                m->count = 0;
            }
            return m;
        }
    struct jd_node *m = node_new(t, kind);
    if (m) {
        m->key = key;
        append(object, m);
    }
    return m;
}

/* ------------------------------------------------------------------ */
/* expressions                                                        */

struct expr {
    struct tpl *t;
    const char *s;               /* the expression, without its brackets */
    size_t n, at;
    int depth;                   /* of parameters and variables resolved */
    int nesting;                 /* of calls inside calls */
    char *why;                   /* why it cannot be read */
    size_t whysize;
};

static struct jd_node *resolve(struct tpl *t, const struct jd_node *n, int depth, char *path,
                               size_t pathsize, char *why, size_t whysize);

/* Counts n steps of work; 0, or -1 past the template's budget. */
static int spend(struct tpl *t, long n, char *why, size_t whysize)
{
    t->steps += n;
    if (t->steps <= TEMPLATE_MAX_STEPS)
        return 0;
    snprintf(why, whysize, "the template's expressions take more than %ld steps to resolve",
             TEMPLATE_MAX_STEPS);
    return -1;
}

static struct jd_node *ev_fail(struct expr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static struct jd_node *ev_fail(struct expr *e, const char *fmt, ...)
{
    if (!e->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->why, e->whysize, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static void ev_space(struct expr *e)
{
    while (e->at < e->n && (e->s[e->at] == ' ' || e->s[e->at] == '\t' || e->s[e->at] == '\n' ||
                            e->s[e->at] == '\r'))
        e->at++;
}

static int is_ident(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '.'));
}

/* 'text', with '' for a quote */
static struct jd_node *ev_string(struct expr *e)
{
    char *out = tpl_alloc(e->t, e->n - e->at + 1);
    if (!out)
        return ev_fail(e, "out of memory");
    size_t len = 0;
    for (e->at++; e->at < e->n; e->at++) {
        if (e->s[e->at] == '\'') {
            if (e->at + 1 < e->n && e->s[e->at + 1] == '\'') {
                out[len++] = '\'';
                e->at++;
                continue;
            }
            e->at++;
            out[len] = '\0';
            return string_new(e->t, out);
        }
        out[len++] = e->s[e->at];
    }
    return ev_fail(e, "a string that does not end");
}

static struct jd_node *ev_number(struct expr *e)
{
    size_t start = e->at;
    if (e->s[e->at] == '-')
        e->at++;
    while (e->at < e->n && e->s[e->at] >= '0' && e->s[e->at] <= '9')
        e->at++;
    struct jd_node *v = node_new(e->t, JD_NUMBER);
    char *text = text_new(e->t, e->s + start, e->at - start);
    if (!v || !text)
        return ev_fail(e, "out of memory");
    v->text = text;
    v->number = strtod(text, NULL);
    return v;
}

/* The text of a string or number argument, else NULL. */
static const char *arg_text(const struct jd_node *v)
{
    return v && (v->kind == JD_STRING || v->kind == JD_NUMBER) ? v->text : NULL;
}

/* parameters('x') and variables('x'): the value, resolved in turn */
static struct jd_node *ev_lookup(struct expr *e, const char *fn, struct jd_node **args, int nargs)
{
    int is_param = strcasecmp(fn, "parameters") == 0;
    const char *word = is_param ? "parameter" : "variable";
    const char *name = nargs == 1 ? arg_text(args[0]) : NULL;
    if (!name)
        return ev_fail(e, "%s() takes one name", fn);
    const struct jd_node *v = jd_get(is_param ? e->t->parameters : e->t->variables, name);
    if (!v)
        return ev_fail(e, "the template has no %s '%s'", word, name);
    if (is_param) {
        v = jd_get(v, "defaultValue");
        if (!v)
            return ev_fail(e, "%s '%s' has no defaultValue (only a deployment gives it)", word,
                           name);
    }
    struct tpl *t = e->t;
    for (int i = 0; i < t->nresolving; i++)
        if (t->resolving[i] == v)
            return ev_fail(e, "%s '%s' refers back to itself (a cycle)", word, name);
    if (t->nresolving > TEMPLATE_MAX_DEPTH)
        return ev_fail(e, "parameters and variables refer to each other too deeply");
    t->resolving[t->nresolving++] = v;
    char why[400] = "";
    struct jd_node *r = resolve(t, v, e->depth + 1, NULL, 0, why, sizeof why);
    t->nresolving--;
    if (!r)
        return ev_fail(e, "%s '%s': %s", word, name, why);
    return r;
}

/* resourceId([subscriptionId], [resourceGroupName], type, name1, name2, ...) */
static struct jd_node *ev_resource_id(struct expr *e, struct jd_node **args, int nargs)
{
    int type_at = -1;
    for (int i = 0; i < nargs; i++) {
        const char *a = arg_text(args[i]);
        if (!a)
            return ev_fail(e, "resourceId(): argument %d is not a string", i + 1);
        if (type_at < 0 && strchr(a, '/'))
            type_at = i;
    }
    if (type_at < 0 || type_at > 2)
        return ev_fail(e, "resourceId(): no resource type (Namespace/type) among its first arguments");
    const char *type = args[type_at]->text;
    int segments = 0;
    for (const char *p = strchr(type, '/'); p; p = strchr(p + 1, '/'))
        segments++;
    if (nargs - type_at - 1 != segments)
        return ev_fail(e, "resourceId(): type %s takes %d name%s, not %d", type, segments,
                       segments == 1 ? "" : "s", nargs - type_at - 1);
    const char *sub = type_at == 2 ? args[0]->text : "?";
    const char *rg = type_at >= 1 ? args[type_at - 1]->text : "?";
    size_t len = strlen(sub) + strlen(rg) + strlen(type) + 64;
    for (int i = type_at + 1; i < nargs; i++)
        len += strlen(args[i]->text) + 1;
    char *id = tpl_alloc(e->t, len);
    if (!id)
        return ev_fail(e, "out of memory");
    const char *slash = strchr(type, '/');
    size_t at = (size_t)snprintf(id, len, "/subscriptions/%s/resourceGroups/%s/providers/%.*s", sub,
                                 rg, (int)(slash - type), type);
    const char *seg = slash + 1;
    for (int i = type_at + 1; i < nargs; i++) {
        const char *end = strchr(seg, '/');
        size_t sl = end ? (size_t)(end - seg) : strlen(seg);
        at += (size_t)snprintf(id + at, len - at, "/%.*s/%s", (int)sl, seg, args[i]->text);
        seg = end ? end + 1 : seg + sl;
    }
    return string_new(e->t, id);
}

/* concat() of strings (and numbers), or of arrays */
static struct jd_node *ev_concat(struct expr *e, struct jd_node **args, int nargs)
{
    if (nargs > 0 && args[0]->kind == JD_ARRAY) {
        struct jd_node *out = node_new(e->t, JD_ARRAY);
        for (int i = 0; out && i < nargs; i++) {
            if (args[i]->kind != JD_ARRAY)
                return ev_fail(e, "concat(): arrays and strings mixed");
            for (struct jd_node *x = args[i]->first; x;) {
                struct jd_node *next = x->next;
                x->next = NULL;
                append(out, x);
                x = next;
            }
        }
        return out ? out : ev_fail(e, "out of memory");
    }
    size_t len = 1;
    for (int i = 0; i < nargs; i++) {
        if (!arg_text(args[i]))
            return ev_fail(e, "concat(): argument %d is not a string", i + 1);
        len += strlen(args[i]->text);
    }
    if (spend(e->t, (long)(len / 16), e->why, e->whysize) != 0)
        return NULL;
    char *out = tpl_alloc(e->t, len);
    if (!out)
        return ev_fail(e, "out of memory");
    for (int i = 0; i < nargs; i++)
        strcat(out, args[i]->text);
    return string_new(e->t, out);
}

/* Functions whose value only a deployment knows. */
static int deployment_only(const char *fn)
{
    static const char *const names[] = {
        "resourceGroup", "subscription", "deployment", "environment", "tenant",
        "managementGroup", "reference", "uniqueString", "guid", "newGuid", "utcNow",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(fn, names[i]) == 0)
            return 1;
    return strncasecmp(fn, "list", 4) == 0;
}

static struct jd_node *ev_value(struct expr *e);

static struct jd_node *ev_call(struct expr *e)
{
    if (spend(e->t, 1, e->why, e->whysize) != 0)
        return NULL;
    if (e->nesting >= TEMPLATE_MAX_NESTING)
        return ev_fail(e, "calls nested more than %d deep", TEMPLATE_MAX_NESTING);
    size_t start = e->at;
    while (e->at < e->n && is_ident(e->s[e->at], e->at == start))
        e->at++;
    char fn[64];
    snprintf(fn, sizeof fn, "%.*s", (int)(e->at - start), e->s + start);
    ev_space(e);
    if (e->at >= e->n || e->s[e->at] != '(')
        return ev_fail(e, "'%s' is no function call", fn);
    e->at++;
    struct jd_node *args[TEMPLATE_MAX_ARGS];
    int nargs = 0;
    ev_space(e);
    if (e->at < e->n && e->s[e->at] == ')')
        e->at++;
    else
        for (;;) {
            if (nargs == TEMPLATE_MAX_ARGS)
                return ev_fail(e, "%s(): more than %d arguments", fn, TEMPLATE_MAX_ARGS);
            e->nesting++;
            struct jd_node *a = ev_value(e);
            e->nesting--;
            if (!a)
                return NULL;
            args[nargs++] = a;
            ev_space(e);
            if (e->at < e->n && e->s[e->at] == ',') {
                e->at++;
                continue;
            }
            if (e->at < e->n && e->s[e->at] == ')') {
                e->at++;
                break;
            }
            return ev_fail(e, "%s(): expected ',' or ')' at character %zu", fn, e->at + 2);
        }
    if (deployment_only(fn))
        return ev_fail(e, "%s() is known only when the template is deployed", fn);
    ev_space(e);
    if (e->at < e->n && (e->s[e->at] == '.' || e->s[e->at] == '['))
        return ev_fail(e, "a property of the value of %s() is not read", fn);
    if (strcasecmp(fn, "parameters") == 0 || strcasecmp(fn, "variables") == 0)
        return ev_lookup(e, fn, args, nargs);
    if (strcasecmp(fn, "resourceId") == 0)
        return ev_resource_id(e, args, nargs);
    if (strcasecmp(fn, "concat") == 0)
        return ev_concat(e, args, nargs);
    if ((strcasecmp(fn, "true") == 0 || strcasecmp(fn, "false") == 0) && nargs == 0) {
        struct jd_node *b = node_new(e->t, JD_BOOL);
        if (b)
            b->boolean = strcasecmp(fn, "true") == 0;
        return b ? b : ev_fail(e, "out of memory");
    }
    return ev_fail(e, "%s() is not read (nsgflow reads parameters(), variables(), resourceId()"
                      " and concat())", fn);
}

static struct jd_node *ev_value(struct expr *e)
{
    ev_space(e);
    if (e->at >= e->n)
        return ev_fail(e, "the expression ends early");
    char c = e->s[e->at];
    if (c == '\'')
        return ev_string(e);
    if (c == '-' || (c >= '0' && c <= '9'))
        return ev_number(e);
    if (is_ident(c, 1))
        return ev_call(e);
    return ev_fail(e, "unexpected '%c' at character %zu", c, e->at + 2);
}

/* The value of the expression s (n bytes, without its brackets). */
static struct jd_node *evaluate(struct tpl *t, const char *s, size_t n, int depth, char *why,
                                size_t whysize)
{
    struct expr e = {.t = t, .s = s, .n = n, .depth = depth, .why = why, .whysize = whysize};
    why[0] = '\0';
    if (depth > TEMPLATE_MAX_DEPTH)
        return ev_fail(&e, "parameters and variables refer to each other too deeply (a cycle?)");
    struct jd_node *v = ev_value(&e);
    if (!v)
        return NULL;
    ev_space(&e);
    if (e.at < e.n)
        return ev_fail(&e, "unexpected '%c' at character %zu", e.s[e.at], e.at + 2);
    return v;
}

/* ------------------------------------------------------------------ */
/* resolving a tree                                                   */

/* Members whose value nsgflow does not read: one it cannot resolve is
 * left out (null) instead of refusing the resource. */
static int unread_member(const char *key)
{
    static const char *const keys[] = {
        "location", "tags", "dependsOn", "comments", "description", "zones", "identity",
        "publisherEmail", "publisherName", "notificationSenderEmail", "metadata",
    };
    for (size_t i = 0; key && i < sizeof keys / sizeof keys[0]; i++)
        if (strcasecmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

/* A copy of n with each expression string replaced by its value. path
 * (NULL: not kept) names where n is, for why: "field PATH, EXPR: REASON". */
static struct jd_node *resolve(struct tpl *t, const struct jd_node *n, int depth, char *path,
                               size_t pathsize, char *why, size_t whysize)
{
    if (depth > 0 && spend(t, 1, why, whysize) != 0)
        return NULL; /* a value of a parameter or variable, copied */
    if (n->kind == JD_STRING) {
        size_t len = strlen(n->text);
        if (n->text[0] == '[' && n->text[1] == '[') /* [[ is a literal [ */
            return string_new(t, n->text + 1);
        if (len < 2 || n->text[0] != '[' || n->text[len - 1] != ']')
            return string_new(t, n->text);
        struct jd_node *v = evaluate(t, n->text + 1, len - 2, depth, why, whysize);
        if (!v && path) {
            char reason[400];
            snprintf(reason, sizeof reason, "%s", why);
            snprintf(why, whysize, "field %s, %.*s%s: %s", path[0] ? path : "(the value)",
                     TEMPLATE_SHOWN, n->text, len > TEMPLATE_SHOWN ? "..." : "", reason);
        }
        return v;
    }
    struct jd_node *out = node_new(t, n->kind);
    if (!out) {
        snprintf(why, whysize, "out of memory");
        return NULL;
    }
    out->text = n->text;
    out->number = n->number;
    out->boolean = n->boolean;
    size_t i = 0, plen = path ? strlen(path) : 0;
    for (const struct jd_node *m = n->first; m; m = m->next, i++) {
        if (path) {
            if (n->kind == JD_ARRAY)
                snprintf(path + plen, pathsize - plen, "[%zu]", i);
            else
                snprintf(path + plen, pathsize - plen, "%s%s", plen ? "." : "", m->key);
        }
        struct jd_node *v = resolve(t, m, depth, path, pathsize, why, whysize);
        if (!v && unread_member(m->key) && !t->oom) {
            why[0] = '\0';
            v = node_new(t, JD_NULL);
        }
        if (!v)
            return NULL;
        v->key = m->key;
        append(out, v);
    }
    if (path)
        path[plen] = '\0';
    return out;
}

/* ------------------------------------------------------------------ */
/* resources                                                          */

/* The child resources that join a list of their parent's. */
static const struct child {
    const char *type, *parent_type, *list, *parent_word;
    int alone;                   /* read without its parent too */
} children[] = {
    {"Microsoft.Network/networkSecurityGroups/securityRules",
     "Microsoft.Network/networkSecurityGroups", "securityRules", "NSG", 0},
    {"Microsoft.Network/routeTables/routes", "Microsoft.Network/routeTables", "routes",
     "route table", 0},
    {"Microsoft.Network/virtualNetworks/subnets", "Microsoft.Network/virtualNetworks", "subnets",
     "VNet", 1},
    {"Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "Microsoft.Network/virtualNetworks",
     "virtualNetworkPeerings", "VNet", 0},
};
#define NCHILDREN (sizeof children / sizeof children[0])

static int is_child_type(const char *type)
{
    for (size_t c = 0; c < NCHILDREN; c++)
        if (strcasecmp(type, children[c].type) == 0)
            return 1;
    return 0;
}

static int segments_of(const char *s)
{
    int n = 1;
    for (; *s; s++)
        n += *s == '/';
    return n;
}

/* The id a deployment gives a resource of type with name (both whole). */
static const char *template_id(struct tpl *t, const char *type, const char *name)
{
    const char *slash = strchr(type, '/');
    char *id = text_printf(t, "%s%.*s", TEMPLATE_ID_PREFIX, (int)(slash - type), type);
    const char *seg = slash + 1, *nm = name;
    while (id && *seg) {
        const char *tend = strchr(seg, '/'), *nend = strchr(nm, '/');
        size_t tl = tend ? (size_t)(tend - seg) : strlen(seg);
        size_t nl = nend ? (size_t)(nend - nm) : strlen(nm);
        id = text_printf(t, "%s/%.*s/%.*s", id, (int)tl, seg, (int)nl, nm);
        seg += tl + (tend != NULL);
        nm += nl + (nend != NULL);
    }
    return id;
}

static int entries_add(struct entries *es, const struct entry *e)
{
    if (es->n == es->cap) {
        size_t cap = es->cap ? 2 * es->cap : 32;
        struct entry *grown = realloc(es->e, cap * sizeof *grown);
        if (!grown)
            return -1;
        es->e = grown;
        es->cap = cap;
    }
    es->e[es->n++] = *e;
    return 0;
}

struct reading {
    struct tpl *t;
    struct entries es;
    int (*wants)(const char *type);
    template_put_fn put;
    template_refuse_fn refuse;
    void *ctx;
};

static int is_child_type(const char *type);

/* A resource of a type not read: put with its type only, to be counted;
 * so are its nested resources. */
static int put_unread(struct reading *rd, const struct jd_node *r, size_t index, const char *type)
{
    struct jd_node *doc = node_new(rd->t, JD_OBJECT), *ty = string_new(rd->t, type);
    if (!doc || !ty)
        return -1;
    ty->key = "type";
    append(doc, ty);
    if (rd->put(rd->ctx, doc, index) != 0)
        return -1;
    const struct jd_node *nested = jd_get(r, "resources");
    for (const struct jd_node *c = nested && (nested->kind == JD_ARRAY || nested->kind == JD_OBJECT)
                                       ? nested->first : NULL; c; c = c->next) {
        const char *ct = jd_string(c, "type");
        const char *whole = strchr(ct, '/') ? ct : text_printf(rd->t, "%s/%s", type, ct);
        if (!whole || put_unread(rd, c, index, whole) != 0)
            return -1;
    }
    return 0;
}

/* What a refusal shows as the name: the name as written, cut. */
static const char *shown_name(const struct jd_node *r)
{
    const struct jd_node *n = jd_get(r, "name");
    return n && n->kind == JD_STRING ? n->text : "(no name)";
}

static int read_resource(struct reading *rd, const struct jd_node *r, size_t index,
                         const char *parent_type, const char *parent_name);

/* Nested resources: their type and name may be relative to the parent's. */
static int read_nested(struct reading *rd, const struct jd_node *r, size_t index,
                       const char *type, const char *name)
{
    const struct jd_node *nested = jd_get(r, "resources");
    if (!nested || (nested->kind != JD_ARRAY && nested->kind != JD_OBJECT))
        return 0;
    for (const struct jd_node *c = nested->first; c; c = c->next)
        if (read_resource(rd, c, index, type, name) != 0)
            return -1;
    return 0;
}

/* Whether r is deployed: 1 yes; 0 not (a false condition, an existing
 * resource, a copy loop: refused), -1 out of memory. */
static int deployed(struct reading *rd, const struct jd_node *r, size_t index, const char *type)
{
    struct tpl *t = rd->t;
    char why[600] = "", path[32] = "condition";
    if (jd_get(r, "copy")) {
        rd->refuse(rd->ctx, index, type, shown_name(r),
                   "it is a copy loop (\"copy\"), which nsgflow does not expand");
        return 0;
    }
    const struct jd_node *existing = jd_get(r, "existing");
    if (existing && existing->kind == JD_BOOL && existing->boolean)
        return 0; /* declared, not deployed */
    const struct jd_node *cond = jd_get(r, "condition");
    if (!cond)
        return 1;
    struct jd_node *v = resolve(t, cond, 0, path, sizeof path, why, sizeof why);
    if (!v) {
        if (t->oom)
            return -1;
        rd->refuse(rd->ctx, index, type, shown_name(r), why);
        return 0;
    }
    return !((v->kind == JD_BOOL && !v->boolean) ||
             (v->kind == JD_STRING && strcasecmp(v->text, "false") == 0));
}

/* The whole name of r ("vnet/snet": a nested resource's own after its
 * parent's), or NULL when it cannot be read (refused; t->oom when memory
 * ran out). */
static const char *whole_name(struct reading *rd, const struct jd_node *r, size_t index,
                              const char *type, const char *parent_name)
{
    struct tpl *t = rd->t;
    char why[600] = "", path[32] = "name";
    const struct jd_node *name_node = jd_get(r, "name");
    struct jd_node *name = NULL;
    if (name_node)
        name = resolve(t, name_node, 0, path, sizeof path, why, sizeof why);
    else
        snprintf(why, sizeof why, "it has no name");
    if (!name || name->kind != JD_STRING || !name->text[0]) {
        if (t->oom)
            return NULL;
        if (name)
            snprintf(why, sizeof why, "its name is not a string");
        rd->refuse(rd->ctx, index, type, shown_name(r), why);
        return NULL;
    }
    const char *whole = name->text;
    if (parent_name && segments_of(whole) != segments_of(parent_name) + 1)
        whole = text_printf(t, "%s/%s", parent_name, whole);
    if (whole && segments_of(whole) != segments_of(type) - 1) {
        snprintf(why, sizeof why, "its name \"%.*s\" has %d segment%s where its type needs %d",
                 TEMPLATE_SHOWN, whole, segments_of(whole), segments_of(whole) == 1 ? "" : "s",
                 segments_of(type) - 1);
        rd->refuse(rd->ctx, index, type, shown_name(r), why);
        return NULL;
    }
    return whole;
}

/* e->node: r with its expressions resolved, its id, name and type first.
 * Returns 0; 1 when a field cannot be read (refused); -1 out of memory. */
static int resolve_resource(struct reading *rd, const struct jd_node *r, struct entry *e)
{
    struct tpl *t = rd->t;
    e->id = template_id(t, e->type, e->name);
    e->node = node_new(t, JD_OBJECT);
    const char *leaf = strrchr(e->name, '/');
    struct jd_node *id = string_new(t, e->id), *nm = string_new(t, leaf ? leaf + 1 : e->name),
                   *ty = string_new(t, e->type);
    if (!e->id || !e->node || !id || !nm || !ty)
        return -1;
    id->key = "id";
    nm->key = "name";
    ty->key = "type";
    append(e->node, id);
    append(e->node, nm);
    append(e->node, ty);
    static const char *const skip[] = {"id", "name", "type", "resources", "copy", "condition",
                                       "existing", "dependsOn", "apiVersion"};
    for (const struct jd_node *m = r->first; m; m = m->next) {
        size_t k = 0;
        while (k < sizeof skip / sizeof skip[0] && strcasecmp(m->key, skip[k]) != 0)
            k++;
        if (k < sizeof skip / sizeof skip[0])
            continue;
        char why[600] = "", path[256];
        snprintf(path, sizeof path, "%s", m->key);
        struct jd_node *v = resolve(t, m, 0, path, sizeof path, why, sizeof why);
        if (!v && unread_member(m->key) && !t->oom)
            v = node_new(t, JD_NULL);
        if (!v) {
            if (t->oom)
                return -1;
            rd->refuse(rd->ctx, e->index, e->type, shown_name(r), why);
            return 1;
        }
        v->key = m->key;
        append(e->node, v);
    }
    return 0;
}

static int read_resource(struct reading *rd, const struct jd_node *r, size_t index,
                         const char *parent_type, const char *parent_name)
{
    struct tpl *t = rd->t;
    const struct jd_node *type_node = jd_get(r, "type");
    const char *raw_type = type_node && type_node->kind == JD_STRING ? type_node->text : "";
    if (r->kind != JD_OBJECT || !raw_type[0]) {
        rd->refuse(rd->ctx, index, "(no type)", "(no name)", "it has no type");
        return 0;
    }
    const char *type = parent_type && !strchr(raw_type, '/')
                           ? text_printf(t, "%s/%s", parent_type, raw_type) : raw_type;
    if (!type)
        return -1;
    if (!strchr(type, '/')) {
        rd->refuse(rd->ctx, index, type, shown_name(r), "its type is not Namespace/type");
        return 0;
    }
    if (!rd->wants(type) && !is_child_type(type))
        return put_unread(rd, r, index, type);
    if (parent_type && !parent_name) {
        rd->refuse(rd->ctx, index, type, shown_name(r), "its parent's name could not be read");
        return 0;
    }
    int d = deployed(rd, r, index, type);
    if (d <= 0)
        return d;
    struct entry e = {.index = index, .type = type};
    e.name = whole_name(rd, r, index, type, parent_name);
    if (!e.name)
        return t->oom ? -1 : read_nested(rd, r, index, type, NULL);
    int rc = resolve_resource(rd, r, &e);
    if (rc < 0)
        return -1;
    if (rc == 0 && entries_add(&rd->es, &e) != 0) {
        t->oom = 1;
        return -1;
    }
    return read_nested(rd, r, index, type, e.name);
}

/* Gives the elements of the lists of a parent (its rules, routes,
 * subnets, peerings) that have a name but no id the id of their own. */
static int name_listed(struct tpl *t, struct entry *parent)
{
    struct jd_node *props = NULL;
    for (struct jd_node *m = parent->node->first; m; m = m->next)
        if (m->key && strcasecmp(m->key, "properties") == 0 && m->kind == JD_OBJECT)
            props = m;
    for (size_t c = 0; props && c < NCHILDREN; c++) {
        if (strcasecmp(children[c].parent_type, parent->type) != 0)
            continue;
        for (struct jd_node *l = props->first; l; l = l->next) {
            if (!l->key || strcasecmp(l->key, children[c].list) != 0 || l->kind != JD_ARRAY)
                continue;
            for (struct jd_node *x = l->first; x; x = x->next) {
                const char *name = x->kind == JD_OBJECT ? jd_string(x, "name") : "";
                if (!name[0] || jd_string(x, "id")[0])
                    continue;
                const char *slash = strrchr(children[c].type, '/');
                struct jd_node *id = string_new(t, text_printf(t, "%s/%s/%s", parent->id,
                                                               slash + 1, name));
                if (!id)
                    return -1;
                id->key = "id";
                struct jd_node *old = (struct jd_node *)jd_get(x, "id");
                if (old) { /* null: given its value */
                    old->kind = JD_STRING;
                    old->text = id->text;
                } else {
                    append(x, id);
                }
            }
        }
    }
    return 0;
}

/* Joins child e to its parent's list (one of the same name there is
 * replaced: the resource of its own says more). 0 joined, 1 no parent. */
static int attach(struct reading *rd, struct entry *e, const struct child *c)
{
    struct tpl *t = rd->t;
    /* the parent's id: the child's without its last two segments */
    const char *end = strrchr(e->id, '/');
    end = end && end > e->id ? memrchr(e->id, '/', (size_t)(end - e->id)) : NULL;
    if (!end)
        return 1;
    size_t plen = (size_t)(end - e->id);
    struct entry *parent = NULL;
    for (size_t i = 0; i < rd->es.n && !parent; i++) {
        struct entry *p = &rd->es.e[i];
        if (p != e && strcasecmp(p->type, c->parent_type) == 0 && strlen(p->id) == plen &&
            strncasecmp(p->id, e->id, plen) == 0)
            parent = p;
    }
    if (!parent)
        return 1;
    struct jd_node *props = member(t, parent->node, "properties", JD_OBJECT);
    struct jd_node *list = props && props->kind == JD_OBJECT
                               ? member(t, props, c->list, JD_ARRAY) : NULL;
    if (!list || list->kind != JD_ARRAY)
        return t->oom ? -1 : 1;
    const char *leaf = jd_string(e->node, "name");
    for (struct jd_node **at = &list->first; *at; at = &(*at)->next)
        if ((*at)->kind == JD_OBJECT && strcasecmp(jd_string(*at, "name"), leaf) == 0) {
            *at = (*at)->next;
            list->count--;
            break;
        }
    e->node->key = NULL;
    append(list, e->node);
    e->attached = 1;
    return 0;
}

const struct jd_node *template_of(const struct jd_node *doc)
{
    if (!doc || doc->kind != JD_OBJECT)
        return NULL;
    const char *schema = jd_string(doc, "$schema");
    const struct jd_node *res = jd_get(doc, "resources");
    if (strcasestr(schema, "deploymentTemplate") ||
        (res && (res->kind == JD_ARRAY || res->kind == JD_OBJECT) && jd_get(doc, "contentVersion")))
        return doc;
    const struct jd_node *inner = jd_get(doc, "template");
    if (inner && inner->kind == JD_OBJECT && jd_get(inner, "resources"))
        return inner;
    return NULL;
}

int template_is_parameters(const struct jd_node *doc)
{
    if (!doc || doc->kind != JD_OBJECT)
        return 0;
    if (strcasestr(jd_string(doc, "$schema"), "deploymentParameters"))
        return 1;
    return jd_get(doc, "contentVersion") && jd_get(doc, "parameters") && !jd_get(doc, "resources");
}

int template_read(const struct jd_node *tpl, int (*wants)(const char *type), template_put_fn put,
                  template_refuse_fn refuse, void *ctx, char *err, size_t errsize)
{
    struct tpl t = {.parameters = jd_get(tpl, "parameters"), .variables = jd_get(tpl, "variables")};
    struct reading rd = {&t, {NULL, 0, 0}, wants, put, refuse, ctx};
    int rc = -1;
    err[0] = '\0';
    /* resources: a list, or (language version 2.0) an object of them by
     * symbolic name */
    const struct jd_node *res = jd_get(tpl, "resources");
    size_t index = 0;
    for (const struct jd_node *r = res ? res->first : NULL; r; r = r->next)
        if (read_resource(&rd, r, ++index, NULL, NULL) != 0)
            goto fail;
    for (size_t i = 0; i < rd.es.n; i++) {
        struct entry *e = &rd.es.e[i];
        for (size_t c = 0; c < NCHILDREN; c++) {
            if (strcasecmp(e->type, children[c].type) != 0)
                continue;
            int a = attach(&rd, e, &children[c]);
            if (a < 0)
                goto fail;
            if (a > 0 && !children[c].alone) {
                char why[300];
                const char *slash = strchr(e->name, '/');
                snprintf(why, sizeof why, "its %s \"%.*s\" is not in this template (or was not"
                         " read): import the %s itself, or a template that holds it", children[c].parent_word,
                         (int)(slash ? (size_t)(slash - e->name) : strlen(e->name)), e->name,
                         children[c].parent_word);
                refuse(ctx, e->index, e->type, e->name, why);
                e->attached = 1; /* not read on its own */
            }
        }
    }
    for (size_t i = 0; i < rd.es.n; i++) {
        struct entry *e = &rd.es.e[i];
        if (e->attached)
            continue;
        if (name_listed(&t, e) != 0)
            goto fail;
        if (put(ctx, e->node, e->index) != 0)
            goto fail;
    }
    rc = 0;
fail:
    if (rc != 0 && t.oom)
        snprintf(err, errsize, "out of memory reading the template");
    free(rd.es.e);
    while (t.chunks) {
        struct chunk *next = t.chunks->next;
        free(t.chunks);
        t.chunks = next;
    }
    return rc;
}
