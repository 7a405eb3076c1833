/* azlist.c: List Blobs pages through expat (see azlist.h). */
#include "azlist.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azurl.h"

/* The elements that matter, by where they are:
 *   EnumerationResults/NextMarker
 *   EnumerationResults/Blobs/BlobPrefix/Name (a listing with a delimiter)
 *   EnumerationResults/Blobs/Blob/Name
 *   EnumerationResults/Blobs/Blob/Properties/{Content-Length,Etag,
 *     Last-Modified,BlobType}
 * anything else is stepped over. */
enum elem {
    E_OTHER, E_ROOT, E_MARKER, E_BLOBS, E_BLOB, E_NAME, E_PREFIX, E_PREFIX_NAME,
    E_PROPS, E_LENGTH, E_ETAG, E_MODIFIED, E_TYPE,
};

#define MAX_DEPTH 32
#define TEXT_MAX (AZ_NAME_MAX * 3)

struct az_list_parser {
    XML_Parser xp;
    az_list_cb cb;
    az_list_prefix_cb prefix_cb;  /* NULL: BlobPrefix elements are stepped over */
    void *ctx;
    enum elem stack[MAX_DEPTH];
    int depth;                 /* elements open (deeper ones are E_OTHER) */
    int too_deep;              /* open elements beyond MAX_DEPTH, not pushed */
    char text[TEXT_MAX];       /* the text of the element being read */
    size_t ntext;
    int text_too_long;
    int name_encoded;          /* <Name Encoded="true">: %-escaped */
    struct az_blob_item item;
    char prefix[AZ_NAME_MAX];  /* the BlobPrefix being read */
    char marker[AZ_PREFIX_MAX * 2];
    int saw_root;
    long count, prefixes;
    char error[200];
};

static enum elem child_of(enum elem parent, int depth, const char *name)
{
    if (depth == 0)
        return strcmp(name, "EnumerationResults") == 0 ? E_ROOT : E_OTHER;
    static const struct { enum elem parent; const char *name; enum elem e; } rules[] = {
        {E_ROOT, "NextMarker", E_MARKER},   {E_ROOT, "Blobs", E_BLOBS},
        {E_BLOBS, "Blob", E_BLOB},          {E_BLOB, "Name", E_NAME},
        {E_BLOBS, "BlobPrefix", E_PREFIX},  {E_PREFIX, "Name", E_PREFIX_NAME},
        {E_BLOB, "Properties", E_PROPS},    {E_PROPS, "Content-Length", E_LENGTH},
        {E_PROPS, "Etag", E_ETAG},          {E_PROPS, "Last-Modified", E_MODIFIED},
        {E_PROPS, "BlobType", E_TYPE},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (rules[i].parent == parent && strcmp(rules[i].name, name) == 0)
            return rules[i].e;
    return E_OTHER;
}

static void stop(struct az_list_parser *p, const char *why)
{
    if (!p->error[0])
        snprintf(p->error, sizeof p->error, "%s", why);
    XML_StopParser(p->xp, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct az_list_parser *p = ud;
    enum elem parent = p->depth ? p->stack[p->depth - 1] : E_OTHER;
    enum elem e = p->depth && parent == E_OTHER ? E_OTHER : child_of(parent, p->depth, name);
    /* (every start is pushed, or counted as too deep, also when it stops
     * the parse: expat may still call the end handler of the element) */
    if (p->depth >= MAX_DEPTH) {
        p->too_deep++;
        stop(p, "the listing's XML is nested too deep");
        return;
    }
    if (p->depth == 0) {
        if (e != E_ROOT) {
            p->stack[p->depth++] = E_OTHER;
            stop(p, "not a blob listing (no EnumerationResults)");
            return;
        }
        p->saw_root = 1;
    }
    p->stack[p->depth++] = e;
    p->ntext = 0;
    p->text_too_long = 0;
    if (e == E_BLOB)
        memset(&p->item, 0, sizeof p->item);
    if (e == E_PREFIX)
        p->prefix[0] = '\0';
    if (e == E_NAME || e == E_PREFIX_NAME) {
        p->name_encoded = 0;
        for (int i = 0; attrs[i]; i += 2)
            if (strcmp(attrs[i], "Encoded") == 0 && strcmp(attrs[i + 1], "true") == 0)
                p->name_encoded = 1;
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct az_list_parser *p = ud;
    enum elem e = p->depth ? p->stack[p->depth - 1] : E_OTHER;
    if (e != E_NAME && e != E_PREFIX_NAME && e != E_MARKER && e < E_LENGTH)
        return;
    if (p->ntext + (size_t)len >= sizeof p->text) {
        p->text_too_long = 1;
        return;
    }
    memcpy(p->text + p->ntext, s, (size_t)len);
    p->ntext += (size_t)len;
}

/* s into out, cut to fit. */
static void put(char *out, size_t outlen, const char *s, size_t n)
{
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* v (without surrounding quotes) into out. */
static void copy_unquoted(char *out, size_t outlen, const char *v)
{
    size_t n = strlen(v);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
        put(out, outlen, v + 1, n - 2);
    else
        put(out, outlen, v, n);
}

/* The text read as a name (of a blob or a prefix) into out, %-decoded
 * when it came as <Name Encoded="true">. Returns 0, or -1 after stopping
 * the parse. */
static int take_name(struct az_list_parser *p, char *out, size_t outlen)
{
    if (p->name_encoded ? az_decode(p->text, p->ntext, out, outlen) != 0
                        : p->ntext >= outlen) {
        stop(p, "a blob name in the listing is too long or badly encoded");
        return -1;
    }
    if (!p->name_encoded)
        memcpy(out, p->text, p->ntext + 1);
    return 0;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)name;
    struct az_list_parser *p = ud;
    if (p->too_deep) {
        p->too_deep--;
        return;
    }
    if (p->depth == 0)
        return;
    enum elem e = p->stack[--p->depth];
    if (p->error[0])
        return; /* stopped: nothing more is taken */
    p->text[p->ntext] = '\0';
    struct az_blob_item *it = &p->item;
    if ((e == E_NAME || e == E_PREFIX_NAME || e == E_MARKER) && p->text_too_long) {
        stop(p, e == E_MARKER ? "the listing's NextMarker is too long"
                              : "a blob name in the listing is too long");
        return;
    }
    switch (e) {
    case E_NAME:
    case E_PREFIX_NAME:
        if (take_name(p, e == E_NAME ? it->name : p->prefix, AZ_NAME_MAX) != 0)
            return;
        break;
    case E_PREFIX:
        if (!p->prefix[0]) {
            stop(p, "a BlobPrefix without a Name in the listing");
            return;
        }
        p->prefixes++;
        if (p->prefix_cb && p->prefix_cb(p->ctx, p->prefix) != 0)
            stop(p, "stopped");
        break;
    case E_MARKER: put(p->marker, sizeof p->marker, p->text, p->ntext); break;
    case E_LENGTH: {
        char *end;
        unsigned long long v = strtoull(p->text, &end, 10);
        if (end == p->text || *end) {
            stop(p, "a Content-Length in the listing is not a number");
            return;
        }
        it->length = v;
        break;
    }
    case E_ETAG: copy_unquoted(it->etag, sizeof it->etag, p->text); break;
    case E_MODIFIED: put(it->last_modified, sizeof it->last_modified, p->text, p->ntext); break;
    case E_TYPE: put(it->blob_type, sizeof it->blob_type, p->text, p->ntext); break;
    case E_BLOB:
        if (!it->name[0]) {
            stop(p, "a blob without a Name in the listing");
            return;
        }
        p->count++;
        if (p->cb(p->ctx, it) != 0)
            stop(p, "stopped");
        break;
    default: break;
    }
    p->ntext = 0;
}

az_list_parser *az_list_new(az_list_cb cb, void *ctx)
{
    struct az_list_parser *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->xp = XML_ParserCreate("UTF-8");
    if (!p->xp) {
        free(p);
        return NULL;
    }
    p->cb = cb;
    p->ctx = ctx;
    XML_SetUserData(p->xp, p);
    XML_SetElementHandler(p->xp, on_start, on_end);
    XML_SetCharacterDataHandler(p->xp, on_text);
    return p;
}

void az_list_free(az_list_parser *p)
{
    if (!p)
        return;
    XML_ParserFree(p->xp);
    free(p);
}

int az_list_feed(az_list_parser *p, const char *data, size_t n, int final)
{
    if (p->error[0])
        return -1;
    while (n > 0 || final) {
        int piece = n > (1u << 30) ? 1 << 30 : (int)n;
        int last = final && (size_t)piece == n;
        if (XML_Parse(p->xp, data, piece, last) == XML_STATUS_ERROR) {
            if (!p->error[0])
                snprintf(p->error, sizeof p->error, "the listing is not well-formed XML: %s"
                                                    " (line %lu)",
                         XML_ErrorString(XML_GetErrorCode(p->xp)),
                         (unsigned long)XML_GetCurrentLineNumber(p->xp));
            return -1;
        }
        data += piece;
        n -= (size_t)piece;
        if (last)
            break;
    }
    if (final && !p->saw_root) {
        snprintf(p->error, sizeof p->error, "not a blob listing (no EnumerationResults)");
        return -1;
    }
    return 0;
}

const char *az_list_next_marker(const az_list_parser *p)
{
    return p->marker;
}

long az_list_count(const az_list_parser *p)
{
    return p->count;
}

void az_list_on_prefix(az_list_parser *p, az_list_prefix_cb cb)
{
    p->prefix_cb = cb;
}

long az_list_prefix_count(const az_list_parser *p)
{
    return p->prefixes;
}

const char *az_list_error(const az_list_parser *p)
{
    return p->error;
}
