/* requirements.c: loading, merging and matching the APIM requirements (see
 * requirements.h). */
#include "requirements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/tuple.h"
#include "tags.h"

const char *confidence_name(int c)
{
    switch (c) {
    case CONF_HIGH: return "high";
    case CONF_MEDIUM: return "medium";
    case CONF_LOW: return "low";
    default: return "none";
    }
}

static void classify_remote(struct requirement *q)
{
    q->tag_bit = tag_bit_of(q->remote);
    if (q->tag_bit >= 0)
        q->kind = RK_TAG;
    else if (strcmp(q->remote, "AzureLoadBalancer") == 0)
        q->kind = RK_LB;
    else if (strcmp(q->remote, "VirtualNetwork") == 0)
        q->kind = RK_VNET;
    else if (strcmp(q->remote, "Internet") == 0)
        q->kind = RK_INTERNET;
    else if (strcmp(q->remote, "DNS") == 0)
        q->kind = RK_DNS;
    else
        q->kind = RK_NAMED;
}

static int parse_ports(struct requirement *q)
{
    const char *p = q->ports;
    q->nranges = 0;
    while (*p) {
        if (q->nranges == REQ_MAX_RANGES)
            return -1;
        long a, b;
        char *end;
        if (*p == '*') {
            a = 0;
            b = 65535;
            end = (char *)p + 1;
        } else {
            a = strtol(p, &end, 10);
            b = a;
            if (*end == '-')
                b = strtol(end + 1, &end, 10);
        }
        if (a < 0 || b > 65535 || a > b || (*end && *end != ','))
            return -1;
        q->first[q->nranges] = (uint16_t)a;
        q->last[q->nranges] = (uint16_t)b;
        q->nranges++;
        p = *end ? end + 1 : end;
    }
    return q->nranges > 0 ? 0 : -1;
}

int requirement_has_port(const struct requirement *q, int port)
{
    for (int i = 0; i < q->nranges; i++)
        if (port >= q->first[i] && port <= q->last[i])
            return 1;
    return 0;
}

static int port_width(const struct requirement *q, int port)
{
    for (int i = 0; i < q->nranges; i++)
        if (port >= q->first[i] && port <= q->last[i])
            return q->last[i] - q->first[i];
    return 65536;
}

/* The port index: for every direction, protocol and port, which
 * requirements name it (a count in the low 8 bits, a start in the pool
 * above them). Counted first, then filled. */
static int build_index(struct requirements *r)
{
    r->index = calloc(2, sizeof *r->index);
    if (!r->index)
        return -1;
    uint32_t *slot = &r->index[0][0][0];
    size_t nslots = 2 * 2 * 65536;
    for (size_t i = 0; i < r->n; i++) {
        const struct requirement *q = &r->v[i];
        uint32_t *row = r->index[q->direction][q->protocol == 17];
        for (int k = 0; k < q->nranges; k++)
            for (int port = q->first[k]; port <= q->last[k]; port++)
                row[port]++;
    }
    size_t used = 0;
    for (size_t s = 0; s < nslots; s++) {
        uint32_t count = slot[s];
        slot[s] = (uint32_t)used << 8; /* count refilled below */
        used += count;
    }
    r->pool = malloc((used + 1) * sizeof *r->pool);
    if (!r->pool)
        return -1;
    for (size_t i = 0; i < r->n; i++) {
        const struct requirement *q = &r->v[i];
        uint32_t *row = r->index[q->direction][q->protocol == 17];
        for (int k = 0; k < q->nranges; k++)
            for (int port = q->first[k]; port <= q->last[k]; port++) {
                uint32_t e = row[port];
                r->pool[(e >> 8) + (e & 0xff)] = (uint16_t)i;
                row[port] = e + 1;
            }
    }
    return 0;
}

/* q->fqdn_tag: the one tag that fqdn_service_tag gives for each of q's
 * host names ("" when a name has none, or two names have different ones). */
static int fqdn_tag(sqlite3 *db, struct requirement *q)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT tag FROM fqdn_service_tag WHERE pattern = ?1"
                               " OR (substr(pattern, 1, 2) = '*.' AND length(?1) > length(pattern)"
                               "     AND ?1 LIKE '%' || substr(pattern, 2))"
                               " ORDER BY length(pattern) DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    char names[sizeof q->fqdns], tag[sizeof q->fqdn_tag] = "";
    snprintf(names, sizeof names, "%s", q->fqdns);
    int all = names[0] != '\0';
    for (char *save, *name = strtok_r(names, " ", &save); name && all;
         name = strtok_r(NULL, " ", &save)) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        const char *t = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (!t || (tag[0] && strcmp(tag, t) != 0))
            all = 0;
        else
            snprintf(tag, sizeof tag, "%s", t);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    snprintf(q->fqdn_tag, sizeof q->fqdn_tag, "%s", all ? tag : "");
    return 0;
}

int requirements_load(sqlite3 *db, const char *platform, const char *vnet_type,
                      struct requirements *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    /* newest first, so the first row of each requirement decides */
    const char *sql =
        "SELECT id, direction, protocol, ports, remote, purpose, vnet_type, platform,"
        " doc_date, level, coalesce(fqdns, '') FROM apim_requirement"
        " WHERE (?1 IS NULL OR platform = ?1 OR (?1 = 'stv1' AND platform = 'stv1-era'))"
        "   AND (?2 IS NULL OR ?2 = 'external' OR vnet_type != 'external')"
        " ORDER BY doc_date DESC, CASE platform WHEN 'stv2' THEN 0 WHEN 'stv1' THEN 1 ELSE 2 END, id";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    if (platform)
        sqlite3_bind_text(st, 1, platform, -1, SQLITE_STATIC);
    if (vnet_type)
        sqlite3_bind_text(st, 2, vnet_type, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *dir = (const char *)sqlite3_column_text(st, 1);
        const char *proto = (const char *)sqlite3_column_text(st, 2);
        const char *ports = (const char *)sqlite3_column_text(st, 3);
        const char *remote = (const char *)sqlite3_column_text(st, 4);
        const char *plat = (const char *)sqlite3_column_text(st, 7);
        const char *date = (const char *)sqlite3_column_text(st, 8);
        const char *level = (const char *)sqlite3_column_text(st, 9);
        int direction = strcmp(dir, "inbound") == 0 ? DIRECTION_INBOUND : DIRECTION_OUTBOUND;
        int protocol = strcmp(proto, "UDP") == 0 ? 17 : 6;
        struct requirement *q = NULL;
        for (size_t i = 0; i < out->n; i++)
            if (out->v[i].direction == direction && out->v[i].protocol == protocol &&
                strcmp(out->v[i].ports, ports) == 0 && strcmp(out->v[i].remote, remote) == 0)
                q = &out->v[i];
        if (q) { /* an older mention: only noted */
            size_t used = strlen(q->docs);
            if (used + 40 < sizeof q->docs)
                snprintf(q->docs + used, sizeof q->docs - used, "; %s %s %s", date,
                         plat, level);
            continue;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            struct requirement *v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            out->v = v;
        }
        q = &out->v[out->n++];
        memset(q, 0, sizeof *q);
        q->id = sqlite3_column_int(st, 0);
        q->direction = direction;
        q->protocol = protocol;
        snprintf(q->ports, sizeof q->ports, "%s", ports);
        snprintf(q->remote, sizeof q->remote, "%s", remote);
        snprintf(q->purpose, sizeof q->purpose, "%s", (const char *)sqlite3_column_text(st, 5));
        snprintf(q->level, sizeof q->level, "%s", level);
        snprintf(q->fqdns, sizeof q->fqdns, "%s", (const char *)sqlite3_column_text(st, 10));
        snprintf(q->docs, sizeof q->docs, "%s %s %s", date, plat, level);
        q->required = strcmp(level, "required") == 0;
        q->external_only = strcmp((const char *)sqlite3_column_text(st, 6), "external") == 0;
        if (parse_ports(q) != 0) {
            snprintf(err, errlen, "apim_requirement %d: bad port list '%s'", q->id, ports);
            goto fail;
        }
        classify_remote(q);
        q->clients = q->direction == DIRECTION_INBOUND && q->kind == RK_INTERNET &&
                     q->external_only;
        if (strcmp(q->remote, "FQDN") == 0 && fqdn_tag(db, q) != 0) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(db));
            goto fail;
        }
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto fail;
    }
    sqlite3_finalize(st);
    if (build_index(out) != 0) {
        snprintf(err, errlen, "out of memory");
        requirements_free(out);
        return -1;
    }
    return 0;
fail:
    sqlite3_finalize(st);
    requirements_free(out);
    return -1;
}

void requirements_free(struct requirements *r)
{
    free(r->v);
    free(r->index);
    free(r->pool);
    memset(r, 0, sizeof *r);
}

/* How well a remote address fits a requirement's remote side. */
static int remote_fit(const struct requirement *q, const struct remote_info *ri)
{
    int is_public = !ri->is_private && !ri->is_lb;
    switch (q->kind) {
    case RK_TAG:
        if (ri->tags & (1u << q->tag_bit))
            return CONF_HIGH;
        if (q->tag_bit == TAG_API_MANAGEMENT && ri->is_control_plane)
            return CONF_HIGH;
        return CONF_NONE;
    case RK_LB:
        return ri->is_lb ? CONF_HIGH : CONF_NONE;
    case RK_VNET:
        return ri->is_private ? CONF_MEDIUM : CONF_NONE;
    case RK_INTERNET:
        return is_public ? CONF_MEDIUM : CONF_NONE;
    case RK_DNS:
        return ri->is_lb ? CONF_HIGH : ri->is_private ? CONF_MEDIUM : CONF_LOW;
    default:
        if (strcmp(q->remote, "Any") == 0)
            return CONF_LOW;
        return is_public ? CONF_LOW : CONF_NONE;
    }
}

const struct requirement *requirements_match(const struct requirements *r,
                                             int direction, int protocol,
                                             int port,
                                             const struct remote_info *remote,
                                             int *confidence)
{
    const struct requirement *best = NULL;
    int best_conf = CONF_NONE, best_width = 0;
    *confidence = CONF_NONE;
    if ((protocol != 6 && protocol != 17) || port < 0 || port > 65535 || direction < 0 ||
        direction > 1)
        return NULL;
    uint32_t entry = r->index[direction][protocol == 17][port];
    const uint16_t *cand = r->pool + (entry >> 8);
    for (uint32_t k = 0; k < (entry & 0xff); k++) {
        const struct requirement *q = &r->v[cand[k]];
        int c = remote_fit(q, remote);
        if (c == CONF_NONE)
            continue;
        int width = port_width(q, port);
        int better = !best || c > best_conf ||
                     (c == best_conf && width < best_width) ||
                     (c == best_conf && width == best_width &&
                      best->tag_bit == TAG_AZURE_CLOUD && q->tag_bit != TAG_AZURE_CLOUD);
        if (better) {
            best = q;
            best_conf = c;
            best_width = width;
        }
    }
    *confidence = best_conf;
    return best;
}
